/**
 * Choosing many runs at once in the runs list: every run the filters match
 * ("Select all"), or a range of rows (a shift-click on a row's checkbox
 * chooses or lets go every row between it and the row clicked before).
 * Rows outside the loaded pages are fetched, by pages of the largest size
 * the server answers.
 */
import { IRunSummary } from '../api/api';
import { runQuery } from './model/filters';
import type { RunListModel } from './model/model';

/** The largest page the server lists (its LIMIT_MAX). */
const PAGE = 1000;

/** The rows `start` to `end` (excluded) of the listing as the filters give it. */
export async function listedRuns(
  model: RunListModel,
  start: number,
  end: number
): Promise<IRunSummary[]> {
  const known: IRunSummary[] = [];
  for (let i = start; i < end; i++) {
    const run = model.runAt(i);
    if (!run) {
      break;
    }
    known.push(run);
  }
  if (known.length === end - start) {
    return known;
  }
  const query = runQuery(model.filters, model.columns);
  const runs: IRunSummary[] = [];
  for (let offset = start; offset < end; offset += PAGE) {
    const page = await model.api.listRuns({
      ...query,
      offset,
      limit: Math.min(PAGE, end - offset)
    });
    runs.push(...page.runs);
    if (page.runs.length === 0) {
      break;
    }
  }
  return runs;
}

/** Choose every run the filters match (`on`), or let them all go. */
export async function selectAll(
  model: RunListModel,
  on: boolean
): Promise<void> {
  if (!on) {
    model.selection.clear();
    return;
  }
  model.selection.setMany(await listedRuns(model, 0, model.total), true);
}

/**
 * A click on row `index`'s checkbox: toggles the run, or with shift (and a
 * row clicked before) gives every row from that one to this the state the
 * clicked row takes.
 */
export async function toggleRow(
  model: RunListModel,
  run: IRunSummary,
  index: number,
  shift: boolean
): Promise<void> {
  const { selection } = model;
  const anchor = selection.anchor;
  selection.anchor = index;
  if (!shift || anchor === null || anchor === index) {
    selection.toggle(run);
    return;
  }
  const on = !selection.has(run);
  const [lo, hi] = anchor < index ? [anchor, index] : [index, anchor];
  selection.setMany(await listedRuns(model, lo, hi + 1), on);
}
