import { columnsOf, layoutLineage } from '../artifacts/layout';
import {
  IArtifactNode,
  ILineageEdge,
  IRunNode,
  LineageNode
} from '../artifacts/types';

function version(name: string, v: number): IArtifactNode {
  return {
    id: `artifact:p/${name}:v${v}`,
    kind: 'artifact',
    project: 'p',
    name,
    type: 'dataset',
    version: `v${v}`,
    aliases: [],
    digest: String(v).padStart(64, '0'),
    size: 10,
    file_count: 1,
    created_at: v
  };
}

function run(name: string): IRunNode {
  return {
    id: `run:${name}`,
    kind: 'run',
    run_id: name,
    name,
    state: 'finished',
    project: 'p'
  };
}

function logged(r: IRunNode, a: IArtifactNode): ILineageEdge {
  return { source: r.id, target: a.id, kind: 'logged', step: null };
}

function used(a: IArtifactNode, r: IRunNode): ILineageEdge {
  return { source: a.id, target: r.id, kind: 'used', step: 0, asked: 'latest' };
}

describe('layoutLineage', () => {
  const data = version('data', 1);
  const prep = run('prep');
  const trainA = run('train-a');
  const trainB = run('train-b');
  const modelA = version('model', 0);
  const modelB = version('model', 1);
  const nodes: LineageNode[] = [modelB, trainB, data, prep, trainA, modelA];
  const edges = [
    logged(prep, data),
    used(data, trainA),
    used(data, trainB),
    logged(trainA, modelA),
    logged(trainB, modelB)
  ];

  it('puts loggers left of the version, users right, their outputs further', () => {
    const columns = columnsOf(nodes, edges, data.id);
    expect(Object.fromEntries(columns)).toEqual({
      [data.id]: 0,
      [prep.id]: -1,
      [trainA.id]: 1,
      [trainB.id]: 1,
      [modelA.id]: 2,
      [modelB.id]: 2
    });
    const layout = layoutLineage({ nodes, edges }, data.id);
    const x = (id: string) => layout.nodes.find(n => n.node.id === id)!.x;
    expect(x(prep.id)).toBeLessThan(x(data.id));
    expect(x(data.id)).toBeLessThan(x(trainA.id));
    expect(x(trainA.id)).toBe(x(trainB.id));
    expect(x(trainB.id)).toBeLessThan(x(modelA.id));
    expect(layout.edges).toHaveLength(5);
    expect(layout.nodes.find(n => n.focus)!.node.id).toBe(data.id);
    expect(layout.hidden).toBe(0);
  });

  it('orders a column by its neighbours so that edges do not cross', () => {
    const layout = layoutLineage({ nodes, edges }, data.id);
    const y = (id: string) => layout.nodes.find(n => n.node.id === id)!.y;
    expect(Math.sign(y(trainA.id) - y(trainB.id))).toBe(
      Math.sign(y(modelA.id) - y(modelB.id))
    );
  });

  it('starts and ends every edge on the sides of its boxes', () => {
    const layout = layoutLineage({ nodes, edges }, data.id, {
      nodeWidth: 100,
      nodeHeight: 20
    });
    const at = new Map(layout.nodes.map(n => [n.node.id, n]));
    for (const e of layout.edges) {
      const s = at.get(e.edge.source)!;
      const t = at.get(e.edge.target)!;
      expect([e.x1, e.y1]).toEqual([s.x + 100, s.y + 10]);
      expect([e.x2, e.y2]).toEqual([t.x, t.y + 10]);
    }
    const right = Math.max(...layout.nodes.map(n => n.x + 100));
    expect(layout.width).toBeGreaterThanOrEqual(right);
  });

  it('folds a crowded column into a "more" box, keeping the focus and its neighbours', () => {
    // One run logged 1,000 versions; the graph is around v500.
    const big = run('sweep');
    const versions = Array.from({ length: 1000 }, (_, i) => version('d', i));
    const user = run('user');
    const all: LineageNode[] = [big, user, ...versions];
    const links = [
      ...versions.map(v => logged(big, v)),
      used(versions[500], user)
    ];
    const layout = layoutLineage(
      { nodes: all, edges: links },
      versions[500].id,
      { maxPerColumn: 10 }
    );
    const inColumn0 = layout.nodes.filter(n => n.column === 0);
    expect(inColumn0).toHaveLength(9);
    expect(inColumn0.map(n => n.node.id)).toContain(versions[500].id);
    // The newest of the others are kept.
    expect(inColumn0.map(n => n.node.id)).toContain(versions[999].id);
    expect(layout.more).toEqual([
      expect.objectContaining({ column: 0, count: 991 })
    ]);
    expect(layout.hidden).toBe(991);
    // Edges to folded versions are not drawn.
    expect(layout.edges).toHaveLength(9 + 1);
    expect(layout.nodes).toHaveLength(11);
  });

  it('lays out a part not joined to the focus too', () => {
    const lone = version('other', 0);
    const layout = layoutLineage(
      { nodes: [data, prep, lone], edges: [logged(prep, data)] },
      data.id
    );
    expect(layout.nodes.map(n => n.node.id).sort()).toEqual(
      [data.id, prep.id, lone.id].sort()
    );
  });
});
