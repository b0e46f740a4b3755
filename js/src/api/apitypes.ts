/**
 * What nbrun's server extension answers: runs, their listings, keys, stores
 * and history, as JSON (the client is in `api.ts`).
 */

/** The state of a run as the store reports it. */
export type RunState = 'running' | 'finished' | 'failed' | 'crashed' | string;

/** Lineage of a run: where it was forked from, when it was rewound or resumed. */
export interface ILineage {
  forked_from?: { id: string; step: number } | null;
  rewinds?: { step: number; at: number }[];
  resumes?: { step: number; at: number }[];
}

/** A run's way to its MLflow tracking server (null: a run never meant for one). */
export interface ISyncStatus {
  /** "synced", "N behind", "not synced" or "state pending". */
  label: string;
  synced: boolean;
  behind: number;
  url: string | null;
  last_error: string | null;
  refused: number;
}

/** One run as `GET /runs` lists it. Times are unix seconds. */
export interface IRunSummary {
  store: string;
  id: string;
  name: string;
  project: string;
  entity: string | null;
  state: RunState;
  exit_code: number | null;
  tags: string[];
  notes: string | null;
  group: string | null;
  job_type: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  heartbeat_at: number | null;
  last_step: number;
  summary: Record<string, unknown>;
  lineage: ILineage;
  resumed_count: number;
  hidden: boolean | number;
  /** A running run whose process is gone or whose heartbeat is old (from the server). */
  stale?: boolean;
  sync?: ISyncStatus | null;
  /** The config values the listing asked for (`columns`), by dotted path. */
  config?: Record<string, unknown>;
  /** The value of the listing's `group_by` for this run. */
  group_value?: unknown;
  /** How many alerts (`run.alert()`) the run has, and the newest one's level. */
  alert_count?: number;
  alert_level?: AlertLevel | null;
}

/** An alert's level, as `run.alert()` records it. */
export type AlertLevel = 'INFO' | 'WARN' | 'ERROR';

/** One `run.alert()` call. Times are unix seconds. */
export interface IAlert {
  time: number;
  step: number | null;
  level: AlertLevel;
  title: string;
  text: string;
  /** Calls of the same title held back by `wait_duration` before this one. */
  suppressed?: number;
}

/** An alert as `GET /alerts` lists it: with the run it belongs to. */
export interface IRunAlert extends IAlert {
  store: string;
  id: string;
  name: string;
}

/** `GET /alerts`: the server's time, and the alerts recorded after `after`. */
export interface IAlertFeed {
  now: number;
  alerts: IRunAlert[];
}

/** How the charts show a key that `define_metric` changed. */
export interface IChartOption {
  /** The key whose value is the x of each point (null: the step). */
  step_metric: string | null;
  step_sync: boolean;
  /** Left out of the default charts. */
  hidden: boolean;
}

/** A video attached to a run (monitor_gym), as the run detail lists it. */
export interface IRunVideo {
  /** Relative to the run folder, `/`-separated. */
  path: string;
  episode: number | null;
  /** The run's step where the recording started. */
  step: number | null;
}

/** The exception recorded with a run. */
export interface IRunError {
  /** Qualified exception type, e.g. `ValueError` or `torch.OutOfMemoryError`. */
  type: string;
  message: string;
  traceback: string;
  /** What raised it: "the with block", "uncaught in the program", "cell [12]". */
  where: string;
  at: number;
}

/** One run as `GET /runs/<id>` returns it. */
export interface IRunDetail extends IRunSummary {
  config: Record<string, unknown>;
  keys: string[];
  files: { path: string; size: number }[];
  videos?: IRunVideo[];
  store_path: string;
  /** Logged values the writer could not store and set aside ({} when none). */
  unstored?: IUnstored | Record<string, never>;
  /** Why the run failed, or the last error a notebook cell raised while it ran ({} when none). */
  error?: IRunError | Record<string, never>;
  /** The run it was forked from; `name` is null when that run was deleted. */
  parent?: { id: string; name: string | null; step: number } | null;
  /** Runs forked from this one (the first 200), and how many there are. */
  forks?: { id: string; name: string; step: number }[];
  forks_total?: number;
  /** Each media key the run logged, with the kind of its latest value. */
  media?: Record<string, MediaKind>;
  /** System metrics sampled while it ran (null: none); see system.tsx. */
  system?: IRunSystem | null;
  /** The keys `define_metric` charts otherwise (step metric, hidden). */
  charts?: Record<string, IChartOption>;
  /** The run's newest alerts (oldest first), and how many it has in all. */
  alerts?: IAlert[];
  alerts_total?: number;
}

/** A run's system metrics: the charts to draw and each metric's points. */
export interface IRunSystem {
  charts: { title: string; lines: { key: string; label: string }[] }[];
  /** Per metric key, its sample times (seconds since the epoch) and values. */
  series: Record<string, { times: number[]; values: (number | null)[] }>;
  samples: number;
}

/** What the writer set aside: a count and the first few, each with key, step and reason. */
export interface IUnstored {
  count: number;
  items: { key: string; step: number | null; reason: string }[];
}

/** A page of runs. */
export interface IRunList {
  runs: IRunSummary[];
  total: number;
  offset: number;
  limit: number;
  projects: string[];
  tags: string[];
  /** Paths of the stores deleted while the server served them. */
  gone?: string[];
  /** With `group_by`: each group's value and size, in the order listed. */
  groups?: IRunGroup[];
}

/** One group of a grouped listing. */
export interface IRunGroup {
  /** The group's value (null: the runs without one, listed last). */
  value: unknown;
  count: number;
}

/** The config and summary keys of a store's runs, as `GET /keys` lists them. */
export interface IRunKeys {
  /** Dotted paths of the config leaves. */
  config: string[];
  summary: string[];
  /** Whether either list was cut at the server's limit. */
  truncated?: boolean;
}

/** One store the server reads. */
export interface IStoreInfo {
  key: string;
  /** Relative to the server's root folder when inside it. */
  path: string;
  /** Visible runs, or null when the store could not be read. */
  runs: number | null;
  error?: string;
}

/** History downsampled by the server; `null` stands for NaN or infinity. */
export interface IHistory {
  keys: Record<
    string,
    {
      steps: number[];
      values: (number | null)[];
      /** With `times`: each point's commit time (s since the epoch) or null. */
      walls?: (number | null)[];
      /** A key with a step metric: that metric's value at each point, or null. */
      x?: (number | null)[];
    }
  >;
  last_step: number;
  /** With `stats`: each key's last, min and max and their steps (null: no number). */
  stats?: Record<string, IKeyStats | null>;
}

/** A key's last, smallest and largest value over every stored point, each with its step. */
export interface IKeyStats {
  last: number;
  last_step: number;
  min: number;
  min_step: number;
  max: number;
  max_step: number;
  count: number;
}

/**
 * A sort order: a column (`name`, `state`, `project`, `created_at`, ...,
 * `config.<path>`, `summary.<key>`), descending with a leading `-`.
 */
export type RunSort = string;

/** The query of a run listing. */
export interface IRunQuery {
  /** The key of one store (default: every store the server reads). */
  store?: string;
  project?: string;
  state?: string;
  tags?: string[];
  q?: string;
  sort?: RunSort;
  offset?: number;
  limit?: number;
  includeHidden?: boolean;
  /** Only online (or once synced) runs not fully on their server. */
  unsynced?: boolean;
  /** An expression over config and summary values, e.g. `lr < 0.01`. */
  where?: string;
  /** `project`, `group`, `job_type` or `config.<path>`. */
  groupBy?: string;
  /** Config values each row should carry: `config.<path>` each. */
  columns?: string[];
}

/** A run's address: the store key and the run id. */
export interface IRunRef {
  store: string;
  id: string;
}

/** What a media value is (`GET /runs/<id>/media`). */
export type MediaKind =
  | 'image'
  | 'audio'
  | 'video'
  | 'html'
  | 'plotly'
  | 'table'
  | 'chart'
  | 'histogram';

/**
 * A box's place: corners or a centre and a size, as fractions of the image
 * unless its `domain` is `"pixel"`.
 */
export interface IBoxPosition {
  minX?: number;
  maxX?: number;
  minY?: number;
  maxY?: number;
  middle?: [number, number];
  width?: number;
  height?: number;
}

/** One bounding box of an image. */
export interface IBox {
  position: IBoxPosition;
  class_id: number;
  box_caption?: string;
  scores?: Record<string, number>;
  domain?: string;
}

/** A named group of boxes, with the names of their classes. */
export interface IBoxGroup {
  box_data: IBox[];
  class_labels?: Record<string, string>;
}

/** A segmentation mask: a PNG of class ids, served like the image. */
export interface IMask {
  path: string;
  class_labels?: Record<string, string>;
}

/** What describes a media value (which fields depends on its kind). */
export interface IMediaMeta {
  /** The content's digest (a value logged again is the same file). */
  sha256?: string;
  caption?: string;
  width?: number;
  height?: number;
  format?: string;
  masks?: Record<string, IMask>;
  boxes?: Record<string, IBoxGroup>;
  /** A gallery's rows: the number of its images. */
  gallery?: number;
  sample_rate?: number;
  channels?: number;
  duration?: number;
  frames?: number;
  fps?: number;
  columns?: (string | number)[];
  rows?: number;
  /** A chart's kind: line, scatter, bar, histogram, line_series, ... */
  chart?: string;
  /** A chart's roles (x, y, stroke, label, value, ...) and their columns. */
  fields?: Record<string, string | null>;
  title?: string;
  strings?: Record<string, string>;
  /** A histogram's counts, and their `values.length + 1` edges. */
  values?: number[];
  bins?: number[];
}

/** One stored media value. */
export interface IMediaEntry {
  key: string;
  step: number;
  /** The image's place in its gallery (0 otherwise). */
  item: number;
  kind: MediaKind;
  /** Relative to the run folder (null: a histogram, held in `meta`). */
  file: string | null;
  size: number;
  meta: IMediaMeta;
  time: number | null;
}

/** `GET /runs/<id>/media`: entries in key, step, item order. */
export interface IMediaList {
  media: IMediaEntry[];
  keys: Record<string, MediaKind>;
  truncated: boolean;
}

/** Which rows of a stored table, in which order (`GET /runs/<id>/media/table`). */
export interface ITableQuery {
  /** The table's file, as its media entry names it. */
  file: string;
  offset?: number;
  limit?: number;
  sort?: string | null;
  order?: 'asc' | 'desc';
  filter?: string;
  filterColumn?: string | null;
}

/** A page of a stored table; `total` counts the rows the filter keeps. */
export interface ITablePage {
  columns: (string | number)[];
  rows: unknown[][];
  total: number;
  rows_stored: number;
  offset: number;
  limit: number;
}
