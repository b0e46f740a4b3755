/**
 * A slider over the steps a key was logged at: the range input (arrow keys
 * move one step), buttons for the previous and next step, and the step shown.
 */
import * as React from 'react';

export function StepSlider(props: {
  steps: number[];
  index: number;
  onChange: (index: number) => void;
  /** Names the slider for assistive technology. */
  label: string;
}): JSX.Element | null {
  const { steps, index, onChange } = props;
  if (steps.length === 0) {
    return null;
  }
  const last = steps.length - 1;
  const go = (i: number) => onChange(Math.max(0, Math.min(last, i)));
  return (
    <div className="jp-nbrun-step-slider" data-step={steps[index]}>
      <button
        className="jp-nbrun-link jp-nbrun-step-prev"
        title="Previous step"
        aria-label="Previous step"
        disabled={index <= 0}
        onClick={() => go(index - 1)}
      >
        {'\u2039'}
      </button>
      <input
        type="range"
        className="jp-nbrun-step-range"
        aria-label={props.label}
        aria-valuetext={`step ${steps[index]}`}
        min={0}
        max={last}
        step={1}
        value={index}
        disabled={last === 0}
        onChange={e => go(Number(e.target.value))}
      />
      <button
        className="jp-nbrun-link jp-nbrun-step-next"
        title="Next step"
        aria-label="Next step"
        disabled={index >= last}
        onClick={() => go(index + 1)}
      >
        {'\u203a'}
      </button>
      <span className="jp-nbrun-step-value">
        step {steps[index]}
        {steps.length > 1 && (
          <span className="jp-nbrun-muted">
            {' '}
            ({index + 1} of {steps.length})
          </span>
        )}
      </span>
    </div>
  );
}

/**
 * The chosen index into `count` steps: the latest until the user moves the
 * slider, then theirs (the latest again once they move it to the end, so a
 * live run's new steps are followed).
 */
export function useStepIndex(
  count: number
): [number, (index: number) => void, number] {
  const [chosen, setChosen] = React.useState<number | null>(null);
  const [direction, setDirection] = React.useState(1);
  const index =
    chosen === null ? count - 1 : Math.max(0, Math.min(count - 1, chosen));
  const choose = (next: number) => {
    setDirection(next >= index ? 1 : -1);
    setChosen(next >= count - 1 ? null : next);
  };
  return [Math.max(index, 0), choose, direction];
}
