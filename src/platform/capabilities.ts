// What each platform can do, declared once. The runner, `attach`, the sweep scheduler and the
// CLI read these instead of asking which platform they have: a new platform is a new row.

import type { Accelerator } from '../accelerator.js';
import type { PlatformName } from '../job.js';

export interface PlatformCapabilities {
  /**
   * A pushed run goes on after this process ends: `--detach` works, `attach` and `logs -f`
   * pick a run up from another process, an in-flight twin can be joined, and a failure
   * here leaves the record open (attachable) rather than ended.
   */
  readonly outlivesProcess: boolean;
  /**
   * Kernels are named and shared by everyone who pushes as this user: a run leases its
   * kernel's name, and checks before fetching that no later version replaced its own.
   */
  readonly sharedKernels: boolean;
  /** Code, data and env values can ship as datasets the platform holds. */
  readonly holdsDatasets: boolean;
  /** A missing accelerator fails the run (the session was sold with it); else a warning. */
  readonly strictAcceleratorCheck: boolean;
  /**
   * The working folder is saved as the run's output, so code files the program left
   * unchanged are dropped from it after the manifest.
   */
  readonly savesWorkingFolder: boolean;
  /**
   * A finished run's output can be attached to a later run as a source, so the wheels a
   * session installed serve the next session's requirements (the wheel cache).
   */
  readonly outputsAsSources: boolean;
  /** How many sessions of this accelerator run at once, when nothing else says. */
  sessionCap(accelerator: Accelerator): number;
}

const capabilities: Record<PlatformName, PlatformCapabilities> = {
  local: {
    outlivesProcess: false,
    sharedKernels: false,
    holdsDatasets: false,
    strictAcceleratorCheck: false,
    savesWorkingFolder: false,
    outputsAsSources: false,
    // One GPU on a workstation is one job's at a time.
    sessionCap: (accelerator) => (accelerator === 'none' ? 2 : 1),
  },
  kaggle: {
    outlivesProcess: true,
    sharedKernels: true,
    holdsDatasets: true,
    strictAcceleratorCheck: true,
    savesWorkingFolder: true,
    outputsAsSources: true,
    // Kaggle's session caps: 2 GPU/TPU sessions at once; CPU sessions are looser.
    sessionCap: (accelerator) => (accelerator === 'none' ? 8 : 2),
  },
};

/** The capabilities of the platform a job or a record names. */
export function capabilitiesOf(name: PlatformName): PlatformCapabilities {
  return capabilities[name];
}
