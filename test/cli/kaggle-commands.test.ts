// push, quota and doctor through the CLI against a real `kaggle-run server`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { ME, PYTHON, kaggleEnv, rpc, startTestServer, tempDir } from '../server/helpers.js';
import { cli, runCli } from '../helpers/cli.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

interface NbJson {
  cells: { source: unknown; outputs?: unknown }[];
}

// The official CLI's kernels_push steps for a notebook, run by Python: the oracle.
const OFFICIAL_PUSH_TEXT = `
import json, sys
body = json.loads(open(sys.argv[1]).read())
for cell in body["cells"]:
    if "outputs" in cell and cell["cell_type"] == "code":
        cell["outputs"] = []
    if "source" in cell and isinstance(cell["source"], list):
        cell["source"] = "".join(cell["source"])
sys.stdout.write(json.dumps(body))
`;

async function kernelFolder(
  t: Parameters<typeof tempDir>[0],
  metadata: Record<string, unknown>,
  code: string,
): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'kernel-metadata.json'), JSON.stringify(metadata));
  await writeFile(join(dir, 'script.py'), code);
  return dir;
}

void test('push KERNEL_DIR: a plain script kernel is pushed, waited on, and its outputs fetched', async (t) => {
  const server = await startTestServer(t);
  const dir = await kernelFolder(
    t,
    {
      id: 'me/plain-script',
      title: 'Plain Script',
      code_file: 'script.py',
      language: 'python',
      kernel_type: 'script',
      is_private: 'true',
      enable_internet: false,
    },
    'import os\nprint("cwd", os.getcwd())\nos.makedirs("sub", exist_ok=True)\nopen("sub/answer.txt", "w").write("42")\n',
  );
  const result = await runCli(['push', dir, '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as {
    kernel: string;
    version: number;
    status: string;
    outputs: { path: string }[];
    dest: string;
  };
  assert.equal(summary.kernel, 'me/plain-script');
  assert.equal(summary.status, 'complete');
  assert.ok(summary.outputs.some((o) => o.path === 'sub/answer.txt'));
  assert.equal(await readFile(join(dir, 'output', 'sub', 'answer.txt'), 'utf8'), '42');
  assert.match(await readFile(join(dir, 'output', 'plain-script.log'), 'utf8'), /^cwd /m);
});

void test('push KERNEL_DIR naming a source that does not exist: exit 2 before any push', async (t) => {
  const server = await startTestServer(t);
  const dir = await kernelFolder(
    t,
    {
      id: 'me/typo-sources',
      title: 'Typo Sources',
      code_file: 'script.py',
      language: 'python',
      kernel_type: 'script',
      dataset_sources: ['me/no-such-data'],
      competition_sources: ['no-such-comp'],
    },
    'print(1)\n',
  );
  const result = await cli(['push', dir, '--endpoint', server.url], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /cannot attach datasets me\/no-such-data; competitions no-such-comp/);
  assert.equal(server.stats().requests['kernels.KernelsApiService/SaveKernel'], undefined);
});

void test('push KERNEL_DIR with bad metadata: exit 2, every problem listed', async (t) => {
  const dir = await kernelFolder(
    t,
    {
      id: 'me/abc',
      code_file: 'missing.py',
      language: 'cobol',
      kernel_type: 'script',
      is_private: 'maybe',
    },
    '',
  );
  const result = await cli(['push', dir, '--endpoint', 'http://127.0.0.1:9'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 2, result.stderr);
  for (const expected of [
    /at least 5 characters/,
    /missing\.py does not exist/,
    /python, r or rmarkdown/,
    /Invalid boolean value "maybe"/,
  ]) {
    assert.match(result.stderr, expected);
  }
});

// Writes a notebook with nbformat itself (sources as lists of lines, as Jupyter saves them),
// with outputs and execution counts from an earlier run and a kernelspec of `kernel`.
const NBFORMAT_WRITER = `
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_output
kernel = sys.argv[2]
nb = new_notebook(metadata={"kernelspec": {"name": kernel, "display_name": {"python3": "Python 3", "ir": "R"}[kernel], "language": {"python3": "python", "ir": "R"}[kernel]}, "widgets": {"10": {"b": 1.0}, "2": {"big": 12345678901234567890}}})
nb.cells = [
    new_markdown_cell("# Caf\\u00e9 report\\n\\nline two"),
    new_code_cell("import os\\nos.makedirs('out', exist_ok=True)\\nopen('out/answer.txt', 'w').write('42 \\u2603')\\nprint('ran')", execution_count=7,
                  outputs=[new_output("stream", name="stdout", text="accuracy=0.99\\n")]),
]
nbformat.write(nb, sys.argv[1])
`;

async function notebookFolder(t: Parameters<typeof tempDir>[0], kernel: string): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'kernel-metadata.json'),
    JSON.stringify({
      id: 'me/saved-notebook',
      title: 'Saved Notebook',
      code_file: 'report.ipynb',
      language: 'python',
      kernel_type: 'notebook',
      enable_internet: false,
    }),
  );
  await execFileP(PYTHON, ['-c', NBFORMAT_WRITER, join(dir, 'report.ipynb'), kernel]);
  return dir;
}

void test('push KERNEL_DIR with a notebook Jupyter saved: sent as the official CLI sends it, and run', async (t) => {
  const server = await startTestServer(t);
  const dir = await notebookFolder(t, 'python3');
  const file = join(dir, 'report.ipynb');
  assert.ok(Array.isArray((JSON.parse(await readFile(file, 'utf8')) as NbJson).cells[1]!.source));
  const result = await runCli(['push', dir, '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { status: string }).status, 'complete');
  assert.equal(await readFile(join(dir, 'output', 'out', 'answer.txt'), 'utf8'), '42 \u2603');
  // What the server got is byte for byte what the official CLI's steps make of the file.
  const official = await execFileP(PYTHON, ['-c', OFFICIAL_PUSH_TEXT, file]);
  const pulled = await rpc(server, 'GetKernel', {
    userName: ME.username,
    kernelSlug: 'saved-notebook',
  });
  const source = (pulled.body.blob as { source: string }).source;
  assert.equal(source, official.stdout);
  const sent = JSON.parse(source) as NbJson;
  assert.equal(sent.cells[0]!.source, '# Caf\u00e9 report\n\nline two');
  assert.deepEqual(sent.cells[1]!.outputs, []);
  // The file itself is left as it was.
  assert.match(await readFile(file, 'utf8'), /accuracy=0\.99/);
});

void test('push KERNEL_DIR with an R notebook: exit 2 naming the kernel, nothing pushed', async (t) => {
  const server = await startTestServer(t);
  const dir = await notebookFolder(t, 'ir');
  const result = await cli(['push', dir, '--endpoint', server.url], { env: await kaggleEnv(t) });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /report\.ipynb runs on the r kernel \(R\); kaggle-run runs Python notebooks only/,
  );
  assert.equal(server.stats().requests['kernels.KernelsApiService/SaveKernel'], undefined);
});

void test('quota reports hours used and left from the server', async (t) => {
  const server = await startTestServer(t);
  const result = await cli(['quota', '--endpoint', server.url], { env: await kaggleEnv(t) });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^GPU: 0\.0 h used of 30\.0 h, 30\.0 h left/m);
  assert.match(result.stdout, /^TPU: .* of 20\.0 h/m);
  const json = await cli(['quota', '--endpoint', server.url, '--json'], {
    env: await kaggleEnv(t),
  });
  assert.equal(
    (JSON.parse(json.stdout) as { gpu: { allowedSeconds: number } }).gpu.allowedSeconds,
    30 * 3600,
  );
});

void test('doctor: credentials and endpoint checked; a readable kaggle.json is warned about', async (t) => {
  const server = await startTestServer(t);
  const home = await tempDir(t);
  await mkdir(join(home, '.kaggle'));
  await writeFile(join(home, '.kaggle', 'kaggle.json'), JSON.stringify(ME));
  await chmod(join(home, '.kaggle', 'kaggle.json'), 0o644);
  const env = {
    HOME: home,
    KAGGLE_CONFIG_DIR: '',
    KAGGLE_USERNAME: '',
    KAGGLE_KEY: '',
    KAGGLE_API_TOKEN: '',
  };
  // In-process: kaggle.json is found under the HOME of the CLI's environment.
  const result = await cli(['doctor', '--endpoint', server.url, '--json'], { env });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    checks: { name: string; ok: boolean; detail: string }[];
  };
  assert.equal(report.ok, true);
  assert.ok(report.checks.some((c) => c.name === 'endpoint' && c.ok));
  assert.ok(report.checks.some((c) => c.name === 'credentials' && /chmod 600/.test(c.detail)));
  assert.doesNotMatch(result.stdout, new RegExp(ME.key));

  const broken = await cli(['doctor', '--endpoint', server.url], {
    env: { ...env, HOME: await tempDir(t) },
  });
  assert.equal(broken.code, 3);
  assert.match(broken.stdout, /FAIL credentials/);
});
