// Finds the Python interpreter the local platform runs with. A notebook needs one that can
// import nbclient and ipykernel; when the user did not pin one, try the usual candidates so
// a system Python with the Debian packages works even when `python3` on PATH lacks them.

import { execFile } from 'node:child_process';
import { UsageError } from '../../errors.js';
import { cachedProbe } from './probe-cache.js';

export interface PythonInfo {
  /** The command as given (kept as given so shims and venvs behave as the user expects). */
  command: string;
  executable: string;
  version: string;
  hasNotebookSupport: boolean;
}

const probeScript = [
  'import json, sys',
  'nb = True',
  'try:',
  '    import nbclient, ipykernel',
  'except Exception:',
  '    nb = False',
  'print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "nb": nb}))',
].join('\n');

const probes = new Map<string, Promise<PythonInfo | undefined>>();

/**
 * Asks an interpreter what it is. Run in the project folder, so version managers (pyenv's
 * `.python-version`) choose as they would for the user there. The answer is kept in the
 * user's cache (probe-cache.ts); `fresh` asks again regardless, for an answer that may have
 * changed since (a package installed).
 */
export function probePython(
  command: string,
  cwd?: string,
  fresh = false,
): Promise<PythonInfo | undefined> {
  const key = `${command}\0${cwd ?? ''}`;
  let probe = fresh ? undefined : probes.get(key);
  if (probe === undefined) {
    const ask = () => askPython(command, cwd);
    probe = fresh
      ? ask()
      : cachedProbe({
          kind: 'probe',
          command,
          cwd: cwd ?? process.cwd(),
          env: process.env,
          ask,
          executableOf: (info) => info.executable,
        });
    probes.set(key, probe);
  }
  return probe;
}

function askPython(command: string, cwd: string | undefined): Promise<PythonInfo | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['-c', probeScript], { timeout: 15_000, cwd }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const parsed = JSON.parse(stdout.trim()) as {
          executable: string;
          version: string;
          nb: boolean;
        };
        resolve({
          command,
          executable: parsed.executable,
          version: parsed.version,
          hasNotebookSupport: parsed.nb,
        });
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The probe, asked again when a kept answer lacks the notebook support that is needed. */
async function probeFor(
  command: string,
  cwd: string | undefined,
  needNotebook: boolean,
): Promise<PythonInfo | undefined> {
  const info = await probePython(command, cwd);
  if (info === undefined || !needNotebook || info.hasNotebookSupport) return info;
  return probePython(command, cwd, true);
}

const defaultCandidates = ['python3', 'python', '/usr/bin/python3'];

export async function findPython(options: {
  explicit: string | undefined;
  needNotebook: boolean;
  /** The project folder the interpreter is chosen for. */
  cwd?: string | undefined;
}): Promise<PythonInfo> {
  if (options.explicit !== undefined) {
    const info = await probeFor(options.explicit, options.cwd, options.needNotebook);
    if (info === undefined) {
      throw new UsageError(`python not found or not runnable: ${options.explicit}`, {
        hint: 'set KAGGLE_RUN_PYTHON (or `python:` in kaggle-run.yaml) to a working Python 3.8+',
      });
    }
    if (options.needNotebook && !info.hasNotebookSupport) throw notebookSupportMissing(info);
    return info;
  }
  const found: PythonInfo[] = [];
  for (const candidate of defaultCandidates) {
    const info = await probeFor(candidate, options.cwd, options.needNotebook);
    if (info === undefined) continue;
    if (!options.needNotebook || info.hasNotebookSupport) return info;
    found.push(info);
  }
  const first = found[0];
  if (first !== undefined) throw notebookSupportMissing(first);
  throw new UsageError('python3 not found on PATH', {
    hint: 'install Python 3.8 or newer, or set KAGGLE_RUN_PYTHON to an interpreter',
  });
}

/**
 * The one interpreter rule, for local scripts and notebooks and `kaggle-run server` kernels
 * alike: the explicit one if set, else the first candidate that runs; a notebook (which needs
 * nbclient and ipykernel) falls back to the first candidate that has them, and `note` then
 * says that scripts and notebooks run under different Pythons.
 */
export async function chooseInterpreter(options: {
  explicit: string | undefined;
  needNotebook: boolean;
  cwd?: string | undefined;
}): Promise<{ python: PythonInfo; note?: string }> {
  const python = await findPython(options);
  if (!options.needNotebook || options.explicit !== undefined) return { python };
  const first = await findPython({ explicit: undefined, needNotebook: false, cwd: options.cwd });
  if (first.executable === python.executable) return { python };
  return {
    python,
    note: `${first.command} (${first.executable}) has no nbclient/ipykernel; this notebook runs with ${python.command} (${python.executable}), scripts with ${first.command}: set KAGGLE_RUN_PYTHON (or \`python:\`) to use one interpreter for both`,
  };
}

function notebookSupportMissing(info: PythonInfo): UsageError {
  return new UsageError(
    `running a notebook locally needs nbclient and ipykernel, which ${info.command} (${info.executable}) cannot import`,
    {
      hint: `install them (\`${info.command} -m pip install nbclient ipykernel\`, or on Debian/Ubuntu \`apt-get install python3-nbclient python3-ipykernel\`), or point KAGGLE_RUN_PYTHON at a Python that has them`,
    },
  );
}

/** What a command such as `python3` really starts, and what it changes on the way. */
export interface ResolvedInterpreter {
  /** The interpreter binary (sys.executable): starts without any launcher in front. */
  executable: string;
  /**
   * Variables the launcher set or changed before starting Python (pyenv's `exec` puts the
   * version's bin folder first on PATH and sets PYENV_VERSION): given to the kernel, so it
   * sees the environment it would have seen behind the launcher.
   */
  env: Record<string, string>;
}

const resolveScript =
  'import json, os, sys; print(json.dumps({"executable": sys.executable, "env": dict(os.environ)}))';

/**
 * Resolves `command` through launchers (a pyenv shim costs ~100 ms per start) to the binary
 * it runs, asked in `cwd` (version managers choose by folder) with `env`. Undefined when the
 * command does not run or does not say: the caller then keeps the command as given.
 */
export function resolveInterpreter(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedInterpreter | undefined> {
  // What a launcher changes follows from the variables that steer it (the cache's key).
  return cachedProbe({
    kind: 'resolve',
    command,
    cwd,
    env,
    ask: () => askResolve(command, cwd, env),
    executableOf: (resolved) => resolved.executable,
  });
}

function askResolve(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedInterpreter | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['-c', resolveScript], { timeout: 15_000, cwd, env }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const parsed = JSON.parse(stdout.trim()) as {
          executable: unknown;
          env: Record<string, string>;
        };
        if (typeof parsed.executable !== 'string' || parsed.executable === '') {
          return resolve(undefined);
        }
        const changed: Record<string, string> = {};
        for (const [name, value] of Object.entries(parsed.env)) {
          // `_` is the shell's note of the last command, not something the launcher chose.
          if (name !== '_' && env[name] !== value) changed[name] = value;
        }
        resolve({ executable: parsed.executable, env: changed });
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The interpreters kaggle-run tries, in order, when none is set (one rule for every kind). */
export const PYTHON_CANDIDATES: readonly string[] = defaultCandidates;

/**
 * For a program that failed on `No module named X` under `used`: the first other candidate
 * that imports X, so the failure can say which interpreter has it.
 */
export async function interpreterWithModule(
  module: string,
  used: string,
  cwd?: string,
): Promise<PythonInfo | undefined> {
  const usedInfo = await probePython(used, cwd);
  for (const candidate of [...new Set([...defaultCandidates, used])]) {
    const info = await probePython(candidate, cwd);
    if (info === undefined || info.executable === (usedInfo?.executable ?? used)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      execFile(candidate, ['-c', `import ${module}`], { timeout: 15_000, cwd }, (error) =>
        resolve(error === null),
      );
    });
    if (ok) return info;
  }
  return undefined;
}
