// A run record for tests that drive the run code on fake platforms: every field a plain
// Kaggle run has, the test naming only those its case is about.

import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';

export function testRunRecord(
  root: string,
  fields: Partial<RunRecord> & Pick<RunRecord, 'runId'>,
): RunRecord {
  return {
    schemaVersion: 1,
    job: 'j',
    projectRoot: root,
    entry: 'a.py',
    platform: 'kaggle',
    endpoint: null,
    kernel: 'me/k',
    kernelUrl: null,
    version: 1,
    nonce: 'n',
    status: 'running',
    step: 'watching',
    exitCode: null,
    params: {},
    profile: null,
    accelerator: 'none',
    acceleratorSeen: null,
    pythonVersion: null,
    codeHash: 'h',
    createdAt: '',
    startedAt: '',
    endedAt: null,
    outputDir: join(root, 'out'),
    outputGlobs: [],
    outputs: [],
    warnings: [],
    error: null,
    ...fields,
  };
}
