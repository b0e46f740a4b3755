/**
 * A JupyterLab-styled select named by its `aria-label` (the filter bar has no
 * room for visible labels): an optional first choice with the empty value
 * ("All projects", "No groups"), then one option per choice.
 */
import * as React from 'react';

/** A choice whose label differs from its value. */
export interface ISelectChoice {
  value: string;
  label: string;
}

export function LabelledSelect(props: {
  className: string;
  /** The accessible name. */
  label: string;
  title?: string;
  value: string;
  /** The label of a first choice with the empty value, if offered. */
  empty?: string;
  /** Strings are their own labels. */
  choices: (string | ISelectChoice)[];
  onChange: (value: string) => void;
}): JSX.Element {
  const { empty, onChange } = props;
  return (
    <select
      className={`jp-mod-styled ${props.className}`}
      aria-label={props.label}
      title={props.title}
      value={props.value}
      onChange={e => onChange(e.target.value)}
    >
      {empty !== undefined && <option value="">{empty}</option>}
      {props.choices.map(choice => {
        const { value, label } =
          typeof choice === 'string'
            ? { value: choice, label: choice }
            : choice;
        return (
          <option key={value} value={value}>
            {label}
          </option>
        );
      })}
    </select>
  );
}
