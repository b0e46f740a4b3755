/**
 * The lineage around the shown version: the graph read from the server
 * (`hops` steps out, 1 to 4), laid out and drawn, with what was left out.
 */
import * as React from 'react';

import { ArtifactClient } from './client';
import { LineageGraph } from './graph';
import { layoutLineage } from './layout';
import { IArtifactNode, ILineageGraph } from './types';
import { useFetch } from './usefetch';

export const HOPS = [1, 2, 3, 4];

/** The node of the version asked for (by number, alias or digest). */
export function focusOf(graph: ILineageGraph, version: string): string | null {
  const found = graph.nodes.find(
    n =>
      n.kind === 'artifact' &&
      n.project === graph.project &&
      n.name === graph.name &&
      (n.version === version ||
        n.digest === version ||
        n.aliases.includes(version))
  );
  return found ? found.id : null;
}

export function LineagePanel(props: {
  client: ArtifactClient;
  where: { store: string; project: string; name: string; version: string };
  onOpenRun: (runId: string) => void;
  onArtifact: (node: IArtifactNode) => void;
}): JSX.Element {
  const { client, where } = props;
  const [hops, setHops] = React.useState(2);
  // The version is kept with its graph: until the graph of a newly chosen
  // version is read, the last one stays drawn around its own version.
  const fetched = useFetch(
    signal =>
      client
        .lineage(where, hops, signal)
        .then(graph => ({ graph, version: where.version })),
    [client, where.store, where.project, where.name, where.version, hops]
  );
  const graph = { ...fetched, data: fetched.data?.graph ?? null };
  const layout = React.useMemo(() => {
    if (!fetched.data) {
      return null;
    }
    const { graph, version } = fetched.data;
    return layoutLineage(graph, focusOf(graph, version) ?? '');
  }, [fetched.data]);
  return (
    <div className="jp-nbrun-artifact-lineage">
      <div className="jp-nbrun-pager">
        <label>
          Steps out{' '}
          <select
            className="jp-mod-styled jp-nbrun-lineage-hops"
            value={hops}
            onChange={e => setHops(Number(e.target.value))}
          >
            {HOPS.map(n => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span className="jp-nbrun-muted">
          Runs that logged a version point to it; a version points to the runs
          that used it. Select a box to open it.
        </span>
      </div>
      {graph.error && (
        <p className="jp-nbrun-error">
          Could not load the lineage: {graph.error}
        </p>
      )}
      {layout && graph.data && (
        <>
          <div className="jp-nbrun-lineage-scroll">
            <LineageGraph
              layout={layout}
              onRun={props.onOpenRun}
              onArtifact={props.onArtifact}
            />
          </div>
          {(layout.hidden > 0 || graph.data.truncated) && (
            <p className="jp-nbrun-muted jp-nbrun-lineage-left-out">
              {layout.hidden > 0 &&
                `${layout.hidden} of ${graph.data.nodes.length} boxes are folded into "more" boxes. `}
              {graph.data.truncated &&
                'The server stopped the walk at its node limit: fewer steps out show all.'}
            </p>
          )}
        </>
      )}
      {!graph.data && !graph.error && (
        <p className="jp-nbrun-muted">Loading the lineage…</p>
      )}
    </div>
  );
}
