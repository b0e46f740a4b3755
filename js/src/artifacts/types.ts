/**
 * The shapes the artifact endpoints answer with (see
 * nbrun/server/artifact_handlers.py). Times are seconds since the epoch; sizes
 * are bytes, null for a reference of unknown size.
 */

/** The run that logged a version first. */
export interface IVersionRun {
  id: string;
  name: string;
  state: string;
  step: number | null;
}

/** One version of an artifact name. */
export interface IArtifactVersion {
  project: string;
  name: string;
  type: string;
  /** `v3` */
  version: string;
  index: number;
  digest: string;
  description: string | null;
  metadata: Record<string, unknown>;
  size: number | null;
  file_count: number;
  created_at: number;
  aliases: string[];
  logged_by: IVersionRun | null;
  used_count: number;
}

/** A file of a version; `ref` is a recorded URI whose content nbrun does not hold. */
export interface IArtifactFile {
  path: string;
  digest: string;
  size: number | null;
  ref: string | null;
}

/** A version a run logged (`outputs`) or used (`inputs`, with the alias asked for). */
export interface IRunArtifact extends IArtifactVersion {
  step: number | null;
  at: number;
  asked?: string;
  /** The run a fork inherited this use from. */
  via?: string | null;
}

/** `GET runs/<id>/artifacts` */
export interface IRunArtifacts {
  store: string;
  run: string;
  outputs: IRunArtifact[];
  inputs: IRunArtifact[];
}

/** `GET artifacts/versions`: a page of versions, newest first. */
export interface IVersionPage {
  store: string;
  project: string;
  name: string;
  type: string;
  total: number;
  offset: number;
  limit: number;
  aliases: Record<string, string>;
  versions: IArtifactVersion[];
}

/** A run that logged or used a version. */
export interface IRunUse {
  id: string;
  name: string;
  state: string;
  project: string;
  step: number | null;
  at: number;
  asked?: string;
  via?: string | null;
}

/** `GET artifacts/version`: one version with a page of its files and its runs. */
export interface IVersionDetail extends IArtifactVersion {
  store: string;
  files: IArtifactFile[];
  files_offset: number;
  files_limit: number;
  files_total: number;
  logged: IRunUse[];
  used: IRunUse[];
}

export interface IArtifactNode {
  id: string;
  kind: 'artifact';
  project: string;
  name: string;
  type: string;
  version: string;
  aliases: string[];
  digest: string;
  size: number | null;
  file_count: number;
  created_at: number;
}

export interface IRunNode {
  id: string;
  kind: 'run';
  run_id: string;
  name: string;
  state: string;
  project: string;
}

export type LineageNode = IArtifactNode | IRunNode;

export interface ILineageEdge {
  source: string;
  target: string;
  kind: 'logged' | 'used';
  step: number | null;
  asked?: string;
  via?: string | null;
}

/** `GET artifacts/lineage` */
export interface ILineageGraph {
  store: string;
  project: string;
  name: string;
  hops: number;
  truncated: boolean;
  nodes: LineageNode[];
  edges: ILineageEdge[];
}

/** One side of a diff. */
export interface IDiffSide {
  version: string;
  digest: string;
  aliases: string[];
  size: number | null;
  file_count: number;
  created_at: number;
  logged_by: IVersionRun | null;
}

/** `GET artifacts/diff`: from version a to version b. */
export interface IArtifactDiff {
  store: string;
  project: string;
  name: string;
  a: IDiffSide;
  b: IDiffSide;
  files: {
    added: IArtifactFile[];
    removed: IArtifactFile[];
    changed: { path: string; a: IArtifactFile; b: IArtifactFile }[];
    counts: {
      added: number;
      removed: number;
      changed: number;
      unchanged: number;
    };
  };
  metadata: {
    added: Record<string, unknown>;
    removed: Record<string, unknown>;
    changed: Record<string, [unknown, unknown]>;
  };
  description: null | [string | null, string | null];
}

/** What names an artifact (and a version of it) in a store. */
export interface IArtifactRef {
  store: string;
  project: string;
  name: string;
  /** `v<n>`, an alias or a digest; none: the latest. */
  version?: string;
}
