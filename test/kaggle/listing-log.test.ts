// An output listing's page 1 carries the finished session's whole log, which a chatty
// program makes far larger than any other answer: it is read apart as it arrives (neither
// refused by the body cap nor held in memory), and kept only when it is short.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { KernelsApi, LISTING_LOG_KEEP_CHARS } from '../../src/kaggle/kernels.js';
import { StringMemberSplitter } from '../../src/kaggle/string-member.js';
import { json, kernelsRpc, recordingSleep, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';

const OUTPUT = kernelsRpc('ListKernelSessionOutput');
const FILES = [{ fileName: 'out/a.csv', url: 'http://x/a' }];

/** A page whose `log` is `lines` log lines of Kaggle's layout, sent a MiB at a time. */
function bigLogPage(lines: number): Handler {
  return async (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    const write = (text: string) =>
      response.write(text) ? Promise.resolve() : new Promise((r) => response.once('drain', r));
    await write(`{"files":${JSON.stringify(FILES)},"log":"[`);
    let part = '';
    for (let i = 0; i < lines; i++) {
      const element = JSON.stringify({ stream_name: 'stdout', time: i, data: `step ${i}\n` });
      // The log is a string inside the answer: its JSON text is escaped once more.
      part += `${i === 0 ? '' : '\\n,'}${JSON.stringify(element).slice(1, -1)}`;
      if (part.length >= 1 << 20) {
        await write(part);
        part = '';
      }
    }
    await write(`${part}\\n]","nextPageToken":""}`);
    response.end();
  };
}

void test('a listing with a log over 64 MiB is listed, its log left out', async () => {
  const server = await startServer({ [OUTPUT]: bigLogPage(1_200_000) });
  try {
    const api = new KernelsApi(new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep }));
    const listing = await api.listKernelSessionOutput('me', 'k');
    assert.deepEqual(listing, { files: FILES, log: undefined, logTooLong: true });
  } finally {
    await server.close();
  }
});

void test('a short log in a listing comes back whole, escapes and all', async () => {
  const log = '[{"stream_name":"stdout","time":1,"data":"a \\"quoted\\" \\\\ line\\n"}\n]';
  const server = await startServer({
    [OUTPUT]: json({ log, files: FILES, nextPageToken: '' }),
  });
  try {
    // A body cap far below the log's size: the log does not count against it.
    const api = new KernelsApi(
      new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep, maxBodyBytes: 200 }),
    );
    assert.deepEqual(await api.listKernelSessionOutput('me', 'k'), { files: FILES, log });
  } finally {
    await server.close();
  }
});

/** Feeds `text` to a splitter in pieces of `size`. */
function split(text: string, size: number, keep = LISTING_LOG_KEEP_CHARS) {
  const splitter = new StringMemberSplitter('log', keep, 1 << 30, (why) => new Error(why));
  let rest = '';
  for (let i = 0; i < text.length; i += size) rest += splitter.feed(text.slice(i, i + size));
  return { rest, member: splitter.member };
}

void test('the member is taken out at any chunk boundary; nested and non-string ones stay', () => {
  const value = 'a\\"b\\\\\\"c\\\\';
  const cases = [
    `{"files":[{"log":"nested"}],"log":"${value}","x":{"log":"inner"},"nextPageToken":"t"}`,
    `{ "log" : "${value}" , "files" : [] }`,
  ];
  for (const text of cases) {
    for (const size of [1, 2, 3, 5, 8, 1000]) {
      const { rest, member } = split(text, size);
      assert.deepEqual(member, { raw: value, chars: value.length }, `${text} by ${size}`);
      const parsed = JSON.parse(rest) as Record<string, unknown>;
      assert.equal(parsed.log, '');
      assert.deepEqual(
        { ...parsed, log: JSON.parse(`"${member.raw}"`) as string },
        {
          ...(JSON.parse(text) as Record<string, unknown>),
        },
      );
    }
  }
  // Not a string: nothing is taken, the text passes unchanged.
  const other = '{"log":null,"files":[]}';
  assert.deepEqual(split(other, 3), { rest: other, member: undefined });
  // Over the limit kept: counted, not kept.
  assert.deepEqual(split('{"log":"abcdef"}', 2, 4).member, { raw: undefined, chars: 6 });
});
