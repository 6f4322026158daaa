// ListKernels with every filter, group and sort value, page by page, the captured official CLI
// bodies answered with kagglesdk's ApiKernelMetadata fields; and the kernel output downloads
// (DownloadKernelOutput, DownloadKernelOutputZip) through their 302 to a signed zip.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/util/package-root.js';
import { createDataset } from './dataset-helpers.js';
import {
  ME,
  OTHER,
  PYTHON,
  basic,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
} from './helpers.js';

const METADATA_FIELDS = [
  'id', 'ref', 'title', 'author', 'slug', 'lastRunTime', 'language', 'kernelType', 'isPrivate',
  'enableGpu', 'enableInternet', 'categoryIds', 'datasetDataSources', 'kernelDataSources',
  'competitionDataSources', 'totalVotes', 'modelDataSources', 'enableTpu',
  'currentVersionNumber', 'dockerImage', 'machineShape',
]; // prettier-ignore

const capturedLists = ['official-cli-requests.jsonl', 'official-cli-requests-datasets.jsonl']
  .flatMap((name) => readFileSync(join(packageRoot(), 'test/fixtures', name), 'utf8').split('\n'))
  .filter((line) => line.includes('/ListKernels'))
  .map(
    (line) => JSON.parse((JSON.parse(line) as { body: string }).body) as Record<string, unknown>,
  );

const refs = (body: Record<string, unknown>) =>
  (body.kernels as { ref: string }[]).map((k) => k.ref);

void test('ListKernels: groups, filters, every sort value and pages', async (t) => {
  const dataDir = await tempDir(t);
  await mkdir(join(dataDir, 'competitions', 'list-comp'), { recursive: true });
  await writeFile(join(dataDir, 'competitions', 'list-comp', 'train.csv'), 'x\n');
  const server = await startTestServer(t, { dataDir, datasetReadyDelayMs: 0 });
  await createDataset(server, 'list-data', { 'd.csv': '1\n' });

  const alpha = await push(
    server,
    scriptPush('alpha-kernel', "open('out.txt', 'w').write('a')", {
      newTitle: 'Alpha kernel',
      isPrivate: false,
      datasetDataSources: ['me/list-data'],
    }),
  );
  assert.deepEqual(await waitForEnd(server, 'alpha-kernel'), { status: 'COMPLETE' });
  await push(
    server,
    scriptPush('beta-kernel', "open('plot.png', 'wb').write(b'png')", {
      newTitle: 'Beta kernel',
      kernelDataSources: ['me/alpha-kernel'],
    }),
  );
  assert.deepEqual(await waitForEnd(server, 'beta-kernel'), { status: 'COMPLETE' });
  const asOther = basic(OTHER);
  await push(
    server,
    {
      ...scriptPush('gamma-kernel', 'print(1)', { isPrivate: false }),
      slug: 'other/gamma-kernel',
      competitionDataSources: ['list-comp'],
    },
    asOther,
  );
  assert.deepEqual(await waitForEnd(server, 'gamma-kernel', 'other'), { status: 'COMPLETE' });
  await push(
    server,
    { ...scriptPush('delta-kernel', 'print(1)'), slug: 'other/delta-kernel' },
    asOther,
  );

  const list = async (body: Record<string, unknown>) => {
    const answer = await rpc(server, 'ListKernels', body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    for (const kernel of answer.body.kernels as Record<string, unknown>[]) {
      assert.deepEqual(
        Object.keys(kernel).filter((k) => !METADATA_FIELDS.includes(k)),
        [],
        'fields kagglesdk does not know',
      );
    }
    return answer.body;
  };
  const sorted = async (body: Record<string, unknown>) => refs(await list(body)).sort();

  // Groups: EVERYONE is public kernels only; PUBLIC_AND_USERS_PRIVATE adds mine.
  assert.deepEqual(await sorted({ group: 'EVERYONE' }), ['me/alpha-kernel', 'other/gamma-kernel']);
  assert.deepEqual(await sorted({ group: 'PUBLIC_AND_USERS_PRIVATE' }), [
    'me/alpha-kernel',
    'me/beta-kernel',
    'other/gamma-kernel',
  ]);
  assert.deepEqual(await sorted({ group: 'PROFILE' }), ['me/alpha-kernel', 'me/beta-kernel']);
  assert.deepEqual(await sorted({ group: 'UPVOTED' }), []);
  const all = { group: 'PUBLIC_AND_USERS_PRIVATE' };

  // Filters, each as the CLI spells it (empty strings and "all" are no filter).
  assert.deepEqual(await sorted({ ...all, competition: 'list-comp' }), ['other/gamma-kernel']);
  assert.deepEqual(await sorted({ ...all, dataset: 'me/list-data' }), ['me/alpha-kernel']);
  assert.deepEqual(await sorted({ ...all, parentKernel: 'me/alpha-kernel' }), ['me/beta-kernel']);
  assert.deepEqual(await sorted({ ...all, outputType: 'data' }), [
    'me/alpha-kernel',
    'me/beta-kernel',
  ]);
  assert.deepEqual(await sorted({ ...all, outputType: 'visualization' }), ['me/beta-kernel']);
  assert.deepEqual(await sorted({ ...all, user: 'other' }), ['other/gamma-kernel']);
  assert.deepEqual(await sorted({ ...all, kernelType: 'notebook' }), []);
  assert.deepEqual(await sorted({ ...all, language: 'r' }), []);
  assert.deepEqual(await sorted({ ...all, search: 'beta' }), ['me/beta-kernel']);

  // Every sort value is accepted; the ones with data behind them order by it.
  for (const sortBy of [
    'HOTNESS',
    'COMMENT_COUNT',
    'DATE_CREATED',
    'DATE_RUN',
    'RELEVANCE',
    'SCORE_ASCENDING',
    'SCORE_DESCENDING',
    'VIEW_COUNT',
    'VOTE_COUNT',
  ]) {
    assert.equal((await sorted({ ...all, sortBy })).length, 3, sortBy);
  }
  assert.deepEqual(refs(await list({ ...all, sortBy: 'DATE_CREATED' })), [
    'other/gamma-kernel',
    'me/beta-kernel',
    'me/alpha-kernel',
  ]);
  assert.deepEqual(refs(await list({ ...all, sortBy: 'dateRun' })), [
    'other/gamma-kernel',
    'me/beta-kernel',
    'me/alpha-kernel',
  ]);
  const badSort = await rpc(server, 'ListKernels', { sortBy: 'LOUDEST' });
  assert.equal(badSort.status, 400);
  assert.match(badSort.body.message as string, /DATE_RUN/);
  assert.equal((await rpc(server, 'ListKernels', { outputType: 'sound' })).status, 400);

  // Pages of one: by `page`, then by the tokens handed back.
  const seen: string[] = [];
  let pageToken: string | undefined;
  for (let page = 1; page <= 5; page++) {
    const body = await list({
      ...all,
      sortBy: 'DATE_CREATED',
      pageSize: 1,
      ...(pageToken ? { pageToken } : {}),
    });
    seen.push(...refs(body));
    if (body.nextPageToken === '') break;
    pageToken = body.nextPageToken as string;
  }
  assert.deepEqual(seen, ['other/gamma-kernel', 'me/beta-kernel', 'me/alpha-kernel']);
  const page2 = await list({ ...all, sortBy: 'DATE_CREATED', pageSize: 1, page: 2 });
  assert.deepEqual(refs(page2), ['me/beta-kernel']);

  // The captured official CLI bodies: another user's kernels, filtered by language.
  for (const body of capturedLists.filter((b) => b.user === 'stevemessick')) {
    assert.deepEqual((await list(body)).kernels, []);
  }
  const profile = capturedLists.find((b) => b.group === 'PROFILE');
  assert.ok(profile !== undefined);
  assert.deepEqual(refs(await list(profile)).sort(), ['me/alpha-kernel', 'me/beta-kernel']);

  // DownloadKernelOutputZip: the session of the kernel id SaveKernel returned, as a zip.
  const zipOf = (auth: string) =>
    fetch(`${server.url}/api/v1/kernels.KernelsApiService/DownloadKernelOutputZip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify({ kernelSessionId: alpha.kernelId }),
      redirect: 'manual',
    });
  const zipAnswer = await zipOf(basic(ME));
  assert.equal(zipAnswer.status, 302);
  const zipUrl = zipAnswer.headers.get('location') ?? '';
  assert.match(zipUrl, /\/alpha-kernel\.zip$/);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'out.zip'), Buffer.from(await (await fetch(zipUrl)).arrayBuffer()));
  const { stdout } = await promisify(execFile)(PYTHON, [
    '-c',
    'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print([(n, z.read(n).decode()) for n in z.namelist()])',
    join(dir, 'out.zip'),
  ]);
  assert.equal(stdout.trim(), "[('out.txt', 'a')]");
  assert.equal((await zipOf(asOther)).status, 302, "a public kernel's output is anyone's");
  const unknown = await rpc(server, 'DownloadKernelOutputZip', { kernelSessionId: 999 });
  assert.equal(unknown.status, 404);
});
