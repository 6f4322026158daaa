// The manifest the harness writes at the end of every run (also when the program fails),
// as `kaggle-run-manifest.json` in the working folder. It is the source of truth for which
// outputs exist and what their bytes must hash to. Its shape is the harness contract's
// `manifest` schema (contract.json), which parseManifest checks; this type mirrors it.

export const MANIFEST_FILE = 'kaggle-run-manifest.json';
/** The harness's own copy of the program output, kept beside the manifest. */
export const HARNESS_LOG_FILE = 'kaggle-run.log';

export interface ManifestFile {
  /** POSIX path relative to the working folder. */
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  nonce: string;
  /** The program's exit code; null when it never started (setup failed). */
  exitCode: number | null;
  /** Set when the harness itself failed before or around the program. */
  error: string | null;
  /** A step of the harness contract's `steps` (settings, ..., program, timeout); null when none failed. */
  failedStep: string | null;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  /** The program's own seconds (every item of a batch); null when it never started. */
  programSeconds?: number | null | undefined;
  /**
   * Seconds per harness step (`python`: the process's start to the harness's first line, which
   * includes the wait of an interpreter a platform started ahead;
   * then `settings`, `accelerator`, `env-file`, `secrets`, `unpack`, `requirements`,
   * `program`, `manifest`); absent from older harnesses.
   */
  stepSeconds?: Record<string, number> | null | undefined;
  pythonVersion: string;
  acceleratorAsked: string;
  acceleratorSeen: { kind: 'gpu' | 'tpu' | 'none'; names: string[]; count: number };
  files: ManifestFile[];
  /** A batch run: one entry per item that ran, in order (absent for an ordinary run). */
  items?: ManifestItem[] | undefined;
  /**
   * The wheel cache of the requirements, when the settings asked for one: installed from the
   * cache or the index, and whether this session kept the wheels in its output.
   */
  wheelCache?: { key: string; installedFrom: 'cache' | 'index'; kept: boolean } | undefined;
}

/** How one batch item ended; its outputs are under `items/<id>/` in the working folder. */
export interface ManifestItem {
  id: string;
  /** The program's exit code for this item; null when it never started or was stopped. */
  exitCode: number | null;
  /** Null in loop mode when the program reported no time for the item. */
  seconds: number | null;
  /** The failure message, or the last lines of the item's stderr; null when it succeeded. */
  error: string | null;
}
