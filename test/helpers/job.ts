// A complete Job for tests that build one by hand instead of resolving a spec.

import type { Job } from '../../src/job.js';

export function testJob(overrides: Partial<Job> = {}): Job {
  return {
    name: 'hello',
    root: '/tmp/project',
    configFile: undefined,
    entry: 'train.py',
    kind: 'script',
    args: [],
    params: {},
    profile: undefined,
    accelerator: 'none',
    requirements: undefined,
    include: [],
    exclude: [],
    outputs: [],
    timeoutSeconds: 600,
    datasets: [],
    internet: true,
    inputLayout: 'current',
    private: true,
    platform: 'kaggle',
    endpoint: undefined,
    python: undefined,
    code: 'auto',
    git: { remote: 'origin', tokenSecret: undefined, commit: false },
    data: [],
    competitions: [],
    models: [],
    kernels: [],
    secrets: [],
    envFile: undefined,
    image: undefined,
    batch: undefined,
    ...overrides,
  };
}
