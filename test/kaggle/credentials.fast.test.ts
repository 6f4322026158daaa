import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { kaggleConfigDir, resolveCredentials } from '../../src/kaggle/credentials.js';
import { CredentialsError, KaggleApiError } from '../../src/kaggle/errors.js';
import { KaggleHttp } from '../../src/kaggle/http.js';
import { json, recordingSleep, startServer } from './helpers/fake-server.js';
import type { Handler } from './helpers/fake-server.js';

const INTROSPECT = 'POST /v1/security.OAuthService/IntrospectToken';

async function fixture(
  routes: Record<string, Handler | Handler[]>,
  run: (ctx: {
    home: string;
    http: KaggleHttp;
    server: Awaited<ReturnType<typeof startServer>>;
  }) => Promise<void>,
): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'kr-creds-'));
  const server = await startServer(routes);
  try {
    await run({
      home,
      http: new KaggleHttp({ base: server.url, sleep: recordingSleep().sleep }),
      server,
    });
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}

async function writeKaggleJson(dir: string, content: string, mode = 0o600): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'kaggle.json');
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

void test('KAGGLE_API_TOKEN is introspected with Bearer and gives the username', async () => {
  await fixture(
    { [INTROSPECT]: json({ active: true, username: 'tokenuser' }) },
    async ({ home, http, server }) => {
      const { credentials, warnings } = await resolveCredentials({
        http,
        home,
        env: { KAGGLE_API_TOKEN: 'KGAT_abc123' },
      });
      assert.deepEqual(
        {
          kind: credentials.kind,
          username: credentials.username,
          authorization: credentials.authorization,
          source: credentials.source,
        },
        {
          kind: 'token',
          username: 'tokenuser',
          authorization: 'Bearer KGAT_abc123',
          source: 'KAGGLE_API_TOKEN',
        },
      );
      assert.deepEqual(warnings, []);
      const [request] = server.requests;
      assert.equal(request?.headers.authorization, 'Bearer KGAT_abc123');
      assert.deepEqual(JSON.parse(request?.body ?? ''), { token: 'KGAT_abc123' });
    },
  );
});

void test('KAGGLE_API_TOKEN may name a file; ~/.kaggle/access_token and .txt are next', async () => {
  await fixture(
    { [INTROSPECT]: json({ active: true, username: 'u' }) },
    async ({ home, http, server }) => {
      const file = join(home, 'tok');
      await writeFile(file, '  KGAT_fromfile\n');
      const a = await resolveCredentials({ http, home, env: { KAGGLE_API_TOKEN: file } });
      assert.equal(a.credentials.authorization, 'Bearer KGAT_fromfile');
      assert.match(a.credentials.source, /file/);

      await mkdir(join(home, '.kaggle'));
      await writeFile(join(home, '.kaggle', 'access_token.txt'), 'KGAT_txt\n');
      const b = await resolveCredentials({ http, home, env: {} });
      assert.equal(b.credentials.authorization, 'Bearer KGAT_txt');

      await writeFile(join(home, '.kaggle', 'access_token'), 'KGAT_plain');
      const c = await resolveCredentials({ http, home, env: {} });
      assert.equal(c.credentials.authorization, 'Bearer KGAT_plain');
      assert.equal(server.requests.length, 3);
    },
  );
});

void test('a token refused with 400/403/404 or inactive falls through to kaggle.json', async () => {
  const answers = [
    json({}, 400),
    json({}, 403),
    json({ code: 404, message: 'nope' }, 404),
    json({ active: false }),
  ];
  await fixture({ [INTROSPECT]: answers }, async ({ home, http }) => {
    await writeKaggleJson(join(home, '.kaggle'), '{"username": "me", "key": "0123456789abcdef"}');
    for (let i = 0; i < answers.length; i++) {
      const { credentials } = await resolveCredentials({
        http,
        home,
        env: { KAGGLE_API_TOKEN: 'KGAT_x' },
      });
      assert.equal(credentials.kind, 'basic');
      assert.equal(credentials.authorization, 'Basic bWU6MDEyMzQ1Njc4OWFiY2RlZg==');
    }
  });
});

void test('other introspection errors propagate (401 is not silently ignored)', async () => {
  await fixture({ [INTROSPECT]: json({}, 401) }, async ({ home, http }) => {
    await assert.rejects(
      resolveCredentials({ http, home, env: { KAGGLE_API_TOKEN: 'KGAT_x' } }),
      (e: unknown) => e instanceof KaggleApiError && e.kind === 'unauthorized',
    );
  });
});

void test('config dir: KAGGLE_CONFIG_DIR, else ~/.kaggle if present, else XDG or ~/.config', async () => {
  await fixture({}, async ({ home }) => {
    assert.equal(kaggleConfigDir({ KAGGLE_CONFIG_DIR: '/x/y' }, home), '/x/y');
    assert.equal(kaggleConfigDir({ XDG_CONFIG_HOME: '/xdg' }, home), '/xdg/kaggle');
    assert.equal(kaggleConfigDir({}, home), join(home, '.config', 'kaggle'));
    await mkdir(join(home, '.kaggle'));
    assert.equal(kaggleConfigDir({ XDG_CONFIG_HOME: '/xdg' }, home), join(home, '.kaggle'));
  });
});

void test('kaggle.json from the config dir, overlaid by KAGGLE_USERNAME / KAGGLE_KEY', async () => {
  await fixture({}, async ({ home, http }) => {
    const dir = join(home, 'cfg');
    const path = await writeKaggleJson(dir, '{"username": "fileuser", "key": "filekey1234"}');
    const a = await resolveCredentials({ http, home, env: { KAGGLE_CONFIG_DIR: dir } });
    assert.equal(a.credentials.username, 'fileuser');
    assert.equal(a.credentials.source, path);
    const b = await resolveCredentials({
      http,
      home,
      env: { KAGGLE_CONFIG_DIR: dir, KAGGLE_USERNAME: 'envuser' },
    });
    assert.equal(b.credentials.username, 'envuser');
    assert.equal(
      b.credentials.authorization,
      `Basic ${Buffer.from('envuser:filekey1234').toString('base64')}`,
    );
    const c = await resolveCredentials({
      http,
      home,
      env: { KAGGLE_USERNAME: 'only', KAGGLE_KEY: 'envkey1234' },
    });
    assert.equal(c.credentials.source, 'KAGGLE_USERNAME/KAGGLE_KEY');
  });
});

void test('a kaggle.json readable by others is used, with a chmod 600 warning', async () => {
  await fixture({}, async ({ home, http }) => {
    const path = await writeKaggleJson(
      join(home, '.kaggle'),
      '{"username": "me", "key": "k1234567"}',
      0o644,
    );
    const { warnings } = await resolveCredentials({ http, home, env: {} });
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]?.includes(`chmod 600 ${path}`));
  });
});

void test('no credentials: a CredentialsError (exit 2) that says where to put one', async () => {
  await fixture({}, async ({ home, http }) => {
    await assert.rejects(resolveCredentials({ http, home, env: {} }), (e: unknown) => {
      assert.ok(e instanceof CredentialsError);
      assert.equal(e.exitCode, ExitCode.usage);
      for (const needle of [
        'KAGGLE_API_TOKEN',
        join(home, '.kaggle', 'access_token'),
        'kaggle.json',
        '"username"',
        'chmod 600',
        'KAGGLE_USERNAME and KAGGLE_KEY',
      ]) {
        assert.ok(e.message.includes(needle), needle);
      }
      return true;
    });
  });
});

void test('half a legacy credential, or a broken kaggle.json, is explained', async () => {
  await fixture({}, async ({ home, http }) => {
    await assert.rejects(
      resolveCredentials({ http, home, env: { KAGGLE_USERNAME: 'me' } }),
      /user name but no key/,
    );
    const dir = join(home, '.kaggle');
    await writeKaggleJson(dir, '{"username": "me", "key": ');
    await assert.rejects(resolveCredentials({ http, home, env: {} }), CredentialsError);
    const { warnings } = await resolveCredentials({
      http,
      home,
      env: { KAGGLE_USERNAME: 'me', KAGGLE_KEY: 'k1234567' },
    });
    assert.match(warnings[0] ?? '', /not valid JSON/);
  });
});
