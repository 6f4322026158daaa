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

/**
 * A record as a local run leaves it in the store: created `createdAt`, queued until it ends
 * with `status` (then step done, exit 0 when complete).
 */
export function storedRunRecord(
  runId: string,
  createdAt: string,
  status: RunRecord['status'] = 'queued',
): RunRecord {
  return testRunRecord('/p', {
    runId,
    entry: 'main.py',
    platform: 'local',
    kernel: null,
    version: null,
    status,
    step: status === 'queued' ? 'created' : 'done',
    exitCode: status === 'complete' ? 0 : null,
    codeHash: null,
    createdAt,
    startedAt: null,
    outputDir: '/o',
  });
}
