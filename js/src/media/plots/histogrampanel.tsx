/**
 * A histogram key over its steps: a heatmap (a column per step, the value
 * range upwards, brighter where more values fell; a click picks a step) and
 * the distribution at the chosen step as bars.
 */
import * as React from 'react';

import { Bars } from './bars';
import {
  columnOf,
  heatmap,
  heatPixels,
  IHeatmap,
  IHistogramStep
} from './histograms';
import { IMediaSeries } from '../mediagroups';
import { StepSlider, useStepIndex } from '../images/stepslider';
import { tickLabels } from '../../charts/ticks';

export function HistogramPanel(props: { series: IMediaSeries }): JSX.Element {
  const { series } = props;
  const hists = React.useMemo<IHistogramStep[]>(
    () =>
      series.steps.map(s => ({
        step: s.step,
        values: s.items[0].meta.values ?? [],
        bins: s.items[0].meta.bins ?? []
      })),
    [series.steps]
  );
  const steps = React.useMemo(() => hists.map(h => h.step), [hists]);
  const map = React.useMemo(() => heatmap(hists), [hists]);
  const [index, setIndex] = useStepIndex(steps.length);
  const chosen = hists[index];
  return (
    <div className="jp-nbrun-histograms" data-steps={steps.length}>
      {hists.length > 1 && (
        <Heatmap
          map={map}
          step={chosen.step}
          onStep={step => {
            const i = steps.indexOf(step);
            if (i >= 0) {
              setIndex(i);
            }
          }}
        />
      )}
      {steps.length > 1 && (
        <StepSlider
          steps={steps}
          index={index}
          onChange={setIndex}
          label={`Step of ${series.key}`}
        />
      )}
      <HistogramBars hist={chosen} />
    </div>
  );
}

/** One histogram as bars between its edges. */
export function HistogramBars(props: { hist: IHistogramStep }): JSX.Element {
  const { values, bins, step } = props.hist;
  const bars = values
    .slice(0, Math.max(bins.length - 1, 0))
    .map((value, i) => ({ x0: bins[i], x1: bins[i + 1], value }));
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <div className="jp-nbrun-distribution" data-step={step}>
      <Bars bars={bars} className="jp-nbrun-histogram-bars" />
      <div className="jp-nbrun-muted jp-nbrun-media-caption">
        step {step}: {total.toLocaleString('en')} values in {bars.length} bins
      </div>
    </div>
  );
}

function Heatmap(props: {
  map: IHeatmap;
  step: number;
  onStep: (step: number) => void;
}): JSX.Element {
  const { map } = props;
  const canvas = React.useRef<HTMLCanvasElement>(null);
  const columns = map.steps.length;
  React.useEffect(() => {
    const node = canvas.current;
    const context = node?.getContext('2d');
    if (!node || !context || !columns) {
      return;
    }
    node.width = columns;
    node.height = map.rows;
    context.putImageData(
      new ImageData(heatPixels(map), columns, map.rows),
      0,
      0
    );
  }, [map]);
  const column = columnOf(map, props.step);
  const [hiLabel, midLabel, loLabel] = tickLabels([
    map.hi,
    (map.lo + map.hi) / 2,
    map.lo
  ]);
  return (
    <div
      className="jp-nbrun-heatmap"
      data-columns={columns}
      data-rows={map.rows}
    >
      <div className="jp-nbrun-heatmap-y">
        <span>{hiLabel}</span>
        <span>{midLabel}</span>
        <span>{loLabel}</span>
      </div>
      <div className="jp-nbrun-heatmap-body">
        <canvas
          ref={canvas}
          className="jp-nbrun-heatmap-canvas"
          title="Values at each step (each step's colours relative to its most common bin); click to pick a step"
          onClick={e => {
            const box = e.currentTarget.getBoundingClientRect();
            const at = (e.clientX - box.left) / Math.max(box.width, 1);
            const c = Math.max(
              0,
              Math.min(columns - 1, Math.floor(at * columns))
            );
            props.onStep(map.steps[c]);
          }}
        />
        <div
          className="jp-nbrun-heatmap-marker"
          style={{ left: `${((column + 0.5) / Math.max(columns, 1)) * 100}%` }}
        />
        <div className="jp-nbrun-heatmap-x">
          <span>step {map.steps[0]}</span>
          <span>step {map.steps[columns - 1]}</span>
        </div>
      </div>
    </div>
  );
}
