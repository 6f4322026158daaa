// Bubblewrap sandbox laid out like a Kaggle session, and seeing nothing else of this machine:
//
//   /kaggle/input    the run's input/ folder, read-only
//   /kaggle/working  the run's working/ folder (the current folder)
//   /kaggle/temp     the run's temp/ folder (scratch space that is not an output)
//   /kaggle/src      the kernel's source, read-only
//   /tmp, $HOME      private, empty folders of this run
//   /usr, /etc, ...  the system's files, read-only; /dev and /sys for the GPUs
//
// The host's home folders, /tmp, /var, /srv, /mnt and every other top-level folder stay out,
// and so do the paths the caller hides (a server's data folder and accounts file), even when
// they lie below a system folder. The interpreter's own folders (a pyenv or venv under the
// home folder) are bound read-only by name, and nothing more of their parents. Without
// internet the run gets a network namespace of its own: no interface but its own loopback.

import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute } from 'node:path';
import { readEnv } from '../../env.js';
import { cachedProbe, commandPath, probeCacheFile } from './probe-cache.js';

export interface SandboxMounts {
  inputDir: string;
  workingDir: string;
  /** Folder holding the kernel's source, mounted read-only at /kaggle/src. */
  sourceDir: string;
  /** Scratch folder mounted at /kaggle/temp. */
  tempDir: string;
  /** The run's private /tmp. */
  tmpDir: string;
  /** The run's private home folder, mounted at the host's $HOME path. */
  homeDir: string;
  /** False: no network at all (a network namespace with only its own loopback). */
  internet: boolean;
  /** The interpreter's folders outside the system folders, bound read-only unless hidden. */
  interpreter?: readonly string[] | undefined;
  /** Host paths the run must not see even where they lie inside a bound folder. */
  hidden?: readonly string[] | undefined;
}

export const SANDBOX_ROOT = '/kaggle';

/** Top-level folders a Kaggle session's programs need, bound read-only when present. */
const SYSTEM_FOLDERS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc', 'opt'];

/** The home folder every run gets privately (its path is kept: tools find ~ where it was). */
export function sandboxHome(): string {
  return homedir();
}

function systemBinds(): string[] {
  const args: string[] = [];
  for (const name of SYSTEM_FOLDERS) {
    const path = `/${name}`;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    // usrmerge: /bin -> usr/bin stays a link to the bound /usr.
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  return args;
}

function under(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

function visibleSystemPath(path: string): boolean {
  return SYSTEM_FOLDERS.some((name) => under(path, `/${name}`));
}

/** Covers each hidden path that a system bind would show: a folder with an empty tmpfs, a
 * file with /dev/null. */
function hideBinds(hidden: readonly string[]): string[] {
  const args: string[] = [];
  for (const path of hidden) {
    if (!isAbsolute(path) || !existsSync(path)) continue;
    const real = realpathSync(path);
    for (const candidate of new Set([path, real])) {
      if (!visibleSystemPath(candidate)) continue;
      if (statSync(candidate).isDirectory()) args.push('--tmpfs', candidate);
      else args.push('--ro-bind', '/dev/null', candidate);
    }
  }
  return args;
}

/** Read-only binds of the interpreter's folders that the system binds do not already show. */
function interpreterBinds(paths: readonly string[], hidden: readonly string[]): string[] {
  const args: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    if (!isAbsolute(path) || !existsSync(path)) continue;
    const real = realpathSync(path);
    if (visibleSystemPath(real) && visibleSystemPath(path)) continue;
    // Never re-expose what is hidden (a sys.path entry inside the server's data folder).
    if (hidden.some((h) => under(real, h) || under(h, real))) continue;
    for (const candidate of new Set([real, path])) {
      if (seen.has(candidate) || visibleSystemPath(candidate)) continue;
      seen.add(candidate);
      args.push('--ro-bind', real, candidate);
    }
  }
  return args;
}

/** /etc/resolv.conf may point into /run (systemd-resolved): bind its target for DNS. */
function resolverBinds(): string[] {
  try {
    const real = realpathSync('/etc/resolv.conf');
    return visibleSystemPath(real) ? [] : ['--ro-bind', real, real];
  } catch {
    return [];
  }
}

export function bwrapArgs(mounts: SandboxMounts): string[] {
  const hidden = mounts.hidden ?? [];
  const home = sandboxHome();
  return [
    ...systemBinds(),
    // The whole /dev, so GPUs (/dev/nvidia*) stay visible when the job asks for one.
    '--dev-bind',
    '/dev',
    '/dev',
    '--ro-bind-try',
    '/sys',
    '/sys',
    '--proc',
    '/proc',
    ...(mounts.internet ? resolverBinds() : ['--unshare-net']),
    // A PID namespace that dies with bwrap: killing bwrap kills every process of the run,
    // even those that started their own session. IPC and UTS too: nothing of other runs.
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--hostname',
    'kaggle-run',
    '--die-with-parent',
    '--bind',
    mounts.tmpDir,
    '/tmp',
    ...(under(home, '/tmp') ? [] : ['--bind', mounts.homeDir, home]),
    ...hideBinds(hidden),
    ...interpreterBinds(mounts.interpreter ?? [], hidden),
    '--dir',
    SANDBOX_ROOT,
    '--ro-bind',
    mounts.inputDir,
    `${SANDBOX_ROOT}/input`,
    '--bind',
    mounts.workingDir,
    `${SANDBOX_ROOT}/working`,
    '--bind',
    mounts.tempDir,
    `${SANDBOX_ROOT}/temp`,
    '--ro-bind',
    mounts.sourceDir,
    `${SANDBOX_ROOT}/src`,
    '--setenv',
    'HOME',
    home,
    '--setenv',
    'TMPDIR',
    '/tmp',
    '--chdir',
    `${SANDBOX_ROOT}/working`,
  ];
}

const probes = new Map<string, Promise<boolean>>();

/** Kernel settings that allow or refuse the namespaces bubblewrap makes. */
const NAMESPACE_SETTINGS = [
  '/proc/sys/kernel/unprivileged_userns_clone',
  '/proc/sys/user/max_user_namespaces',
  '/proc/sys/user/max_net_namespaces',
  '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
];

function readOr(path: string, missing: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return missing;
  }
}

/**
 * What besides bubblewrap's binary decides whether it works here: the user, this boot of the
 * kernel (a container elsewhere, a changed setting after a reboot), the host and the kernel's
 * namespace settings. A kept answer is reused only while all of them are the same.
 */
function sandboxHostFacts(internet: boolean): string {
  return [
    `internet=${internet}`,
    `uid=${process.getuid?.() ?? '-'}`,
    `boot=${readOr('/proc/sys/kernel/random/boot_id', '-')}`,
    `host=${hostname()}`,
    ...NAMESPACE_SETTINGS.map((path) => `${path}=${readOr(path, '-')}`),
  ].join('\n');
}

function askSandbox(internet: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const folder = '/tmp';
    const args = bwrapArgs({
      inputDir: folder,
      workingDir: folder,
      sourceDir: folder,
      tempDir: folder,
      tmpDir: folder,
      homeDir: folder,
      internet,
    });
    execFile('bwrap', [...args, 'true'], { timeout: 10_000 }, (error) => resolve(!error));
  });
}

/**
 * True when bubblewrap is installed and can create the sandbox on this machine (with a
 * network namespace of its own when `internet` is false: some hosts allow one but not the
 * other). Trying costs a sandbox start, so the answer is kept in the user's cache
 * (probe-cache.ts) for this bubblewrap binary and the host facts above.
 */
export function sandboxAvailable(
  env: NodeJS.ProcessEnv = process.env,
  internet = true,
): Promise<boolean> {
  if (readEnv('KAGGLE_RUN_NO_SANDBOX', env) === '1') return Promise.resolve(false);
  const key = [internet, env.PATH, probeCacheFile(env)].join('\0');
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = cachedProbe({
      kind: 'sandbox',
      command: 'bwrap',
      cwd: '/',
      env,
      extra: sandboxHostFacts(internet),
      ask: () => askSandbox(internet),
      executableOf: () => commandPath('bwrap', '/', env),
    }).then((available) => available === true);
    probes.set(key, probe);
  }
  return probe;
}
