// A probe kernel: a plain script that reports what a session sees (its mounts and their
// modes, what it may write, the input folders and KAGGLE_RUN_INPUTS, /kaggle/temp, whether
// it reaches a port on the host's loopback, which of the given host paths it can see, its
// environment) into probe.json in its working folder and on stdout. The tests assert every
// point for each way a session is started.

import { createServer, type Server } from 'node:net';
import type { TestContext } from 'node:test';

export interface ProbeConfig {
  /** A port listening on the host's 127.0.0.1 (see listenOnLoopback). */
  port: number;
  /** Host paths the session must not see; the report says which exist for it. */
  forbidden: string[];
}

export interface ProbeReport {
  cwd: string;
  /** Mount point -> ro | rw, for the paths of a Kaggle session (absent: not a mount). */
  mounts: Record<string, string | null>;
  /** Path -> whether a file can be created in it. */
  writable: Record<string, boolean>;
  inputDir: string | null;
  /** Every file under the input folder, relative to it. */
  inputFiles: string[];
  inputs: Record<string, string> | null;
  inputsFileMatches: boolean;
  kaggleTemp: boolean;
  loopback: boolean;
  /** Network interfaces of the session's namespace. */
  interfaces: string[];
  /** Forbidden path -> whether the session sees it. */
  forbidden: Record<string, boolean>;
  /** Entries of the session's home folder and /tmp. */
  home: string[];
  tmp: string[];
  env: Record<string, string | null>;
}

const SOURCE = `import json, os, socket, sys
CONFIG = json.loads(%CONFIG%)

def writable(path):
    probe = os.path.join(path, ".probe-%d" % os.getpid())
    try:
        open(probe, "w").close()
        os.remove(probe)
        return True
    except OSError:
        return False

def mounts():
    found = {}
    try:
        for line in open("/proc/self/mountinfo"):
            parts = line.split()
            found[parts[4]] = "ro" if "ro" in parts[5].split(",") else "rw"
    except OSError:
        pass
    return found

def files(root):
    out = []
    for folder, _dirs, names in os.walk(root or "/nonexistent"):
        out.extend(os.path.relpath(os.path.join(folder, n), root) for n in names)
    return sorted(out)

def reach(port):
    try:
        socket.create_connection(("127.0.0.1", port), 3).close()
        return True
    except OSError:
        return False

def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []

env = os.environ
inputs_file = env.get("KAGGLE_RUN_INPUTS_FILE")
inputs = json.loads(env["KAGGLE_RUN_INPUTS"]) if env.get("KAGGLE_RUN_INPUTS") else None
try:
    file_matches = inputs is not None and json.load(open(inputs_file)) == inputs
except (OSError, TypeError, ValueError):
    file_matches = False
seen = mounts()
report = {
    "cwd": os.getcwd(),
    "mounts": dict((p, seen.get(p)) for p in ("/kaggle/input", "/kaggle/working", "/kaggle/temp", "/tmp", "/usr")),
    "writable": dict((p, writable(p)) for p in ("/kaggle/input", "/kaggle/working", "/kaggle/temp", "/tmp", "/usr", os.path.expanduser("~"), os.getcwd())),
    "inputDir": env.get("KAGGLE_RUN_INPUT_DIR"),
    "inputFiles": files(env.get("KAGGLE_RUN_INPUT_DIR", "/kaggle/input")),
    "inputs": inputs,
    "inputsFileMatches": file_matches,
    "kaggleTemp": os.path.isdir("/kaggle/temp"),
    "loopback": reach(CONFIG["port"]),
    "interfaces": sorted(name for _i, name in socket.if_nameindex()),
    "forbidden": dict((p, os.path.exists(p)) for p in CONFIG["forbidden"]),
    "home": [n for n in listing(os.path.expanduser("~")) if not n.startswith(".probe-")],
    "tmp": [n for n in listing("/tmp") if not n.startswith(".probe-")],
    "env": dict((k, env.get(k)) for k in (
        "HOME", "TMPDIR", "KAGGLE_RUN_SANDBOX", "KAGGLE_RUN_INPUT_DIR", "KAGGLE_RUN_WORKING_DIR",
        "KAGGLE_RUN_TEMP_DIR", "KAGGLE_KEY", "KAGGLE_USERNAME", "KAGGLE_API_TOKEN")),
}
text = json.dumps(report, sort_keys=True)
open("probe.json", "w").write(text)
print("PROBE " + text)
`;

/** The probe's source for `config`. */
export function probeSource(config: ProbeConfig): string {
  return SOURCE.replace('%CONFIG%', JSON.stringify(JSON.stringify(config)));
}

export function parseProbe(text: string): ProbeReport {
  return JSON.parse(text) as ProbeReport;
}

/** A TCP server on the host's 127.0.0.1 (port 0), closed after the test. */
export async function listenOnLoopback(t: TestContext): Promise<number> {
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
