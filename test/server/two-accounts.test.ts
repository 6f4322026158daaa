// Two accounts on one server in bubblewrap: account A's kernel tries every way it has to
// read account B's outputs, private dataset, user secret and API key, and the server's
// URL-signing key (the files on disk, other processes, the API over the network, attaching
// B's sources, kaggle_secrets) and finds nothing. /_stats shows each account its own figures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxAvailable } from '../../src/platform/local/sandbox.js';
import {
  ME,
  OTHER,
  basic,
  push,
  rpc,
  scriptPush,
  startTestServer,
  tempDir,
  waitForEnd,
  runScriptKernel,
} from './helpers.js';
import { createDataset } from './dataset-helpers.js';

const B_SECRET = 'b-user-secret-7f3a91c2';
const B_OUTPUT = 'b-private-output-5d2e';
const B_DATA = 'b-private-dataset-9c41';

/** A's kernel: looks for each marker everywhere it can reach, prints where it found one. */
const SEARCH = `import base64, json, os, sys, urllib.request
# Encoded, so that this script's own file holds none of them.
MARKERS = json.loads(base64.b64decode(%MARKERS%))
URL = %URL%
found = []
def look(where, data):
    for name, marker in MARKERS.items():
        if marker.encode() in data:
            found.append("%s in %s" % (name, where))
skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
for folder, dirs, names in os.walk("/"):
    if folder.startswith(skip) and folder != "/":
        dirs[:] = []
        continue
    for name in names:
        path = os.path.join(folder, name)
        try:
            if os.path.isfile(path) and os.path.getsize(path) < 1 << 20:
                look(path, open(path, "rb").read())
        except OSError:
            pass
for pid in os.listdir("/proc"):
    for part in ("environ", "cmdline"):
        try:
            look("/proc/%s/%s" % (pid, part), open("/proc/%s/%s" % (pid, part), "rb").read())
        except OSError:
            pass
look("environment", json.dumps(dict(os.environ)).encode())
calls = [
    ("kernels.KernelsApiService/ListKernelSessionOutput", {"userName": "other", "kernelSlug": "b-private"}),
    ("kernels.KernelsApiService/ListKernelFiles", {"userName": "other", "kernelSlug": "b-private"}),
    ("datasets.DatasetApiService/ListDatasetFiles", {"ownerSlug": "other", "datasetSlug": "b-data"}),
]
for method, body in calls:
    request = urllib.request.Request(URL + "/api/v1/" + method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        look(method, urllib.request.urlopen(request, timeout=10).read())
    except Exception as error:
        look(method, str(error).encode())
try:
    look("/_stats", urllib.request.urlopen(URL + "/_stats", timeout=10).read())
except Exception as error:
    print("/_stats:", error)
from kaggle_secrets import UserSecretsClient
try:
    look("kaggle_secrets", UserSecretsClient().get_secret("B_TOKEN").encode())
except Exception as error:
    print("kaggle_secrets:", type(error).__name__)
print("FOUND " + json.dumps(found))
`;

void test("account A's kernel cannot read account B's outputs, datasets, secrets or keys", async (t) => {
  if (!(await sandboxAvailable(process.env, true))) {
    return t.skip('bubblewrap is missing or cannot make a sandbox here');
  }
  const folder = await tempDir(t);
  const accountsFile = join(folder, 'accounts.json');
  const accounts = [ME, { ...OTHER, secrets: { B_TOKEN: B_SECRET } }];
  await writeFile(accountsFile, JSON.stringify(accounts));
  const server = await startTestServer(t, {
    accounts,
    accountsFile,
    sandbox: 'bwrap',
    trustedUser: false,
    datasetReadyDelayMs: 0,
  });
  const b = basic(OTHER);
  await push(
    server,
    {
      ...scriptPush('b-private', `open('out.txt', 'w').write('${B_OUTPUT}')`),
      slug: 'other/b-private',
    },
    b,
  );
  assert.deepEqual(await waitForEnd(server, 'b-private', 'other', b), { status: 'COMPLETE' });
  await createDataset(server, 'b-data', { 'rows.csv': B_DATA }, OTHER);
  const signingKey = (
    JSON.parse(await readFile(join(server.dataDir, 'server.json'), 'utf8')) as {
      secret: string;
    }
  ).secret;

  // B's private sources are not attached: the push names them among the invalid ones.
  const attach = await rpc(
    server,
    'SaveKernel',
    scriptPush('a-attach', 'print(1)', {
      kernelDataSources: ['other/b-private'],
      datasetDataSources: ['other/b-data'],
    }),
  );
  assert.deepEqual(attach.body.invalidKernelSources, ['other/b-private']);
  assert.deepEqual(attach.body.invalidDatasetSources, ['other/b-data']);

  const markers = {
    output: B_OUTPUT,
    dataset: B_DATA,
    secret: B_SECRET,
    key: OTHER.key,
    signingKey,
  };
  const encoded = Buffer.from(JSON.stringify(markers)).toString('base64');
  const source = SEARCH.replace('%MARKERS%', JSON.stringify(encoded)).replace(
    '%URL%',
    JSON.stringify(server.url),
  );
  const stdout = await runScriptKernel(server, 'a-search', source, { enableInternet: true });
  assert.match(stdout, /kaggle_secrets: BackendError/);
  assert.match(stdout, /\/_stats: HTTP Error 401/);
  assert.deepEqual(JSON.parse(/^FOUND (.*)$/m.exec(stdout)?.[1] ?? 'null'), []);

  // Each account's /_stats holds its own figures only.
  const statsOf = async (auth: string) =>
    (await (await fetch(`${server.url}/_stats`, { headers: { Authorization: auth } })).json()) as {
      pushes: Record<string, number>;
      requests: Record<string, number>;
    };
  const mine = await statsOf(basic(ME));
  const theirs = await statsOf(b);
  assert.deepEqual(Object.keys(mine.pushes).sort(), ['me/a-attach', 'me/a-search']);
  assert.deepEqual(Object.keys(theirs.pushes), ['other/b-private']);
  assert.equal(theirs.requests['datasets.DatasetApiService/CreateDataset'], 1);
  assert.equal(mine.requests['datasets.DatasetApiService/CreateDataset'], undefined);
});
