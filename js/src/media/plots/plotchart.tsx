/**
 * An `nbrun.plot` chart drawn from its stored table: curves and lines with
 * the run charts' uPlot component (a line per group, the x column named under
 * it), scatters as points, bar charts and histograms as bars, a confusion
 * matrix as a heatmap of counts.
 */
import * as React from 'react';

import { IMediaEntry, IRunRef, ITablePage, NbrunAPI } from '../../api/api';
import { LineChart } from '../../charts/chart';
import { Bars } from './bars';
import { ConfusionMatrix } from './matrix';
import { plotSpec } from './plotdata';

/** Most rows of a chart's table read (the server's largest page each). */
const CHART_ROWS = 20000;
const PAGE = 1000;

export function PlotChart(props: {
  entry: IMediaEntry;
  api: NbrunAPI;
  runRef: IRunRef;
}): JSX.Element {
  const { entry } = props;
  const table = useWholeTable(props.api, props.runRef, entry.file);
  const spec = React.useMemo(
    () =>
      table.page
        ? plotSpec(entry.meta, table.page.columns, table.page.rows)
        : null,
    [table.page, entry.meta]
  );
  const title = entry.meta.title || entry.key;
  let body: JSX.Element;
  if (table.error) {
    body = (
      <p className="jp-nbrun-error">
        Could not read the chart's table: {table.error}
      </p>
    );
  } else if (!spec) {
    body = <p className="jp-nbrun-muted">{'Loading\u2026'}</p>;
  } else if (spec.type === 'lines') {
    body = (
      <LineChart
        title={spec.yTitle ? `${title} (y: ${spec.yTitle})` : title}
        chartKey={`plot:${entry.key}`}
        series={spec.series}
        xLabel={spec.xTitle}
        points={spec.points}
        height={220}
      />
    );
  } else if (spec.type === 'bars') {
    body = (
      <>
        <div className="jp-nbrun-chart-title">{title}</div>
        <Bars
          bars={spec.bars}
          categories={spec.categories}
          xTitle={spec.xTitle}
        />
      </>
    );
  } else if (spec.type === 'matrix') {
    body = (
      <>
        <div className="jp-nbrun-chart-title">{title}</div>
        <ConfusionMatrix {...spec} />
      </>
    );
  } else {
    body = <p className="jp-nbrun-muted">Not drawn: {spec.reason}.</p>;
  }
  const stored = table.page?.rows_stored ?? 0;
  return (
    <div
      className="jp-nbrun-plot-chart"
      data-chart={entry.meta.chart}
      data-drawn={spec?.type ?? ''}
    >
      {body}
      {stored > CHART_ROWS && (
        <p className="jp-nbrun-muted">
          Drawn from the first {CHART_ROWS.toLocaleString('en')} of{' '}
          {stored.toLocaleString('en')} rows.
        </p>
      )}
    </div>
  );
}

/** The rows of a stored table (up to {@link CHART_ROWS}), in stored order. */
function useWholeTable(
  api: NbrunAPI,
  ref: IRunRef,
  file: string | null
): { page: ITablePage | null; error: string | null } {
  const [state, setState] = React.useState<{
    file: string | null;
    page: ITablePage | null;
    error: string | null;
  }>({ file: null, page: null, error: null });
  React.useEffect(() => {
    if (!file) {
      return;
    }
    let live = true;
    const read = async () => {
      const first = await api.mediaTable(ref, { file, offset: 0, limit: PAGE });
      const rows = first.rows.slice();
      const want = Math.min(first.total, CHART_ROWS);
      while (live && rows.length < want) {
        const next = await api.mediaTable(ref, {
          file,
          offset: rows.length,
          limit: PAGE
        });
        if (!next.rows.length) {
          break;
        }
        rows.push(...next.rows);
      }
      return { ...first, rows };
    };
    read().then(
      page => live && setState({ file, page, error: null }),
      error =>
        live &&
        setState({ file, page: null, error: String(error?.message ?? error) })
    );
    return () => {
      live = false;
    };
  }, [api, ref.store, ref.id, file]);
  return state.file === file ? state : { page: null, error: null };
}
