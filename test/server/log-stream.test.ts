import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  basic,
  ME,
  push,
  release,
  scriptPush,
  startTestServer,
  waitForEnd,
  waitForGo,
} from './helpers.js';

/** Reads SSE `data:` payloads from a streaming response until `stop` says enough. */
async function readEvents(
  response: Response,
  stop: (events: string[]) => boolean,
): Promise<{ events: string[]; ended: boolean }> {
  const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let buffer = '';
  const events: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { events, ended: true };
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of block.split('\n')) {
        if (line.startsWith('data: ')) events.push(line.slice('data: '.length));
      }
    }
    if (stop(events)) {
      await reader.cancel();
      return { events, ended: false };
    }
  }
}

void test('the live log streams as SSE while running, replays on reconnect, then is a JSON array', async (t) => {
  const server = await startTestServer(t);
  await push(server, scriptPush('streams-logs', waitForGo("print('step 1')", "print('step 2')")));
  const url = `${server.url}/api/v1/kernels/logs/stream/me/streams-logs`;
  const headers = { Authorization: basic(ME), Accept: 'text/event-stream, */*' };

  // A first connection sees step 1 and drops (as a load balancer would).
  const first = await fetch(url, { headers });
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', /^text\/event-stream/);
  const early = await readEvents(first, (events) => events.length >= 1);
  assert.deepEqual(JSON.parse(early.events[0]!), {
    stream_name: 'stdout',
    time: (JSON.parse(early.events[0]!) as { time: number }).time,
    data: 'step 1\n',
  });

  // The reconnect replays from the start, then follows live to END_OF_LOG.
  const second = await fetch(url, { headers });
  const seenStep1 = readEvents(second, () => false);
  await release(server, 'streams-logs', 1);
  const { events, ended } = await seenStep1;
  assert.equal(ended, true);
  assert.deepEqual(
    events.map((e) => (e === 'END_OF_LOG' ? e : (JSON.parse(e) as { data: string }).data)),
    ['step 1\n', 'step 2\n', 'END_OF_LOG'],
  );

  assert.deepEqual(await waitForEnd(server, 'streams-logs'), { status: 'COMPLETE' });
  const after = await fetch(url, { headers });
  assert.match(after.headers.get('content-type') ?? '', /^application\/json/);
  const text = await after.text();
  const entries = JSON.parse(text) as { stream_name: string; data: string }[];
  assert.deepEqual(
    entries.map((e) => [e.stream_name, e.data]),
    [
      ['stdout', 'step 1\n'],
      ['stdout', 'step 2\n'],
    ],
  );
  // One element per line with a leading comma, as production writes it.
  assert.equal(text.split('\n').length, 3);
  assert.ok(text.split('\n')[1]!.startsWith(',{"stream_name"'));
  assert.equal(server.stats().requests['GET /v1/kernels/logs/stream'], 3);
});

void test('the log stream of an unknown kernel is 404', async (t) => {
  const server = await startTestServer(t);
  const response = await fetch(`${server.url}/v1/kernels/logs/stream/me/no-such-kernel`, {
    headers: { Authorization: basic(ME) },
  });
  assert.equal(response.status, 404);
});
