/**
 * The columns of the runs table: summary values (`summary.<key>`) and config
 * values (`config.<path>`); the columns chosen per project are kept with the
 * rest of the sidebar's layout (layout.ts).
 */
import type { IRunSummary } from '../../api/api';

/** Whether a column shows a config value (else a summary value). */
export function isConfigColumn(column: string): boolean {
  return column.startsWith('config.');
}

/** The key of a column without its `summary.` / `config.` prefix. */
export function columnName(column: string): string {
  return column.replace(/^(summary|config)\./, '');
}

/** The columns that ask the listing for config values. */
export function configColumns(columns: string[]): string[] {
  return columns.filter(isConfigColumn);
}

/** A run's value in a column (undefined when it has none). */
export function columnValue(run: IRunSummary, column: string): unknown {
  const name = columnName(column);
  const values = isConfigColumn(column) ? run.config : run.summary;
  return values && Object.prototype.hasOwnProperty.call(values, name)
    ? values[name]
    : undefined;
}
