/**
 * The videos attached to a run (monitor_gym): one HTML5 player, the latest
 * episode first, and a button per episode. The server streams each file with
 * Range requests, so seeking does not download the whole video.
 */
import * as React from 'react';

import { IRunVideo } from '../api/api';

export function RunVideos(props: {
  videos: IRunVideo[];
  urlOf: (path: string) => string;
}): JSX.Element {
  const { videos } = props;
  const [chosen, setChosen] = React.useState<string | null>(null);
  const current =
    videos.find(v => v.path === chosen) ?? videos[videos.length - 1];
  const label = (v: IRunVideo) =>
    v.episode === null ? v.path : `episode ${v.episode}`;
  return (
    <div className="jp-nbrun-videos">
      <video
        key={current.path}
        className="jp-nbrun-video"
        src={props.urlOf(current.path)}
        controls
        muted
        preload="metadata"
        data-path={current.path}
      />
      <div className="jp-nbrun-video-caption">
        {label(current)}
        {current.step !== null && ` \u00b7 step ${current.step}`}
      </div>
      {videos.length > 1 && (
        <div className="jp-nbrun-video-list">
          {videos.map(v => (
            <button
              key={v.path}
              className="jp-nbrun-button jp-nbrun-video-choice"
              aria-pressed={v.path === current.path}
              title={v.path}
              onClick={() => setChosen(v.path)}
            >
              {label(v)}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
