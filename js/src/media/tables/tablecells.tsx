/**
 * One cell of a stored table: numbers right-aligned, text as text, an image
 * as a thumbnail (loaded when scrolled into view), audio as a small player,
 * any other media value as a link that opens its file.
 */
import * as React from 'react';

import { formatNumber, formatValue } from '../../components/format';

/** A media value in a table cell: its reference. */
interface IMediaCell {
  _type: string;
  path?: string;
  caption?: string;
}

function isMediaCell(value: unknown): value is IMediaCell {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IMediaCell)._type === 'string'
  );
}

export function TableCell(props: {
  value: unknown;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { value, urlOf } = props;
  if (value === null || value === undefined) {
    return <td className="jp-nbrun-cell-empty" />;
  }
  if (typeof value === 'number') {
    return <td className="jp-nbrun-num">{formatNumber(value)}</td>;
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return <td>{String(value)}</td>;
  }
  if (isMediaCell(value)) {
    return (
      <td className="jp-nbrun-cell-media" data-type={value._type}>
        <MediaCell cell={value} urlOf={urlOf} />
      </td>
    );
  }
  return <td>{formatValue(value, 200)}</td>;
}

function MediaCell(props: {
  cell: IMediaCell;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { cell, urlOf } = props;
  if (!cell.path) {
    return <span className="jp-nbrun-muted">{cell._type}</span>;
  }
  const url = urlOf(cell.path);
  if (cell._type === 'image') {
    // Keyed by its file: a row of the next page gets a new element, so it
    // never shows the image that was there before while its own loads.
    return (
      <img
        key={url}
        className="jp-nbrun-thumb"
        src={url}
        loading="lazy"
        alt={cell.caption || 'image'}
        title={cell.caption || cell.path}
      />
    );
  }
  if (cell._type === 'audio') {
    return (
      <audio
        key={url}
        className="jp-nbrun-cell-audio"
        controls
        preload="none"
        src={url}
      />
    );
  }
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" title={cell.path}>
      {cell.caption || cell._type}
    </a>
  );
}
