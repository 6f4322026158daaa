// Wheels built here, from tiny packages written on the spot, so installing requirements is
// tested with no network: a wheel is a zip of the module, its METADATA, WHEEL and RECORD.

import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

const script = String.raw`
import base64, hashlib, json, os, sys, zipfile
spec = json.loads(sys.argv[1])
name, version = spec["name"], spec["version"]
dist = name.replace("-", "_")
info = "%s-%s.dist-info" % (dist, version)
files = {
    "%s/__init__.py" % spec["module"]: spec["code"],
    info + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (
        name, version, "".join("Requires-Dist: %s\n" % r for r in spec.get("requires", []))),
    info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: kaggle-run-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
path = os.path.join(spec["dir"], "%s-%s-py3-none-any.whl" % (dist, version))
with zipfile.ZipFile(path, "w") as z:
    for member, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (member, digest, len(data)))
        z.writestr(member, data)
    record.append(info + "/RECORD,,")
    z.writestr(info + "/RECORD", "\n".join(record) + "\n")
print(path)
`;

export interface WheelSpec {
  /** The distribution name (`kr-tiny-a`). */
  name: string;
  version: string;
  /** The import name (`kr_tiny_a`). */
  module: string;
  /** The module's `__init__.py`. */
  code: string;
  requires?: string[];
}

/** Writes `<dir>/<name>-<version>-py3-none-any.whl` and returns its path. */
export async function buildWheel(python: string, dir: string, spec: WheelSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  return execFileSync(python, ['-c', script, JSON.stringify({ ...spec, dir })], {
    encoding: 'utf8',
  }).trim();
}
