/**
 * The lineage graph as SVG: runs and artifact versions as boxes, `logged`
 * (run -> version) and `used` (version -> run) as arrows, laid out by
 * `layoutLineage`. Every box is a button: a run opens its detail view, a
 * version is selected (or its artifact opened, for another name).
 */
import * as React from 'react';

import { ILayout, IPlacedNode, LAYOUT_DEFAULTS } from './layout';
import { IArtifactNode, ILineageEdge, LineageNode } from './types';

/** Edges labelled on the drawing up to this many (beyond, in their tooltip only). */
const LABELLED_EDGES = 40;
const TEXT_MAX = 26;

let markers = 0;

function cut(text: string, max = TEXT_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}

export function edgeText(edge: ILineageEdge): string {
  if (edge.kind === 'logged') {
    return 'logged';
  }
  const asked = edge.asked ? ` as ${edge.asked}` : '';
  return `used${asked}${edge.via ? ' (via fork)' : ''}`;
}

export function nodeName(node: LineageNode): string {
  return node.kind === 'run'
    ? `run ${node.name}`
    : `artifact ${node.name}:${node.version}`;
}

export const LineageGraph = React.memo(function LineageGraph(props: {
  layout: ILayout;
  onRun: (runId: string) => void;
  onArtifact: (node: IArtifactNode) => void;
}): JSX.Element {
  const { layout } = props;
  const [marker] = React.useState(() => `jp-nbrun-arrow-${++markers}`);
  const { nodeWidth: w, nodeHeight: h } = LAYOUT_DEFAULTS;
  const activate = (placed: IPlacedNode): void => {
    const node = placed.node;
    if (node.kind === 'run') {
      props.onRun(node.run_id);
    } else {
      props.onArtifact(node);
    }
  };
  const labelled = layout.edges.length <= LABELLED_EDGES;
  return (
    <svg
      className="jp-nbrun-lineage-graph"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="group"
      aria-label="Lineage graph: runs and artifact versions"
    >
      <defs>
        {['logged', 'used'].map(kind => (
          <marker
            key={kind}
            id={`${marker}-${kind}`}
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path
              d="M 0 0 L 10 5 L 0 10 z"
              className={`jp-nbrun-lineage-arrow-${kind}`}
            />
          </marker>
        ))}
      </defs>
      {layout.edges.map((e, i) => {
        const mid = (e.x1 + e.x2) / 2;
        const path = `M ${e.x1} ${e.y1} C ${mid} ${e.y1}, ${mid} ${e.y2}, ${e.x2} ${e.y2}`;
        const text = edgeText(e.edge);
        return (
          <g
            key={i}
            className={`jp-nbrun-lineage-edge jp-nbrun-lineage-${e.edge.kind}`}
            data-source={e.edge.source}
            data-target={e.edge.target}
            data-kind={e.edge.kind}
          >
            <title>
              {e.edge.step !== null ? `${text} at step ${e.edge.step}` : text}
            </title>
            <path d={path} markerEnd={`url(#${marker}-${e.edge.kind})`} />
            {labelled && (
              <text
                x={mid}
                y={(e.y1 + e.y2) / 2 - 4}
                textAnchor="middle"
                className="jp-nbrun-lineage-edge-label"
              >
                {cut(text, 22)}
              </text>
            )}
          </g>
        );
      })}
      {layout.nodes.map(placed => {
        const node = placed.node;
        const isRun = node.kind === 'run';
        const first = isRun ? node.name : `${node.name}:${node.version}`;
        const second = isRun
          ? `run \u00b7 ${node.state}`
          : [node.type, ...node.aliases].join(' \u00b7 ');
        const name = nodeName(node);
        return (
          <g
            key={node.id}
            className={`jp-nbrun-lineage-node jp-nbrun-lineage-${node.kind}${placed.focus ? ' jp-nbrun-lineage-focus' : ''}`}
            data-node-id={node.id}
            data-kind={node.kind}
            transform={`translate(${placed.x}, ${placed.y})`}
            role="button"
            tabIndex={0}
            aria-label={
              isRun
                ? `Open ${name}`
                : placed.focus
                  ? `${name} (shown)`
                  : `Show ${name}`
            }
            onClick={() => activate(placed)}
            onKeyDown={event => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                activate(placed);
              }
            }}
          >
            <title>
              {isRun
                ? `${node.name} (${node.project}, ${node.run_id}): ${node.state}`
                : `${node.project}/${node.name}:${node.version} ${node.digest.slice(0, 12)}`}
            </title>
            <rect
              width={w}
              height={h}
              rx={isRun ? 12 : 3}
              ry={isRun ? 12 : 3}
            />
            <text x={10} y={19} className="jp-nbrun-lineage-title">
              {cut(first)}
            </text>
            <text x={10} y={36} className="jp-nbrun-lineage-sub">
              {cut(second, 30)}
            </text>
          </g>
        );
      })}
      {layout.more.map(m => (
        <g
          key={m.id}
          className="jp-nbrun-lineage-more"
          transform={`translate(${m.x}, ${m.y})`}
        >
          <rect width={w} height={h} rx={3} ry={3} />
          <text x={w / 2} y={h / 2 + 4} textAnchor="middle">
            {`${m.count} more not drawn`}
          </text>
        </g>
      ))}
    </svg>
  );
});
