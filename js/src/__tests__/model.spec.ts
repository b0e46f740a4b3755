/**
 * The runs table's model: which requests its filters make, the columns it
 * keeps per project in the state database, and its poll, which runs only
 * while a view of it is visible.
 *
 * The REST client is the real one; only the network under it is replaced,
 * by a `fetch` that records each URL and answers like the server (a unit
 * test has no Jupyter server; the browser tests drive the real one).
 */
import { ServerConnection } from '@jupyterlab/services';
import { StateDB } from '@jupyterlab/statedb';

import { IRunSummary, NbrunAPI } from '../api/api';
import { STATE_KEY } from '../runs/model/layout';
import { RunListModel } from '../runs/model/model';

/** A server that answers every listing with `runs`, and records the URLs. */
class FakeServer {
  constructor(public runs: Partial<IRunSummary>[] = []) {}

  urls: URL[] = [];
  /** Answer the next listings with this status and message instead. */
  failure: { status: number; message: string } | null = null;

  listings(): URL[] {
    return this.urls.filter(u => u.pathname.endsWith('/nbrun/api/runs'));
  }

  readonly fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    this.urls.push(url);
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' }
      });
    if (url.pathname.endsWith('/nbrun/api/stores')) {
      return json({ stores: [{ key: 's1', path: '.nbrun', runs: 1 }] });
    }
    if (url.pathname.endsWith('/nbrun/api/keys')) {
      return json({ config: ['lr', 'optim.name'], summary: ['acc'] });
    }
    if (this.failure) {
      return json({ message: this.failure.message }, this.failure.status);
    }
    return json({
      runs: this.runs,
      total: this.runs.length,
      offset: 0,
      limit: 200,
      projects: ['vision'],
      tags: [],
      groups: url.searchParams.get('group_by')
        ? [{ value: 'vision', count: this.runs.length }]
        : undefined
    });
  };
}

function makeModel(server: FakeServer): RunListModel {
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: server.fetch as typeof fetch
  });
  return new RunListModel({
    api: new NbrunAPI({ serverSettings }),
    interval: 50
  });
}

const RUN: Partial<IRunSummary> = {
  store: 's1',
  id: 'r1',
  name: 'one',
  project: 'vision',
  state: 'finished',
  tags: [],
  summary: { acc: 0.9 },
  config: { lr: 0.01 },
  group_value: 'vision'
};

/** Wait until `check` holds (the poll and the fetches are asynchronous). */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

describe('RunListModel', () => {
  let model: RunListModel;
  afterEach(() => model?.dispose());

  it('asks for nothing but the default order with no filters', async () => {
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    model.setViewVisible('sidebar', true);
    await until(() => model.loaded);
    const params = server.listings()[0].searchParams;
    // (a number alone is the cache buster every JupyterLab request carries)
    const names = Array.from(params.keys()).filter(k => !/^\d+$/.test(k));
    expect(names.sort()).toEqual(['limit', 'offset', 'sort']);
    expect(params.get('sort')).toBe('-created_at');
    expect(model.total).toBe(1);
  });

  it('turns the filters into the listing parameters', async () => {
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    model.setViewVisible('sidebar', true);
    await until(() => model.loaded);
    model.setFilters({
      q: 'adam',
      where: 'lr < 0.01',
      sort: '-summary.acc',
      groupBy: 'config.optim.name',
      tags: ['a', 'b'],
      state: 'finished',
      unsynced: true
    });
    model.columns = ['summary.acc', 'config.lr'];
    await until(() =>
      server.listings().some(u => u.searchParams.get('columns') !== null)
    );
    await until(() => model.loaded);
    const params = server.listings().slice(-1)[0].searchParams;
    expect(params.get('q')).toBe('adam');
    expect(params.get('where')).toBe('lr < 0.01');
    expect(params.get('sort')).toBe('-summary.acc');
    expect(params.get('group_by')).toBe('config.optim.name');
    expect(params.getAll('tag')).toEqual(['a', 'b']);
    expect(params.get('state')).toBe('finished');
    expect(params.get('unsynced')).toBe('1');
    // Only config columns are asked for: summary values come in every row.
    expect(params.getAll('columns')).toEqual(['config.lr']);
    expect(model.groups).toEqual([{ value: 'vision', count: 1 }]);
  });

  it('shows the server refusing an expression and stops asking', async () => {
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    model.setViewVisible('sidebar', true);
    await until(() => model.loaded);
    const message =
      "where: expected an operator after 'lr'; use one of < <= > >= == !=";
    server.failure = { status: 400, message };
    model.setFilters({ where: 'lr' });
    await until(() => model.whereError !== null);
    expect(model.whereError).toBe(message);
    expect(model.error).toBeNull();
    const asked = server.listings().length;
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(server.listings().length).toBe(asked);

    server.failure = null;
    model.clearFilters();
    await until(() => model.loaded && model.total === 1);
    expect(model.whereError).toBeNull();
    expect(model.filters.where).toBe('');
  });

  it('keeps the chosen columns per project in the state database', async () => {
    const state = new StateDB();
    // Saved by an earlier version: summary keys, for every project.
    await state.save(STATE_KEY, { columns: ['acc'], sort: 'name' });
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    await model.restore(state);
    expect(model.columns).toEqual(['summary.acc']);
    expect(model.filters.sort).toBe('name');

    model.setFilters({ project: 'vision' });
    expect(model.columns).toEqual(['summary.acc']); // until chosen for it
    model.columns = ['summary.acc', 'config.lr'];
    model.setFilters({ project: 'other' });
    expect(model.columns).toEqual(['summary.acc']);
    model.setFilters({ sort: '-config.lr' });
    model.dispose();

    model = makeModel(server);
    await model.restore(state);
    expect(model.filters.sort).toBe('-config.lr');
    expect(model.columns).toEqual(['summary.acc']);
    model.setFilters({ project: 'vision' });
    expect(model.columns).toEqual(['summary.acc', 'config.lr']);
  });

  it('polls only while a view is visible', async () => {
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(server.urls).toEqual([]); // never shown: never asked

    model.setViewVisible('sidebar', true);
    await until(() => server.listings().length >= 3); // every 50 ms
    model.setViewVisible('sidebar', false);
    await new Promise(resolve => setTimeout(resolve, 100));
    const asked = server.urls.length;
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(server.urls.length).toBe(asked);
    expect(model.poll.state.phase).toBe('stopped');

    // The Running panel alone keeps the poll going.
    const listed = server.listings().length;
    model.setViewVisible('running', true);
    await until(() => model.poll.state.phase !== 'stopped');
    // ... but the table's listing is not fetched for it.
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(server.listings().length).toBe(listed);
  });

  it('reads the keys to choose columns from', async () => {
    const server = new FakeServer([RUN]);
    model = makeModel(server);
    model.setViewVisible('sidebar', true);
    await until(() => model.catalog.keys.config.length > 0);
    expect(model.catalog.keys).toEqual({
      config: ['lr', 'optim.name'],
      summary: ['acc']
    });
    expect(model.catalog.stores.map(s => s.key)).toEqual(['s1']);
  });
});
