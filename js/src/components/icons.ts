/**
 * The extension's icon.
 */
import { LabIcon } from '@jupyterlab/ui-components';

const runsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h2v16h16v2H3z"/>
    <path d="M7.5 15.6 6.1 14.2l4.4-4.4 3 3 4.9-5.9 1.5 1.3-6.3 7.5-3-3z"/>
  </g>
</svg>`;

/** Runs (a line rising over axes). */
export const runsIcon = new LabIcon({ name: 'nbrun:runs', svgstr: runsSvg });
