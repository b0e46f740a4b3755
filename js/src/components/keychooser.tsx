/**
 * One key chooser for every chart picker (the detail view's charts, the
 * compare view's metrics): a toggle showing how many keys are charted, and a
 * search over the keys (runs may log hundreds) with a checkbox per key.
 */
import * as React from 'react';

export function KeyChooser(props: {
  /** Every key offered, in the order shown. */
  keys: string[];
  /** The keys charted, in the order charted. */
  chosen: string[];
  /** Keys `define_metric` hid: offered, marked as hidden. */
  hidden?: string[];
  onChange: (keys: string[]) => void;
}): JSX.Element {
  const { keys, chosen } = props;
  const hidden = new Set(props.hidden ?? []);
  const [open, setOpen] = React.useState(false);
  const [search, setSearch] = React.useState('');
  const needle = search.trim().toLowerCase();
  const offered = needle
    ? keys.filter(k => k.toLowerCase().includes(needle))
    : keys;
  return (
    <div className="jp-nbrun-key-chooser">
      <button
        className="jp-nbrun-button jp-nbrun-keys-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Keys ({chosen.length} of {keys.length})
      </button>
      {open && (
        <div className="jp-nbrun-key-picker">
          <input
            className="jp-mod-styled jp-nbrun-key-search"
            type="search"
            placeholder={`Search ${keys.length} keys`}
            aria-label="Search keys"
            value={search}
            onChange={e => setSearch(e.target.value)}
          />
          <div className="jp-nbrun-column-chooser">
            {offered.map(key => (
              <label
                key={key}
                className="jp-nbrun-column-option"
                data-hidden={hidden.has(key) ? 'true' : undefined}
              >
                <input
                  type="checkbox"
                  checked={chosen.includes(key)}
                  onChange={e =>
                    props.onChange(
                      e.target.checked
                        ? [...chosen, key]
                        : chosen.filter(k => k !== key)
                    )
                  }
                />
                <span>{key}</span>
                {hidden.has(key) && (
                  <span
                    className="jp-nbrun-muted jp-nbrun-key-hidden"
                    title="define_metric(hidden=True): not charted unless chosen"
                  >
                    hidden
                  </span>
                )}
              </label>
            ))}
            {offered.length === 0 && (
              <span className="jp-nbrun-muted">No key matches.</span>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
