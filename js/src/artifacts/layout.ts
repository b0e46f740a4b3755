/**
 * Where the lineage graph's boxes go: a column per step from the chosen
 * version (runs that logged it to its left, runs that used it to its right,
 * what those runs logged or used further out), each column capped so that a
 * run that logged a thousand versions draws a readable graph: the chosen
 * version and its direct neighbours are always kept, the rest of a full
 * column is one "N more" box. Pure: no DOM.
 */
import { ILineageEdge, LineageNode } from './types';

export interface ILayoutOptions {
  /** Boxes in a column before the rest is folded into one "more" box. */
  maxPerColumn: number;
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  pad: number;
}

export const LAYOUT_DEFAULTS: ILayoutOptions = {
  maxPerColumn: 12,
  nodeWidth: 176,
  nodeHeight: 46,
  gapX: 92,
  gapY: 14,
  pad: 8
};

export interface IPlacedNode {
  node: LineageNode;
  column: number;
  x: number;
  y: number;
  focus: boolean;
}

/** The box standing for a column's nodes left out. */
export interface IPlacedMore {
  id: string;
  column: number;
  count: number;
  x: number;
  y: number;
}

export interface IPlacedEdge {
  edge: ILineageEdge;
  /** Start (right side of the source) and end (left side of the target). */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ILayout {
  nodes: IPlacedNode[];
  more: IPlacedMore[];
  edges: IPlacedEdge[];
  width: number;
  height: number;
  /** How many nodes were folded into "more" boxes. */
  hidden: number;
}

/** A node's text for ordering: runs by name, versions by name and number. */
export function nodeLabel(node: LineageNode): string {
  return node.kind === 'run'
    ? node.name
    : `${node.project}/${node.name}:${node.version}`;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Columns: 0 for the focus, +1 along an edge, -1 against it (breadth first). */
export function columnsOf(
  nodes: LineageNode[],
  edges: ILineageEdge[],
  focus: string
): Map<string, number> {
  const next = new Map<string, string[]>();
  const prev = new Map<string, string[]>();
  for (const e of edges) {
    (next.get(e.source) ?? next.set(e.source, []).get(e.source)!).push(
      e.target
    );
    (prev.get(e.target) ?? prev.set(e.target, []).get(e.target)!).push(
      e.source
    );
  }
  const column = new Map<string, number>();
  const ids = nodes.map(n => n.id);
  const starts = ids.includes(focus)
    ? [focus, ...ids.filter(i => i !== focus)]
    : ids;
  for (const start of starts) {
    if (column.has(start)) {
      continue;
    }
    column.set(start, 0); // a part not joined to the focus starts its own walk
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      const at = column.get(id)!;
      for (const [near, delta] of [
        [next.get(id) ?? [], 1],
        [prev.get(id) ?? [], -1]
      ] as [string[], number][]) {
        for (const other of near) {
          if (!column.has(other)) {
            column.set(other, at + delta);
            queue.push(other);
          }
        }
      }
    }
  }
  return column;
}

export function layoutLineage(
  graph: { nodes: LineageNode[]; edges: ILineageEdge[] },
  focus: string,
  options: Partial<ILayoutOptions> = {}
): ILayout {
  const o = { ...LAYOUT_DEFAULTS, ...options };
  const known = new Set(graph.nodes.map(n => n.id));
  const edges = graph.edges.filter(
    e => known.has(e.source) && known.has(e.target)
  );
  const column = columnsOf(graph.nodes, edges, focus);
  const nearFocus = new Set<string>([focus]);
  for (const e of edges) {
    if (e.source === focus) {
      nearFocus.add(e.target);
    } else if (e.target === focus) {
      nearFocus.add(e.source);
    }
  }
  const byColumn = new Map<number, LineageNode[]>();
  for (const node of graph.nodes) {
    const c = column.get(node.id)!;
    (byColumn.get(c) ?? byColumn.set(c, []).get(c)!).push(node);
  }
  const order = [...byColumn.keys()].sort(
    (a, b) => Math.abs(a) - Math.abs(b) || a - b
  );
  const row = new Map<string, number>();
  const kept = new Map<number, LineageNode[]>();
  const folded = new Map<number, number>();
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    (
      neighbours.get(e.source) ?? neighbours.set(e.source, []).get(e.source)!
    ).push(e.target);
    (
      neighbours.get(e.target) ?? neighbours.set(e.target, []).get(e.target)!
    ).push(e.source);
  }
  // Columns from the focus outwards: a column is ordered by where its
  // neighbours already placed are (fewer crossings), ties by label.
  for (const c of order) {
    const all = byColumn.get(c)!;
    const priority = (n: LineageNode): number =>
      n.id === focus ? 0 : nearFocus.has(n.id) ? 1 : 2;
    const chosen = [...all]
      .sort(
        (a, b) =>
          priority(a) - priority(b) ||
          collator.compare(nodeLabel(b), nodeLabel(a)) // newest versions first
      )
      .slice(0, all.length > o.maxPerColumn ? o.maxPerColumn - 1 : all.length);
    const centre = (n: LineageNode): number => {
      const placed = (neighbours.get(n.id) ?? [])
        .map(id => row.get(id))
        .filter((r): r is number => r !== undefined);
      return placed.length
        ? placed.reduce((s, r) => s + r, 0) / placed.length
        : Number.POSITIVE_INFINITY;
    };
    const centres = new Map(chosen.map(n => [n.id, centre(n)]));
    chosen.sort(
      (a, b) =>
        centres.get(a.id)! - centres.get(b.id)! ||
        collator.compare(nodeLabel(a), nodeLabel(b))
    );
    chosen.forEach((n, i) => row.set(n.id, i));
    kept.set(c, chosen);
    if (all.length > chosen.length) {
      folded.set(c, all.length - chosen.length);
    }
  }
  const columns = [...byColumn.keys()].sort((a, b) => a - b);
  const first = columns.length ? columns[0] : 0;
  const tallest = Math.max(
    1,
    ...columns.map(c => kept.get(c)!.length + (folded.has(c) ? 1 : 0))
  );
  const stepY = o.nodeHeight + o.gapY;
  const stepX = o.nodeWidth + o.gapX;
  const nodes: IPlacedNode[] = [];
  const more: IPlacedMore[] = [];
  const at = new Map<string, IPlacedNode>();
  let hidden = 0;
  for (const c of columns) {
    const list = kept.get(c)!;
    const count = list.length + (folded.has(c) ? 1 : 0);
    const top = o.pad + ((tallest - count) * stepY) / 2;
    const x = o.pad + (c - first) * stepX;
    list.forEach((node, i) => {
      const placed = {
        node,
        column: c,
        x,
        y: top + i * stepY,
        focus: node.id === focus
      };
      nodes.push(placed);
      at.set(node.id, placed);
    });
    const left = folded.get(c);
    if (left) {
      hidden += left;
      more.push({
        id: `more:${c}`,
        column: c,
        count: left,
        x,
        y: top + list.length * stepY
      });
    }
  }
  const placedEdges: IPlacedEdge[] = [];
  for (const edge of edges) {
    const s = at.get(edge.source);
    const t = at.get(edge.target);
    if (!s || !t) {
      continue;
    }
    placedEdges.push({
      edge,
      x1: s.x + o.nodeWidth,
      y1: s.y + o.nodeHeight / 2,
      x2: t.x,
      y2: t.y + o.nodeHeight / 2
    });
  }
  return {
    nodes,
    more,
    edges: placedEdges,
    width: o.pad * 2 + Math.max(1, columns.length) * stepX - o.gapX,
    height: o.pad * 2 + tallest * stepY - o.gapY,
    hidden
  };
}
