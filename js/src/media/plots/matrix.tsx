/**
 * A confusion matrix as a heatmap: a row per actual class, a column per
 * predicted class, each cell coloured by its share of its row (so classes of
 * any size read alike) and holding its count.
 */
import * as React from 'react';

import { formatNumber } from '../../components/format';
import { heatColour } from './histograms';

export function ConfusionMatrix(props: {
  actual: string[];
  predicted: string[];
  counts: number[][];
}): JSX.Element {
  const { actual, predicted, counts } = props;
  return (
    <div className="jp-nbrun-matrix-scroll">
      <table className="jp-nbrun-matrix" data-classes={actual.length}>
        <thead>
          <tr>
            <th className="jp-nbrun-matrix-corner">
              {'actual \u2193 / predicted \u2192'}
            </th>
            {predicted.map(p => (
              <th key={p} scope="col">
                {p}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {actual.map((a, i) => {
            const total = counts[i].reduce((x, y) => x + y, 0);
            return (
              <tr key={a}>
                <th scope="row">{a}</th>
                {counts[i].map((n, j) => {
                  const share = total > 0 ? n / total : 0;
                  const [r, g, b] = heatColour(share);
                  return (
                    <td
                      key={j}
                      className="jp-nbrun-matrix-cell"
                      data-actual={a}
                      data-predicted={predicted[j]}
                      data-count={n}
                      title={`${a} predicted as ${predicted[j]}: ${formatNumber(n)} (${(share * 100).toFixed(1)}% of ${a})`}
                      style={{
                        background: `rgb(${r}, ${g}, ${b})`,
                        color: share > 0.6 ? '#000' : '#fff'
                      }}
                    >
                      {formatNumber(n)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
