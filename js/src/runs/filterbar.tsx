/**
 * The runs table's filters: search, store, project, state, tags, an
 * expression over config and summary values, the order and the grouping.
 */
import * as React from 'react';

import { columnName } from './model/columns';
import { LabelledSelect } from '../components/labelledselect';
import { TagChips } from '../components/tagchips';
import { GROUP_FIELDS, RUN_STATES } from './model/filters';
import type { RunListModel } from './model/model';
import { sortChoices } from './model/sortorder';

export function FilterBar(props: { model: RunListModel }): JSX.Element {
  const { model } = props;
  const filters = model.filters;
  const stores = model.catalog.stores;
  const sorts = sortChoices(model.catalog.keys, filters.sort, model.goals);
  const groupKeys = model.catalog.keys.config.map(k => `config.${k}`);
  const grouping = filters.groupBy;
  if (
    grouping &&
    !GROUP_FIELDS.includes(grouping) &&
    !groupKeys.includes(grouping)
  ) {
    groupKeys.unshift(grouping);
  }
  return (
    <>
      <DelayedInput
        className="jp-nbrun-search"
        type="search"
        placeholder="Search name, id, tags, notes, config"
        label="Search runs"
        value={filters.q}
        onChange={q => model.setFilters({ q })}
      />
      {stores.length > 1 && (
        <LabelledSelect
          className="jp-nbrun-filter-store"
          label="Store"
          title="The store (a .nbrun folder) to list"
          value={filters.store}
          empty={`All stores (${stores.length})`}
          choices={stores.map(s => ({
            value: s.key,
            label:
              s.path +
              (s.runs !== null && s.runs !== undefined ? ` (${s.runs})` : '')
          }))}
          onChange={store => model.setFilters({ store })}
        />
      )}
      <div className="jp-nbrun-filters">
        <LabelledSelect
          className="jp-nbrun-filter-project"
          label="Project"
          value={filters.project}
          empty="All projects"
          choices={withCurrent(model.projects, filters.project)}
          onChange={project => model.setFilters({ project })}
        />
        <LabelledSelect
          className="jp-nbrun-filter-state"
          label="State"
          value={filters.state}
          empty="All states"
          choices={RUN_STATES}
          onChange={state => model.setFilters({ state })}
        />
        <label
          className="jp-nbrun-filter-unsynced"
          title="Only online runs not fully on their tracking server"
        >
          <input
            type="checkbox"
            checked={filters.unsynced}
            onChange={e => model.setFilters({ unsynced: e.target.checked })}
          />{' '}
          unsynced
        </label>
        <LabelledSelect
          className="jp-nbrun-filter-tag"
          label="Add a tag filter"
          value=""
          empty="Any tag"
          choices={model.tags.filter(t => !filters.tags.includes(t))}
          onChange={tag => {
            if (tag && !filters.tags.includes(tag)) {
              model.setFilters({ tags: [...filters.tags, tag] });
            }
          }}
        />
        <LabelledSelect
          className="jp-nbrun-sort"
          label="Sort"
          title="Order the runs by a field, a summary metric or a config key"
          value={filters.sort}
          choices={sorts}
          onChange={sort => model.setFilters({ sort })}
        />
        <LabelledSelect
          className="jp-nbrun-group-by"
          label="Group by"
          title="Group the runs by a field or a config value"
          value={filters.groupBy}
          empty="No groups"
          choices={[...GROUP_FIELDS, ...groupKeys].map(g => ({
            value: g,
            label: `Group by ${columnName(g)}`
          }))}
          onChange={groupBy => model.setFilters({ groupBy })}
        />
      </div>
      <DelayedInput
        className="jp-nbrun-where"
        type="text"
        placeholder="Filter: lr < 0.01 and best_acc > 0.9"
        label="Filter by config or summary values"
        title={
          'An expression over config and summary values: key op value, ' +
          'joined by "and"; op is one of < <= > >= == !=. A key is ' +
          'config.<path>, summary.<key> or a bare name; a bare name that is ' +
          'both a config key and a summary key of the listed runs is refused: ' +
          'say config.<name> or summary.<name>.'
        }
        value={filters.where}
        invalid={model.whereError !== null}
        onlyOnEnter
        onChange={where => model.setFilters({ where })}
      />
      {model.whereError && (
        <div className="jp-nbrun-where-error" role="alert">
          {model.whereError}
        </div>
      )}
      {filters.tags.length > 0 && (
        <TagChips
          tags={filters.tags}
          what="tag filter"
          onRemove={tag =>
            model.setFilters({ tags: filters.tags.filter(t => t !== tag) })
          }
        />
      )}
    </>
  );
}

function withCurrent(values: string[], current: string): string[] {
  return current && !values.includes(current) ? [current, ...values] : values;
}

/**
 * A text input that applies its text after typing pauses (or, `onlyOnEnter`,
 * on Enter and when it loses focus), and shows the applied value when it is
 * changed elsewhere (filters cleared).
 */
function DelayedInput(props: {
  className: string;
  type: string;
  placeholder: string;
  label: string;
  title?: string;
  value: string;
  invalid?: boolean;
  onlyOnEnter?: boolean;
  onChange: (value: string) => void;
}): JSX.Element {
  const { value, onChange, onlyOnEnter } = props;
  const [text, setText] = React.useState(value);
  const timer = React.useRef<number | null>(null);
  const cancel = () => {
    if (timer.current !== null) {
      window.clearTimeout(timer.current);
      timer.current = null;
    }
  };
  React.useEffect(() => cancel, []);
  React.useEffect(() => {
    cancel();
    setText(current => (current.trim() === value ? current : value));
  }, [value]);
  const apply = (next: string) => {
    cancel();
    if (next.trim() !== value) {
      onChange(next.trim());
    }
  };
  return (
    <input
      className={`jp-mod-styled ${props.className}`}
      type={props.type}
      placeholder={props.placeholder}
      aria-label={props.label}
      aria-invalid={props.invalid || undefined}
      title={props.title}
      value={text}
      onChange={e => {
        const next = e.target.value;
        setText(next);
        cancel();
        if (!onlyOnEnter || next === '') {
          timer.current = window.setTimeout(() => apply(next), 250);
        }
      }}
      onKeyDown={e => {
        if (e.key === 'Enter') {
          apply(text);
        }
      }}
      onBlur={() => onlyOnEnter && apply(text)}
    />
  );
}
