import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isTerminalKernelStatus,
  kernelStatusToRemote,
  kernelWorkerStatuses,
  parseDatabundleVersionStatus,
  parseProtoDuration,
  parseKernelStatus,
} from '../../src/kaggle/enums.js';
import { KaggleApiError } from '../../src/kaggle/errors.js';

void test('kernel status decodes every spelling the SDK accepts', () => {
  const table: [unknown, string][] = [
    ['COMPLETE', 'COMPLETE'],
    ['complete', 'COMPLETE'],
    ['Complete', 'COMPLETE'],
    ['cancelAcknowledged', 'CANCEL_ACKNOWLEDGED'],
    ['CANCEL_REQUESTED', 'CANCEL_REQUESTED'],
    ['KERNEL_WORKER_STATUS_RUNNING', 'RUNNING'],
    ['kernelWorkerStatusError', 'ERROR'],
    ['newScript', 'NEW_SCRIPT'],
    [undefined, 'QUEUED'],
    [null, 'QUEUED'],
  ];
  for (const [input, expected] of table)
    assert.equal(parseKernelStatus(input), expected, String(input));
});

void test('numbers and unknown names are a clear KaggleApiError', () => {
  for (const bad of [2, 'FINISHED', '', true, {}]) {
    assert.throws(
      () => parseKernelStatus(bad),
      (e: unknown) =>
        e instanceof KaggleApiError &&
        e.kind === 'invalid-response' &&
        /kernel status/.test(e.message),
    );
  }
});

void test('kernel status maps onto RemoteStatus; terminal states agree', () => {
  const expected = {
    QUEUED: 'queued',
    RUNNING: 'running',
    COMPLETE: 'complete',
    ERROR: 'error',
    CANCEL_REQUESTED: 'running',
    CANCEL_ACKNOWLEDGED: 'cancelled',
    NEW_SCRIPT: 'queued',
  } as const;
  for (const status of kernelWorkerStatuses) {
    assert.equal(kernelStatusToRemote(status), expected[status]);
    const remoteTerminal = ['complete', 'error', 'cancelled'].includes(expected[status]);
    assert.equal(isTerminalKernelStatus(status), remoteTerminal, status);
  }
});

void test('dataset status is just as lenient', () => {
  assert.equal(parseDatabundleVersionStatus('ready'), 'READY');
  assert.equal(parseDatabundleVersionStatus('DATABUNDLE_VERSION_STATUS_FAILED'), 'FAILED');
  assert.equal(parseDatabundleVersionStatus('blobsCopiedToSds'), 'BLOBS_COPIED_TO_SDS');
  assert.equal(parseDatabundleVersionStatus(undefined), 'NOT_YET_PERSISTED');
  assert.throws(() => parseDatabundleVersionStatus(5), KaggleApiError);
});

void test('durations: proto strings in seconds', () => {
  assert.equal(parseProtoDuration('151.500s'), 151.5);
  assert.equal(parseProtoDuration('0s'), 0);
  assert.equal(parseProtoDuration('3600s'), 3600);
  assert.equal(parseProtoDuration(undefined), 0);
  for (const bad of ['151', 151, '1.5m', 's'])
    assert.throws(() => parseProtoDuration(bad), KaggleApiError);
});
