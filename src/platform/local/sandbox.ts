// Bubblewrap sandbox laid out like a Kaggle session: the run's input/ and working/ folders
// mounted at /kaggle/input and /kaggle/working, so code with hard-coded Kaggle paths runs
// unchanged. The rest of the file system is bound as it is (the job runs "as if local");
// /kaggle cannot be created on a read-only root, so each top-level entry is bound one by one.

import { execFile } from 'node:child_process';
import { readdirSync, readlinkSync, lstatSync } from 'node:fs';
import { readEnv } from '../../env.js';

export interface SandboxMounts {
  inputDir: string;
  workingDir: string;
  /** Folder holding the kernel's source, mounted read-only at /kaggle/src. */
  sourceDir: string;
}

export const SANDBOX_ROOT = '/kaggle';

function rootBinds(): string[] {
  const args: string[] = [];
  for (const name of readdirSync('/').sort()) {
    if (name === 'proc' || name === 'dev' || name === 'kaggle') continue;
    const path = `/${name}`;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--bind', path, path);
  }
  return args;
}

export function bwrapArgs(mounts: SandboxMounts): string[] {
  return [
    ...rootBinds(),
    // The whole /dev, so GPUs (/dev/nvidia*) stay visible when the job asks for one.
    '--dev-bind',
    '/dev',
    '/dev',
    '--proc',
    '/proc',
    // A PID namespace that dies with bwrap: killing bwrap kills every process of the run,
    // even those that started their own session.
    '--unshare-pid',
    '--die-with-parent',
    '--dir',
    SANDBOX_ROOT,
    '--ro-bind',
    mounts.inputDir,
    `${SANDBOX_ROOT}/input`,
    '--bind',
    mounts.workingDir,
    `${SANDBOX_ROOT}/working`,
    '--ro-bind',
    mounts.sourceDir,
    `${SANDBOX_ROOT}/src`,
    '--chdir',
    `${SANDBOX_ROOT}/working`,
  ];
}

let available: Promise<boolean> | undefined;

/** True when bubblewrap is installed and can create the sandbox on this machine. */
export function sandboxAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (readEnv('KAGGLE_RUN_NO_SANDBOX', env) === '1') return Promise.resolve(false);
  available ??= new Promise((resolve) => {
    const probe = bwrapArgs({ inputDir: '/tmp', workingDir: '/tmp', sourceDir: '/tmp' });
    execFile('bwrap', [...probe, 'true'], { timeout: 10_000 }, (error) => resolve(!error));
  });
  return available;
}
