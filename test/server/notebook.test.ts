import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAllOutput, push, startTestServer, waitForEnd } from './helpers.js';

/** A notebook as the official CLI pushes it: outputs emptied, sources joined. */
function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

void test('a pushed notebook runs; __notebook__.ipynb is among its outputs', async (t) => {
  const server = await startTestServer(t);
  await push(server, {
    slug: 'me/notebook-kernel',
    newTitle: 'Notebook Kernel',
    text: notebook(["x = 6 * 7\nprint('answer', x)", "open('result.txt', 'w').write(str(x))"]),
    language: 'python',
    kernelType: 'notebook',
    isPrivate: true,
    enableGpu: false,
    enableInternet: true,
    enableTpu: false,
  });
  assert.deepEqual(await waitForEnd(server, 'notebook-kernel'), { status: 'COMPLETE' });
  const { files, pages } = await listAllOutput(server, 'notebook-kernel', 20);
  const names = files.map((f) => f.fileName);
  assert.ok(names.includes('__notebook__.ipynb'), names.join(', '));
  assert.ok(names.includes('result.txt'));
  const executed = (await (
    await fetch(files.find((f) => f.fileName === '__notebook__.ipynb')!.url)
  ).json()) as { cells: { outputs: { text?: string | string[] }[] }[] };
  // nbformat stores multi-line strings as lists of lines.
  const text = executed.cells[0]?.outputs[0]?.text;
  assert.equal(Array.isArray(text) ? text.join('') : text, 'answer 42\n');
  assert.match(pages[0]?.log as string, /answer 42/);
});
