# kaggle-run harness: what actually runs on Kaggle (as a kernel script) and on the local
# platform. kaggle-run renders it by prepending two module globals:
#   KAGGLE_RUN_SETTINGS_B64  base64 of a UTF-8 JSON object (the run's settings, version 1)
#   KAGGLE_RUN_CODE_B64      base64 of the code zip, or "" when the code comes from a file
# Every user-supplied value (params, args, paths) travels only inside those base64 literals,
# so none of it can ever become code. Standard library only; Python >= 3.8.
#
# Steps: start line with the nonce -> accelerator check -> unpack the code -> requirements
# -> run the entry (script or notebook) -> manifest of every output (always, also when a
# step fails) -> end line, exit with the program's code (setup failure 2, timeout 124).


def read_settings():
    """Returns (settings dict, code base64 string) from the globals the renderer prepends."""
    import base64
    import binascii
    import json

    encoded = globals().get("KAGGLE_RUN_SETTINGS_B64")
    if not isinstance(encoded, str) or encoded == "":
        raise SetupError(
            "settings",
            "this harness carries no settings: it is the template kaggle-run renders, "
            "not a program to run by itself",
        )
    try:
        settings = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError) as error:
        raise SetupError("settings", "the harness settings are not valid base64 JSON: %s" % error)
    code = globals().get("KAGGLE_RUN_CODE_B64", "")
    if not isinstance(code, str):
        code = ""
    check_settings(settings)
    return settings, code


import base64  # noqa: E402 (the settings reader comes first on purpose)
import binascii  # noqa: E402
import datetime  # noqa: E402
import decimal  # noqa: E402
import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import keyword  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import posixpath  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import zipfile  # noqa: E402

MANIFEST_FILE = "kaggle-run-manifest.json"
LOG_FILE = "kaggle-run.log"
PARAMS_FILE = "kaggle-run-params.json"
SETUP_EXIT = 2
TIMEOUT_EXIT = 124
TERMINATED_EXIT = 143
# Seconds a stopped program gets between SIGTERM and SIGKILL. The local platform gives the
# harness 3 s after its own SIGTERM, so a stop it forwards must be quicker than that.
TIMEOUT_GRACE = 5.0
TERMINATE_GRACE = 1.5
CHUNK = 1024 * 1024


class SetupError(Exception):
    """An expected failure before or around the program: reported in one line, no traceback."""

    def __init__(self, step, message):
        Exception.__init__(self, message)
        self.step = step
        self.message = message


class Terminated(Exception):
    """The harness itself was asked to stop (SIGTERM, Ctrl-C)."""


# ---------------------------------------------------------------------------------------
# settings


def check_settings(s):
    def fail(what):
        raise SetupError("settings", "the harness settings are malformed: %s" % what)

    if not isinstance(s, dict):
        fail("not a JSON object")
    if s.get("version") != 1:
        raise SetupError(
            "settings",
            "settings version %r is not supported by this harness (it reads version 1); "
            "render it with the same kaggle-run version" % (s.get("version"),),
        )
    for key in ("runId", "nonce", "entry", "accelerator"):
        if not isinstance(s.get(key), str):
            fail("%s must be a string" % key)
    if s.get("kind") not in ("script", "notebook"):
        fail("kind must be script or notebook")
    args = s.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        fail("args must be a list of strings")
    params = s.get("params")
    if not isinstance(params, dict):
        fail("params must be an object")
    for name, value in params.items():
        if not is_param_value(value):
            fail("param %r must be a string, number, boolean, null, list or object" % name)
    if s.get("acceleratorKind") not in ("gpu", "tpu", "none"):
        fail("acceleratorKind must be gpu, tpu or none")
    if not isinstance(s.get("strictAccelerator"), bool):
        fail("strictAccelerator must be a boolean")
    req = s.get("requirements")
    if req is not None:
        ok = isinstance(req, dict) and (
            isinstance(req.get("file"), str)
            or (
                isinstance(req.get("packages"), list)
                and all(isinstance(p, str) for p in req["packages"])
            )
        )
        if not ok:
            fail("requirements must be null, {file} or {packages}")
    code = s.get("code")
    if not isinstance(code, dict) or code.get("mode") not in ("inline", "file", "git"):
        fail("code.mode must be inline, file or git")
    if code["mode"] == "file" and not isinstance(code.get("path"), str):
        fail("code.path must be a string")
    if code["mode"] == "git":
        check_git_code(code, fail)
    secrets = s.get("secrets")
    if not isinstance(secrets, list) or not all(is_env_name(n) for n in secrets):
        fail("secrets must be a list of variable names")
    env_file = s.get("envFile")
    if env_file is not None and not (
        isinstance(env_file, dict) and isinstance(env_file.get("path"), str)
    ):
        fail("envFile must be null or {path}")
    timeout = s.get("timeoutSeconds")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
    ):
        fail("timeoutSeconds must be a positive number or null")
    if not isinstance(s.get("dropUnchangedCode", False), bool):
        fail("dropUnchangedCode must be a boolean")
    check_batch(s.get("batch"), fail)


def is_env_name(name):
    return isinstance(name, str) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name) is not None


def check_git_code(code, fail):
    for key in ("url", "commit", "subdir"):
        if not isinstance(code.get(key), str):
            fail("code.%s must be a string" % key)
    for key in ("ref", "tokenSecret"):
        if code.get(key) is not None and not isinstance(code.get(key), str):
            fail("code.%s must be a string or null" % key)
    # git reads an argument starting with '-' as an option, whatever its position.
    if code["url"] == "" or code["url"].startswith("-"):
        fail("code.url must be a repository URL")
    if code.get("ref") is not None and (code["ref"] == "" or code["ref"].startswith("-")):
        fail("code.ref must be a ref name")
    if not re.match(r"^([0-9a-f]{40}|[0-9a-f]{64})$", code["commit"]):
        fail("code.commit must be a full commit hash")
    if code.get("tokenSecret") is not None and not is_env_name(code["tokenSecret"]):
        fail("code.tokenSecret must be a secret name")


def is_param_value(value, depth=0):
    if depth > 100:
        return False
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(is_param_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_param_value(v, depth + 1) for k, v in value.items())
    return False


def number_text(value):
    """A number for argv: an int as it is; a float as JavaScript's String() writes it (what
    the user typed), keeping a float's ".0" and Python's nan / inf / -inf."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e16:
        return repr(value)  # 1.0, -0.0: still a float when the program reads it back
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    exp = int(exponent)
    if -7 < exp < 21:
        return format(decimal.Decimal(text), "f")
    return "%se%s%d" % (mantissa, "+" if exp > 0 else "-", abs(exp))


def param_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def strict_json_value(value):
    """The value with nan / inf / -inf as the strings "nan", "inf", "-inf", for files that
    must stay standard JSON (the executed notebook)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, list):
        return [strict_json_value(v) for v in value]
    if isinstance(value, dict):
        return dict((k, strict_json_value(v)) for k, v in value.items())
    return value


ARG_PATTERN = re.compile(r"\$(\$?)\{([^}]*)\}")


def render_args(templates, params):
    """Replaces ${name} by the param's value; $${x} stays a literal ${x}. Never a shell."""
    unknown = []

    def substitute(match):
        if match.group(1):
            return "${" + match.group(2) + "}"
        name = match.group(2)
        if name not in params:
            unknown.append(name)
            return ""
        return param_text(params[name])

    rendered = [ARG_PATTERN.sub(substitute, template) for template in templates]
    if unknown:
        raise SetupError(
            "settings",
            "args name unknown param%s %s; known params: %s (write $${...} for a literal ${...})"
            % (
                "" if len(unknown) == 1 else "s",
                ", ".join("${%s}" % n for n in unknown),
                ", ".join(sorted(params)) or "none",
            ),
        )
    return rendered


# ---------------------------------------------------------------------------------------
# console + log


class Masker:
    """Replaces secret values by *** in what the harness prints and logs.

    A value shorter than MASK_MIN is not masked: "1", "yes" or "gpu" occur everywhere, so
    masking them would garble every line while hiding nothing an attacker could not guess.
    Output arrives in chunks cut anywhere, so a stream's tail that could be the start of a
    value is held back until the next chunk shows whether it is; a value is never printed in
    two halves. Text that cannot start a value is never held.
    """

    def __init__(self):
        self.values = []
        self.pattern = None
        self.held = {}

    def add(self, value):
        if not isinstance(value, str):
            return
        # The whole value, and each of its lines: a multi-line key printed with other line
        # ends is still caught line by line.
        for text in [value] + value.splitlines():
            data = text.encode("utf-8", "replace")
            if len(data) >= MASK_MIN and data not in self.values:
                self.values.append(data)
        # Longest first: the regex takes the first alternative that matches at a position.
        self.values.sort(key=len, reverse=True)
        self.pattern = re.compile(b"|".join(re.escape(v) for v in self.values))

    def bytes(self, data):
        return data if self.pattern is None else self.pattern.sub(b"***", data)

    def text(self, value):
        if self.pattern is None or not isinstance(value, str):
            return value
        return self.bytes(value.encode("utf-8", "surrogateescape")).decode(
            "utf-8", "surrogateescape"
        )

    def stream(self, name, data):
        """The masked part of a stream's data that is safe to write now."""
        if self.pattern is None:
            return data
        data = self.bytes(self.held.pop(name, b"") + data)
        keep = 0
        for value in self.values:
            for size in range(min(len(value) - 1, len(data)), keep, -1):
                if data.endswith(value[:size]):
                    keep = size
                    break
        if keep:
            self.held[name] = data[-keep:]
            data = data[:-keep]
        return data

    def flush(self, name):
        return self.held.pop(name, b"")


MASK_MIN = 4
MASK = Masker()


class Output:
    """Writes to our stdout/stderr live and tees everything into kaggle-run.log."""

    def __init__(self):
        self.lock = threading.Lock()
        self.log = None
        self.decoders = {}

    def open_log(self, path):
        try:
            self.log = open(path, "ab")
        except OSError as error:
            self.line("warning: cannot write %s: %s" % (path, error), "stderr")

    def close_log(self):
        with self.lock:
            if self.log is not None:
                try:
                    self.log.close()
                except OSError:
                    pass
                self.log = None

    def write(self, name, data, to_log=True, flush=False):
        stream = sys.stderr if name == "stderr" else sys.stdout
        with self.lock:
            data = MASK.stream(name, data) + (MASK.flush(name) if flush else b"")
            if not data:
                return
            try:
                buffer = getattr(stream, "buffer", None)
                if buffer is not None:
                    stream.flush()
                    buffer.write(data)
                    buffer.flush()
                else:
                    # A stream without bytes underneath (IPython): decode across chunk edges.
                    decoder = self.decoders.get(name)
                    if decoder is None:
                        import codecs

                        decoder = codecs.getincrementaldecoder("utf-8")("replace")
                        self.decoders[name] = decoder
                    stream.write(decoder.decode(data))
                    stream.flush()
            except (OSError, ValueError):
                pass  # a closed console must not stop the run; the log still gets it
            if to_log and self.log is not None:
                try:
                    self.log.write(data)
                    self.log.flush()
                except OSError:
                    pass

    def line(self, text, name="stdout", to_log=True):
        self.write(name, ("[kaggle-run] %s\n" % text).encode("utf-8", "replace"), to_log)


OUT = Output()
# Process groups of the children running now, killed when the harness is told to stop.
LIVE_GROUPS = set()


def kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass


# Set when the harness is told to stop. `raise` is off while nbclient runs: an exception
# thrown into its event loop can surface as some other error from its cleanup, so there the
# kernel is killed instead and the notebook runner reports the stop once nbclient returns.
STOP = {"requested": None, "raise": True}


def on_terminate(signum, _frame):
    # A second signal while we clean up and write the manifest is ignored.
    signal.signal(signum, lambda *_: None)
    STOP["requested"] = signal.Signals(signum).name
    for pgid in list(LIVE_GROUPS):
        kill_group(pgid, signal.SIGTERM if STOP["raise"] else signal.SIGKILL)
    if STOP["raise"]:
        raise Terminated(STOP["requested"])


def ignore_signals():
    try:
        signal.signal(signal.SIGTERM, lambda *_: None)
    except (ValueError, OSError):
        pass


def install_signal_handlers():
    try:
        signal.signal(signal.SIGTERM, on_terminate)
    except (ValueError, OSError):
        pass  # not the main thread (an embedding host): a stop then ends the process as is


# ---------------------------------------------------------------------------------------
# child processes


def pump(pipe, name):
    fd = pipe.fileno()
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            OUT.write(name, chunk)
    except OSError:
        pass
    finally:
        OUT.write(name, b"", flush=True)  # a tail held back by the masking
        try:
            pipe.close()
        except OSError:
            pass


def stop_group(proc, grace):
    """SIGTERM to the whole group, then SIGKILL once the grace period is over."""
    kill_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    kill_group(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()  # the group could not be signalled; at least the program itself stops
    proc.wait()


def run_streaming(cmd, env, cwd, deadline):
    """Runs cmd in its own process group, streaming its output live.

    Returns (returncode, timed_out). Whatever the program left running in its group is
    killed when it ends, as a Kaggle session would on shutdown.
    """
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    LIVE_GROUPS.add(proc.pid)
    threads = [
        threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        try:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_group(proc, TIMEOUT_GRACE)
    finally:
        if proc.poll() is None:
            stop_group(proc, TERMINATE_GRACE)
        kill_group(proc.pid, signal.SIGKILL)
        LIVE_GROUPS.discard(proc.pid)
        for thread in threads:
            # A process that left our group (setsid) may still hold the pipe; do not wait on it.
            thread.join(timeout=5)
    return proc.returncode, timed_out


# ---------------------------------------------------------------------------------------
# accelerator


# One tiny real operation on the device, in a child process: importing torch here would cost
# memory and could hang on a broken driver, and the child sees the same CUDA_VISIBLE_DEVICES
# the program will see. A GPU that is visible but cannot run this torch's kernels (a P100
# with a torch built without sm_60) fails here in seconds instead of deep in the program.
TORCH_PROBE = (
    "import json\n"
    "out = {'framework': 'torch', 'names': [], 'ok': False, 'why': '', 'archs': []}\n"
    "try:\n"
    "    import torch\n"
    "    n = torch.cuda.device_count() if torch.cuda.is_available() else 0\n"
    "    out['names'] = [torch.cuda.get_device_name(i) for i in range(n)]\n"
    "    if n == 0:\n"
    "        out['why'] = 'torch sees no CUDA device'\n"
    "    else:\n"
    "        out['capability'] = 'sm_%d%d' % tuple(torch.cuda.get_device_capability(0))\n"
    "        out['archs'] = [str(a) for a in torch.cuda.get_arch_list()]\n"
    "        x = torch.ones(4, device='cuda')\n"
    "        out['ok'] = float((x + x).sum().item()) == 8.0\n"
    "        if not out['ok']:\n"
    "            out['why'] = 'a sum on the GPU gave a wrong result'\n"
    "except Exception as error:\n"
    "    out['why'] = ('%s: %s' % (type(error).__name__, error)).strip()[:600]\n"
    "print(json.dumps(out))\n"
)

JAX_PROBE = (
    "import json, sys\n"
    "out = {'framework': 'jax', 'names': [], 'ok': False, 'why': '', 'archs': []}\n"
    "try:\n"
    "    import jax, jax.numpy as jnp\n"
    "    devices = [d for d in jax.devices() if d.platform == sys.argv[1]]\n"
    "    out['names'] = [str(getattr(d, 'device_kind', d)) for d in devices]\n"
    "    if not devices:\n"
    "        out['why'] = 'jax sees no %s device' % sys.argv[1].upper()\n"
    "    else:\n"
    "        x = jax.device_put(jnp.ones(4), devices[0])\n"
    "        out['ok'] = float((x + x).sum()) == 8.0\n"
    "        if not out['ok']:\n"
    "            out['why'] = 'a sum on the device gave a wrong result'\n"
    "except Exception as error:\n"
    "    out['why'] = ('%s: %s' % (type(error).__name__, error)).strip()[:600]\n"
    "print(json.dumps(out))\n"
)


def nvidia_smi_gpus():
    """Returns (names, why none were seen) from nvidia-smi alone: no framework is imported."""
    reasons = []
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return [], "nvidia-smi not found"
    try:
        done = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=15,
        )
        text = done.stdout.decode("utf-8", "replace")
        names = [line.strip() for line in text.splitlines() if line.strip()]
        if done.returncode == 0 and names:
            return names, ""
        first = names[0] if names else "no output"
        reasons.append("nvidia-smi exited with code %d (%s)" % (done.returncode, first[:200]))
    except subprocess.TimeoutExpired:
        reasons.append("nvidia-smi did not answer within 15 s")
    except OSError as error:
        reasons.append("nvidia-smi could not run: %s" % error)
    return [], "; ".join(reasons)


def device_probe(kind):
    """Runs one tiny operation on the device with torch (GPU) or jax (GPU, TPU), whichever is
    installed. None when neither is; else {framework, names, ok, why, capability?, archs}."""
    if kind == "gpu" and importlib.util.find_spec("torch") is not None:
        args = [sys.executable, "-c", TORCH_PROBE]
        framework = "torch"
    elif importlib.util.find_spec("jax") is not None:
        args = [sys.executable, "-c", JAX_PROBE, kind]
        framework = "jax"
    else:
        return None
    try:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=120,
        )
        result = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        if isinstance(result, dict):
            return result
    except subprocess.TimeoutExpired:
        return {"framework": framework, "names": [], "ok": False, "archs": [],
                "why": "%s did not answer within 120 s" % framework}
    except (OSError, ValueError, IndexError):
        pass
    return {"framework": framework, "names": [], "ok": False, "archs": [],
            "why": "%s could not be asked about its devices" % framework}


def detect_tpu(look_at_devices):
    signals = []
    for var in ("TPU_NAME", "COLAB_TPU_ADDR"):
        if os.environ.get(var):
            signals.append(var)
    if os.environ.get("PJRT_DEVICE", "").upper() == "TPU":
        signals.append("PJRT_DEVICE=TPU")
    devices = []
    if look_at_devices:
        # Device files alone are weak evidence (other accelerators and VFIO use them too), so
        # they only count when a TPU was asked for.
        try:
            devices = sorted(n for n in os.listdir("/dev") if re.match(r"^accel\d+$", n))
        except OSError:
            devices = []
        if not devices:
            try:
                devices = sorted(n for n in os.listdir("/dev/vfio") if n.isdigit())
            except OSError:
                devices = []
    count = len(devices) or (1 if signals else 0)
    if count == 0:
        return [], 0, "no TPU_NAME, COLAB_TPU_ADDR, PJRT_DEVICE=TPU, /dev/accel* or /dev/vfio/*"
    name = os.environ.get("TPU_ACCELERATOR_TYPE") or os.environ.get("TPU_NAME") or "TPU"
    return [name] * count, count, ""


def unusable_message(asked, seen_names, probe):
    """What to say when the device is there but the framework cannot run on it."""
    device = ", ".join(sorted(set(seen_names))) or "the device"
    capability = probe.get("capability")
    archs = probe.get("archs") or []
    built = ""
    if capability and archs:
        built = " (the GPU is %s; this torch has kernels for %s)" % (capability, ", ".join(archs))
    return (
        "asked for %s and got %s, but %s cannot run on it: %s%s. Ask for another accelerator "
        "(e.g. --accelerator t4x2 or l4), or pin an image or install a %s build that supports "
        "this device (`image:`, `requirements`)"
        % (asked, device, probe["framework"], probe.get("why") or "a test operation failed",
           built, probe["framework"])
    )


def check_accelerator(settings, state):
    asked = settings["accelerator"]
    kind = settings["acceleratorKind"]
    strict = settings["strictAccelerator"]
    # A simulator (kaggle-run server) runs Kaggle's strict settings on a machine that may
    # lack the accelerator; it says so here rather than by editing the pushed settings.
    override = os.environ.get("KAGGLE_RUN_ACCELERATOR_CHECK", "").strip().lower()
    if override in ("warn", "strict"):
        strict = override == "strict"
    # `warn` from a simulator: machine shapes are emulated on this machine, so what nvidia-smi
    # does not show is not looked for with torch (an import of seconds per session).
    emulated = override == "warn"
    gpus, gpu_reason = nvidia_smi_gpus()
    tpus, tpu_count, tpu_reason = detect_tpu(look_at_devices=kind == "tpu")
    probe = None
    if kind == "gpu" and (gpus or not emulated):
        probe = device_probe("gpu")
        if not gpus and probe is not None and probe.get("names"):
            gpus = [str(n) for n in probe["names"]]
        elif not gpus:
            gpu_reason = "; ".join(
                r for r in (gpu_reason, "torch is not installed" if probe is None else probe["why"]) if r
            )
    elif kind == "tpu" and tpu_count:
        probe = device_probe("tpu")
    if gpus and not (kind == "tpu" and tpu_count):
        state["acceleratorSeen"] = {"kind": "gpu", "names": gpus, "count": len(gpus)}
    elif tpu_count:
        state["acceleratorSeen"] = {"kind": "tpu", "names": tpus, "count": tpu_count}
    seen = state["acceleratorSeen"]
    described = "none" if seen["kind"] == "none" else (
        "%s x%d (%s)" % (seen["kind"], seen["count"], ", ".join(sorted(set(seen["names"]))))
    )
    OUT.line("accelerator: asked %s, seen %s" % (asked, described))
    label = kind.upper()
    missing = None
    if kind == "gpu" and not gpus:
        missing = gpu_reason
    elif kind == "tpu" and not tpu_count:
        missing = tpu_reason
    if missing is None:
        if probe is not None and not probe.get("ok") and seen["kind"] == kind:
            message = unusable_message(asked, seen["names"], probe)
            # The framework saw the device and failed on it: the program would fail later,
            # obscurely. Not seeing it at all (a CPU-only build, CUDA_VISIBLE_DEVICES) is
            # only worth a warning: the program may not need the framework on the device.
            if strict and probe.get("names"):
                raise SetupError("accelerator", message)
            OUT.line("warning: %s" % message, "stderr")
        return
    if strict:
        raise SetupError(
            "accelerator",
            "asked for %s (%s) but this session has no %s: %s. Kaggle starts a session without "
            "one when the account is out of %s quota or not phone-verified (kaggle.com/settings); "
            "check the quota, or run with --accelerator none"
            % (asked, label, label, missing, label),
        )
    OUT.line(
        "warning: asked for %s (%s) but this machine has no %s (%s); running on CPU"
        % (asked, label, label, missing),
        "stderr",
    )


# ---------------------------------------------------------------------------------------
# code


def member_path(name):
    """The safe relative POSIX path of a zip member, or raises SetupError."""
    def refuse(why):
        raise SetupError(
            "unpack",
            "refusing code archive entry %s: %s; nothing was extracted" % (json.dumps(name), why),
        )

    if "\x00" in name:
        refuse("it contains a NUL byte")
    posix = name.replace("\\", "/")
    if posix.startswith("/"):
        refuse("it is an absolute path")
    if re.match(r"^[A-Za-z]:", posix):
        refuse("it starts with a drive letter")
    normal = posixpath.normpath(posix)
    if normal == ".." or normal.startswith("../"):
        refuse("it escapes the target folder with ..")
    return "" if normal == "." else normal


def open_code_archive(settings, code_b64, input_dir):
    code = settings["code"]
    if code["mode"] == "inline":
        if code_b64 == "":
            raise SetupError(
                "unpack", "the harness carries no inline code (KAGGLE_RUN_CODE_B64 is empty)"
            )
        try:
            data = base64.b64decode(code_b64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SetupError("unpack", "the inline code is not valid base64: %s" % error)
        source, where = io.BytesIO(data), "the inline code"
    else:
        where = locate_input(input_dir, code["path"], "unpack", "the code archive", "code dataset")
        source = where
    try:
        return zipfile.ZipFile(source), where
    except (zipfile.BadZipFile, OSError) as error:
        raise SetupError("unpack", "%s is not a readable zip: %s" % (where, error))


def locate_input(input_dir, rel_path, step, what, dataset):
    """input_dir/rel_path, or the one file of that name below input_dir: where Kaggle mounts
    a dataset has moved before (/kaggle/input/<slug>/ or deeper)."""
    where = os.path.join(input_dir, rel_path)
    if os.path.isfile(where):
        return where
    found = find_file(input_dir, posixpath.basename(rel_path), 5)
    if len(found) != 1:
        raise SetupError(
            step,
            "%s %s is missing%s; attach its %s to the kernel (kaggle-run does this when it "
            "pushes)"
            % (what, where, "" if not found else " (several candidates: %s)" % ", ".join(found), dataset),
        )
    OUT.line("%s found at %s" % (what, found[0]))
    return found[0]


def find_file(root, basename, depth, folders=False):
    """Files (or folders) named basename at most depth levels below root."""
    found = []
    for folder, dirs, names in os.walk(root):
        if folder[len(root):].count(os.sep) >= depth:
            dirs[:] = []
        if basename in (dirs if folders else names):
            found.append(os.path.join(folder, basename))
    return sorted(found)


def extracted_folder(input_dir, rel_path):
    """The folder Kaggle extracted the zip input_dir/rel_path into, in either input layout
    (datasets/<owner>/<slug>/<name>/ or <slug>/<name>/), or None."""
    if not rel_path.endswith(".zip"):
        return None
    where = os.path.join(input_dir, rel_path[: -len(".zip")])
    if os.path.isdir(where):
        return where
    found = find_file(input_dir, posixpath.basename(rel_path[: -len(".zip")]), 5, folders=True)
    return found[0] if len(found) == 1 else None


# Where Kaggle mounts each kind of source now, and how many folder levels name one source.
INPUT_KINDS = {"datasets": 2, "competitions": 1, "models": 5, "notebooks": 2}


def folders_at(root, depth):
    """The relative parts of every folder exactly depth levels below root."""
    if depth == 0:
        return [[]]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        if os.path.isdir(os.path.join(root, name)):
            found.extend([name] + rest for rest in folders_at(os.path.join(root, name), depth - 1))
    return found


def scan_inputs(input_dir):
    """Each attached source's names -> its folder, read from the folders mounted: the current
    layout (datasets/<owner>/<slug>, competitions/<slug>, models/<owner>/<model>/<framework>/
    <variation>/<version>, notebooks/<owner>/<slug>) and the older flat one (<slug>). Datasets
    and notebooks are also named by their bare slug; a name two folders share names neither,
    and a flat folder never takes a name from a current one."""
    names = {}

    def add(name, folder, current):
        if name not in names:
            names[name] = folder
        elif current and names[name] not in (folder, None):
            names[name] = None

    try:
        top = sorted(os.listdir(input_dir))
    except OSError:
        return {}
    for kind in (k for k in top if k in INPUT_KINDS):
        for parts in folders_at(os.path.join(input_dir, kind), INPUT_KINDS[kind]):
            folder = os.path.join(input_dir, kind, *parts)
            add("/".join(parts), folder, True)
            if kind in ("datasets", "notebooks"):
                add(parts[-1], folder, True)
    for name in top:
        if name not in INPUT_KINDS and os.path.isdir(os.path.join(input_dir, name)):
            add(name, os.path.join(input_dir, name), False)
    return dict((k, v) for k, v in names.items() if v is not None)


def inputs_env(input_dir):
    """KAGGLE_RUN_INPUTS and KAGGLE_RUN_INPUTS_FILE: as the platform set them (kaggle-run
    server, the local platform), else read from the folders Kaggle mounted."""
    if os.environ.get("KAGGLE_RUN_INPUTS", "").strip():
        env = {"KAGGLE_RUN_INPUTS": os.environ["KAGGLE_RUN_INPUTS"]}
        if os.environ.get("KAGGLE_RUN_INPUTS_FILE", "").strip():
            env["KAGGLE_RUN_INPUTS_FILE"] = os.environ["KAGGLE_RUN_INPUTS_FILE"]
            return env
    text = os.environ.get("KAGGLE_RUN_INPUTS", "").strip() or json.dumps(
        scan_inputs(input_dir), indent=2, sort_keys=True
    )
    folder = os.environ.get("KAGGLE_RUN_TEMP_DIR", "").strip() or tempfile.gettempdir()
    path = os.path.join(folder, "kaggle-run-inputs.json")
    try:
        write_atomic(path, (text + "\n").encode("utf-8"))
    except OSError:
        return {"KAGGLE_RUN_INPUTS": text}
    return {"KAGGLE_RUN_INPUTS": text, "KAGGLE_RUN_INPUTS_FILE": path}


def inside(root, path):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def unpack(settings, code_b64, input_dir, working, deadline=None):
    """Extracts the code into the working dir; returns {relative path: sha256}."""
    code = settings["code"]
    if code["mode"] == "git":
        return clone_code(settings, working, deadline)
    if code["mode"] == "file":
        where = os.path.join(input_dir, code["path"])
        folder = extracted_folder(input_dir, code["path"]) if not os.path.isfile(where) else None
        if folder is not None:
            # Kaggle extracts a zip uploaded to a dataset into a folder of the same name.
            OUT.line("code folder found at %s (the code zip, extracted)" % folder)
            return copy_code(folder, working, settings["entry"], folder)
    archive, where = open_code_archive(settings, code_b64, input_dir)
    real_root = os.path.realpath(working)
    plan = []
    with archive:
        # Check every entry before writing any, so a bad archive leaves nothing behind.
        for info in archive.infolist():
            rel = member_path(info.filename)
            mode = (info.external_attr >> 16) & 0xFFFF
            if stat.S_ISLNK(mode):
                raise SetupError(
                    "unpack",
                    "refusing code archive entry %s: it is a symbolic link; nothing was extracted"
                    % json.dumps(info.filename),
                )
            if rel == "":
                continue
            target = os.path.join(working, *rel.split("/"))
            if not inside(real_root, os.path.realpath(os.path.dirname(target))):
                raise SetupError(
                    "unpack",
                    "refusing code archive entry %s: it would land outside %s through a link; "
                    "nothing was extracted" % (json.dumps(info.filename), working),
                )
            plan.append((info, rel, target, mode))
        names = set(rel for info, rel, _, _ in plan if not info.is_dir())
        if posixpath.normpath(settings["entry"]) not in names:
            raise SetupError(
                "unpack",
                "the entry %s is not in the code archive (%d files); check `entry` and that it "
                "is not excluded from packing" % (settings["entry"], len(names)),
            )
        hashes = {}
        total = 0
        try:
            for info, rel, target, mode in plan:
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if os.path.islink(target):
                    os.unlink(target)  # never write through a link
                digest = hashlib.sha256()
                with archive.open(info) as src, open(target, "wb") as dst:
                    while True:
                        chunk = src.read(CHUNK)
                        if not chunk:
                            break
                        digest.update(chunk)
                        dst.write(chunk)
                if mode & 0o111:
                    os.chmod(target, 0o755)
                hashes[rel] = digest.hexdigest()
                total += info.file_size
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError) as error:
            raise SetupError("unpack", "cannot extract %s: %s" % (where, error))
    plural = "" if len(hashes) == 1 else "s"
    OUT.line("unpacked %d file%s (%s)" % (len(hashes), plural, human_size(total)))
    return hashes


def human_size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (n, unit)
        n /= 1024.0
    return "%d B" % n


def copy_code(source, working, entry, where):
    """Copies a code folder (a git checkout, an extracted zip) into the working dir as unpack
    would extract the zip: same places, exec bits kept; returns {relative path: sha256}.

    .git is left out. A symlink ships as its target's content when that is a file inside the
    folder, as packing does; one that points elsewhere is left out with a warning.
    """
    real_source = os.path.realpath(source)
    real_root = os.path.realpath(working)
    plan = []
    left_out = []
    for folder, dirs, names in os.walk(source):
        # os.walk lists links to folders among the folders and does not enter them.
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = sorted(d for d in dirs if d != ".git" and d not in links)
        for name in sorted(names + links):
            if name == ".git":
                continue
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, source).replace(os.sep, "/")
            read_from = full
            if os.path.islink(full):
                read_from = os.path.realpath(full)
                if not inside(real_source, read_from):
                    left_out.append("%s (a symbolic link out of the code folder)" % rel)
                    continue
                if not os.path.isfile(read_from):
                    left_out.append("%s (a symbolic link to a folder or to nothing)" % rel)
                    continue
            elif not os.path.isfile(full):
                continue  # fifos, sockets: not code
            target = os.path.join(working, *rel.split("/"))
            if not inside(real_root, os.path.realpath(os.path.dirname(target))):
                raise SetupError(
                    "unpack",
                    "refusing %s from %s: it would land outside %s through a link"
                    % (json.dumps(rel), where, working),
                )
            plan.append((read_from, rel, target, os.stat(read_from).st_mode))
    for item in left_out[:10]:
        OUT.line("warning: left out %s" % item, "stderr")
    if len(left_out) > 10:
        OUT.line("warning: left out %d more symbolic links" % (len(left_out) - 10), "stderr")
    if posixpath.normpath(entry) not in set(rel for _, rel, _, _ in plan):
        raise SetupError(
            "unpack",
            "the entry %s is not in %s (%d files); check `entry`" % (entry, where, len(plan)),
        )
    hashes = {}
    total = 0
    try:
        for read_from, rel, target, mode in plan:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.islink(target):
                os.unlink(target)  # never write through a link
            digest = hashlib.sha256()
            with open(read_from, "rb") as src, open(target, "wb") as dst:
                while True:
                    chunk = src.read(CHUNK)
                    if not chunk:
                        break
                    digest.update(chunk)
                    dst.write(chunk)
                    total += len(chunk)
            if mode & 0o111:
                os.chmod(target, 0o755)
            hashes[rel] = digest.hexdigest()
    except OSError as error:
        raise SetupError("unpack", "cannot copy the code from %s: %s" % (where, error))
    plural = "" if len(hashes) == 1 else "s"
    OUT.line("copied %d file%s (%s)" % (len(hashes), plural, human_size(total)))
    return hashes


def shown_url(url):
    """The URL without any user:password@ part, for messages."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", url)


GIT_TIMEOUT = 900.0
# What git prints when the server wants credentials it did not get (GitHub answers a
# private repository it cannot show with "Repository not found").
GIT_AUTH_HINTS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "repository not found",
    "http basic: access denied",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
    "invalid username or password",
)


def run_git(args, cwd, config, deadline):
    """Runs git, never prompting; returns (ok, output). `config` items go in as `-c`."""
    cmd = ["git"]
    for item in config:
        cmd += ["-c", item]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="")
    env["GIT_SSH_COMMAND"] = "ssh -oBatchMode=yes"
    timeout = GIT_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, max(1.0, deadline - time.monotonic()))
    try:
        done = subprocess.run(
            cmd + args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        if deadline is not None and time.monotonic() >= deadline:
            raise SetupError("timeout", "fetching the code with git ran past the job's timeout")
        return False, "git %s did not finish within %d s" % (args[0], timeout)
    except OSError as error:
        raise SetupError("clone", "cannot run git: %s" % error)
    text = done.stdout.decode("utf-8", "replace").strip()
    return done.returncode == 0, text


def git_detail(output):
    lines = [line for line in output.splitlines() if line.strip()]
    return " / ".join(lines[-4:])[:600] or "no output"


def clone_code(settings, working, deadline):
    """Fetches the pinned commit of the code's repository and copies the job's folder of it."""
    code = settings["code"]
    url, commit, ref, token_secret = code["url"], code["commit"], code["ref"], code["tokenSecret"]
    shown = shown_url(url)
    if shutil.which("git") is None:
        raise SetupError(
            "clone",
            "git is not installed in this session (not on PATH), so the code cannot be fetched "
            "from %s; ship it as a dataset instead (code: dataset)" % shown,
        )
    # Protocol 2 lets a server hand out a commit by hash (git before 2.26 defaults to 0).
    config = ["protocol.version=2"]
    if token_secret is not None:
        token = SECRET_VALUES.get(token_secret, "")
        basic = base64.b64encode(("x-access-token:" + token).encode("utf-8")).decode("ascii")
        MASK.add(basic)
        # A header, never the URL: a URL with a token ends up in messages and in .git/config.
        config.append("http.extraHeader=Authorization: Basic " + basic)
    OUT.line("fetching %s at %s%s" % (shown, commit[:12], "" if ref is None else " (%s)" % ref))
    temp = tempfile.mkdtemp(prefix="kaggle-run-git-")
    repo = os.path.join(temp, "repo")
    try:
        ok, output = run_git(["init", "-q", repo], temp, [], deadline)
        if not ok:
            raise SetupError("clone", "git init failed: %s" % git_detail(output))
        have = False
        if ref is not None:
            ok, output = run_git(
                ["fetch", "-q", "--depth", "1", "--no-tags", url, ref], repo, config, deadline
            )
            have = ok and run_git(["cat-file", "-e", commit + "^{commit}"], repo, [], deadline)[0]
        if not have:
            # The ref moved or was deleted: ask for the commit itself (GitHub serves any
            # reachable commit by hash).
            ok, fetched = run_git(
                ["fetch", "-q", "--depth", "1", "--no-tags", url, commit], repo, config, deadline
            )
            if not ok:
                raise clone_error(shown, commit, ref, token_secret, fetched)
        ok, output = run_git(
            ["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit],
            repo,
            [],
            deadline,
        )
        if not ok:
            raise SetupError(
                "clone", "cannot check out %s: %s" % (commit[:12], git_detail(output))
            )
        ok, head = run_git(["rev-parse", "HEAD"], repo, [], deadline)
        if not ok or head.strip() != commit:
            raise SetupError(
                "clone",
                "the checkout of %s is at %s, not at the pinned commit %s"
                % (shown, head.strip()[:40] or "nothing", commit),
            )
        subdir = code["subdir"]
        rel = member_path(subdir) if subdir not in ("", ".") else ""
        source = os.path.join(repo, *rel.split("/")) if rel else repo
        if not os.path.isdir(source):
            raise SetupError(
                "clone",
                "the folder %s is not in %s at %s; was the project folder committed?"
                % (json.dumps(subdir), shown, commit[:12]),
            )
        where = "%s at %s%s" % (shown, commit[:12], "" if not rel else " (%s/)" % rel)
        return copy_code(source, working, settings["entry"], where)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def clone_error(shown, commit, ref, token_secret, output):
    detail = git_detail(output)
    if any(hint in output.lower() for hint in GIT_AUTH_HINTS):
        if token_secret is None:
            advice = (
                "the repository looks private: create a Kaggle secret holding a token that can "
                "read it (e.g. GITHUB_TOKEN), attach it to this notebook (kernel editor: "
                "Add-ons > Secrets, tick it) and name it in the job: git: {token_secret: "
                "GITHUB_TOKEN}"
            )
        else:
            advice = (
                "the token in the Kaggle secret %s was refused: check that it can read this "
                "repository and has not expired" % token_secret
            )
        return SetupError("clone", "cannot fetch %s: %s; %s" % (shown, detail, advice))
    wanted = commit[:12] if ref is None else "%s (%s)" % (commit[:12], ref)
    return SetupError(
        "clone",
        "cannot fetch commit %s from %s: %s; check that it was pushed there (kaggle-run pushes "
        "it when it ships the code) and that the URL is right" % (wanted, shown, detail),
    )


# ---------------------------------------------------------------------------------------
# secrets + env file

# Secret values by name (also the git token); PROGRAM_VARS: what goes into the program's
# environment. Every value is masked in what the harness prints.
SECRET_VALUES = {}
PROGRAM_VARS = {}
# KAGGLE_RUN_INPUTS and its file, for the program (inputs_env).
INPUTS_ENV = {}
SECRETS_HOWTO = (
    "attach it on Kaggle: open the notebook in the kernel editor, Add-ons > Secrets, add a "
    "secret named %s and tick it for this notebook"
)


def load_secrets(settings):
    """Reads the named Kaggle user secrets; returns the ones the program gets."""
    names = list(settings["secrets"])
    code = settings["code"]
    token = code.get("tokenSecret") if code["mode"] == "git" else None
    wanted = names + ([token] if token is not None and token not in names else [])
    if not wanted:
        return {}
    try:
        from kaggle_secrets import UserSecretsClient
    except ImportError:
        UserSecretsClient = None
    missing = []
    if UserSecretsClient is None:
        # Not on Kaggle (a local run): the same names come from the environment.
        for name in wanted:
            if name in os.environ:
                SECRET_VALUES[name] = os.environ[name]
            else:
                missing.append(name)
        if missing:
            raise SetupError(
                "secrets",
                "secret %s is not set: outside Kaggle secrets are read from the environment, so "
                "export %s=... before running (on Kaggle, %s)"
                % (missing[0], missing[0], SECRETS_HOWTO % missing[0]),
            )
    else:
        try:
            client = UserSecretsClient()
        except Exception as error:
            raise SetupError("secrets", "cannot reach Kaggle's secrets service: %s" % error)
        for name in wanted:
            try:
                value = client.get_secret(name)
            except Exception as error:
                missing.append((name, ("%s" % error).strip()[:300]))
                continue
            if not isinstance(value, str):
                missing.append((name, "it holds no text"))
                continue
            SECRET_VALUES[name] = value
        if missing:
            name, why = missing[0]
            more = "" if len(missing) == 1 else " (and %d more: %s)" % (
                len(missing) - 1,
                ", ".join(n for n, _ in missing[1:]),
            )
            raise SetupError(
                "secrets",
                "the Kaggle secret %s is not available to this notebook%s (%s); %s"
                % (name, more, why or "no value", SECRETS_HOWTO % name),
            )
    for value in SECRET_VALUES.values():
        MASK.add(value)
    OUT.line("secrets: %s (values masked in this log)" % ", ".join(wanted))
    return dict((name, SECRET_VALUES[name]) for name in names)


def load_env_file(settings, input_dir):
    """The variables of the env file (a JSON object NAME -> text) under the input dir."""
    spec = settings["envFile"]
    if spec is None:
        return {}
    path = locate_input(input_dir, spec["path"], "env-file", "the env file", "private dataset")
    try:
        with open(path, "rb") as f:
            values = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        # json's messages name a position, never the content, so no value leaks here.
        raise SetupError("env-file", "the env file %s is not readable JSON: %s" % (path, error))
    if not isinstance(values, dict):
        raise SetupError("env-file", "the env file %s is not a JSON object" % path)
    bad = [n for n, v in values.items() if not is_env_name(n) or not isinstance(v, str)]
    if bad:
        raise SetupError(
            "env-file",
            "the env file %s has entries that are not NAME -> text: %s"
            % (path, ", ".join(json.dumps(n) for n in bad[:5])),
        )
    for value in values.values():
        MASK.add(value)
    OUT.line("env file: %s (values masked in this log)" % (", ".join(sorted(values)) or "empty"))
    return values


# ---------------------------------------------------------------------------------------
# requirements


def install_requirements(settings, working, deadline, state):
    req = settings["requirements"]
    if req is None:
        return
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    if "file" in req:
        try:
            rel = member_path(req["file"])
        except SetupError:
            rel = ""
        path = os.path.join(working, *rel.split("/")) if rel else ""
        if not rel or not os.path.isfile(path):
            raise SetupError(
                "requirements",
                "the requirements file %s is not in the code; add it to the packed files or "
                "fix `requirements`" % json.dumps(req["file"]),
            )
        cmd += ["-r", path]
        OUT.line("installing requirements: pip install -r %s" % rel)
    else:
        if not req["packages"]:
            return
        cmd += list(req["packages"])
        listed = " ".join(shlex.quote(p) for p in req["packages"])
        OUT.line("installing requirements: pip install %s" % listed)
    env = dict(os.environ)
    env.setdefault("PIP_ROOT_USER_ACTION", "ignore")  # Kaggle runs as root; the warning is noise
    try:
        code, timed_out = run_streaming(cmd, env, working, deadline)
    except OSError as error:
        raise SetupError("requirements", "cannot run pip: %s" % error)
    if timed_out:
        state["exitCode"] = TIMEOUT_EXIT
        raise SetupError("timeout", "installing the requirements ran past the job's timeout")
    if code != 0:
        raise SetupError(
            "requirements",
            "installing the requirements failed (pip exited with code %d); see pip's output above"
            % code,
        )


# ---------------------------------------------------------------------------------------
# program


def program_env(settings, input_dir, working, params_path):
    """The KAGGLE_RUN_* variables the program sees (also set in-process for notebooks)."""
    env = {
        "KAGGLE_RUN_PARAMS": json.dumps(settings["params"]),
        "KAGGLE_RUN_PARAMS_FILE": params_path,
        "KAGGLE_RUN_ID": settings["runId"],
        "KAGGLE_RUN_NONCE": settings["nonce"],
        "KAGGLE_RUN_INPUT_DIR": input_dir,
        "KAGGLE_RUN_WORKING_DIR": working,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(INPUTS_ENV)
    for name, value in PROGRAM_VARS.items():
        env.setdefault(name, value)  # the secrets and the env file; ours win on a clash
    if settings["acceleratorKind"] == "none":
        env["CUDA_VISIBLE_DEVICES"] = ""  # hides any GPU, as a CPU session on Kaggle has none
    return env


def write_atomic(path, data):
    name = ".%s.%s.tmp" % (os.path.basename(path), uuid.uuid4().hex[:8])
    temp = os.path.join(os.path.dirname(path), name)
    try:
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def exit_code_of(returncode):
    # A signal death reads as the shell writes it: 128 + the signal number.
    return 128 - returncode if returncode < 0 else returncode


def signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def run_script(settings, argv, env, working, deadline, state):
    entry = settings["entry"]
    # Python would read an entry named "-x.py" as an option.
    cmd = [sys.executable, "-u", "./" + entry if entry.startswith("-") else entry] + argv
    # argv as JSON: one line whatever the values hold (newlines, quotes).
    OUT.line("running %s, args %s" % (settings["entry"], json.dumps(argv, ensure_ascii=False)))
    started = time.monotonic()
    try:
        returncode, timed_out = run_streaming(cmd, env, working, deadline)
    except OSError as error:
        raise SetupError("program", "cannot start the program: %s" % error)
    took = time.monotonic() - started
    if timed_out:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the program ran past the job's timeout of %s s and was stopped" % (
            number_text(settings["timeoutSeconds"]),
        )
        OUT.line(state["error"], "stderr")
        return
    code = exit_code_of(returncode)
    state["exitCode"] = code
    if returncode < 0:
        state["failedStep"] = "program"
        state["error"] = "the program was killed by %s%s" % (
            signal_name(-returncode),
            " (out of memory?)" if -returncode == signal.SIGKILL else "",
        )
        OUT.line(state["error"], "stderr")
    elif code != 0:
        state["failedStep"] = "program"
        OUT.line("the program exited with code %d after %.1f s" % (code, took))
    else:
        OUT.line("the program finished after %.1f s" % took)


# ---------------------------------------------------------------------------------------
# notebook: reading, preparing, parameters

# The tag papermill gives the marker cells it adds to a failed notebook; kaggle-run uses it
# too, so an executed notebook reads the same whichever of the two ran it.
ERROR_MARKER_TAG = "papermill-error-cell-tag"
ERROR_MARKER_ID = "papermill-error-cell"
ERROR_MARKER_STYLE = (
    "color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"
)
# Seconds between saves of the executed notebook while one cell keeps producing output.
SAVE_EVERY = 30.0
ANSI_PATTERN = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def cell_tags(cell):
    found = (cell.get("metadata") or {}).get("tags") or []
    return found if isinstance(found, list) else []


def parameters_cells(cells):
    return [
        i
        for i, c in enumerate(cells)
        if isinstance(c, dict) and c.get("cell_type") == "code" and "parameters" in cell_tags(c)
    ]


def notebook_language(nb):
    """The kernel language the notebook names (lower case), or None when it names none."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    for section in ("kernelspec", "language_info"):
        found = metadata.get(section)
        key = "language" if section == "kernelspec" else "name"
        if isinstance(found, dict) and isinstance(found.get(key), str) and found[key].strip():
            return found[key].strip().lower()
    return None


def kernel_label(nb):
    spec = (nb.get("metadata") or {}).get("kernelspec")
    if isinstance(spec, dict):
        return spec.get("display_name") or spec.get("name") or "?"
    return "?"


def load_notebook(data, entry):
    """Parses and checks a notebook file's bytes: an nbformat 4 notebook with cells, at most
    one `parameters` cell and a Python kernel. Raises SetupError saying what to fix."""

    def fail(what):
        raise SetupError("notebook", "%s %s" % (entry, what))

    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        fail("is not UTF-8 text (%s); save it again from Jupyter" % error)
    except ValueError as error:
        fail("is not valid JSON (%s); open it in Jupyter and save it again" % error)
    if not isinstance(nb, dict) or "nbformat" not in nb:
        fail("is not a Jupyter notebook (no nbformat field)")
    if nb.get("nbformat") != 4:
        fail(
            "is in nbformat %s; kaggle-run runs nbformat 4 notebooks: convert it with "
            "`jupyter nbconvert --to notebook --nbformat 4 %s` or save it from a current "
            "Jupyter" % (nb.get("nbformat"), entry)
        )
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        fail("has no list of cells")
    if not cells:
        fail("has no cells: there is nothing to run")
    tagged = parameters_cells(cells)
    if len(tagged) > 1:
        fail(
            "has %d cells tagged 'parameters' (cells %s); tag only the cell holding the "
            "defaults" % (len(tagged), ", ".join(str(i + 1) for i in tagged))
        )
    language = notebook_language(nb)
    if language is not None and language != "python":
        fail(
            "runs on the %s kernel (%s); kaggle-run runs Python notebooks only"
            % (language, kernel_label(nb))
        )
    return nb


def join_multiline(nb):
    """Joins the lists of lines nbformat stores multi-line text as, as nbformat's reader does
    (nbclient and this harness read a cell's source as one string)."""

    def join_bundle(bundle):
        if not isinstance(bundle, dict):
            return
        for key, value in list(bundle.items()):
            is_json = key == "application/json" or (
                key.startswith("application/") and key.endswith("+json")
            )
            if not is_json and isinstance(value, list) and all(isinstance(v, str) for v in value):
                bundle[key] = "".join(value)

    for cell in nb["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(line) for line in cell["source"])
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            for attachment in attachments.values():
                join_bundle(attachment)
        if cell.get("cell_type") == "code" and isinstance(cell.get("outputs"), list):
            for output in cell["outputs"]:
                if not isinstance(output, dict):
                    continue
                if output.get("output_type") in ("execute_result", "display_data"):
                    join_bundle(output.get("data"))
                elif isinstance(output.get("text"), list):
                    output["text"] = "".join(output["text"])
    return nb


def prepare_cells(nb):
    """What an earlier run left in the file is not this run's: code cells lose their outputs
    and execution counts, and the marker cells of an earlier failure go, as in papermill."""
    nb["cells"] = [c for c in nb["cells"] if ERROR_MARKER_TAG not in cell_tags(c)]
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def python_literal(value):
    """Exact Python source for a settings value: str, int (any size), float (nan and inf
    too), bool, None, and lists and dicts of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "float(%r)" % repr(value)
    if isinstance(value, list):
        return "[%s]" % ", ".join(python_literal(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join(
            "%s: %s" % (python_literal(k), python_literal(v)) for k, v in value.items()
        )
    return repr(value)


def inject_parameters(nb, params):
    """Adds a papermill-style `injected-parameters` cell after the cell tagged `parameters`."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise SetupError("notebook", "the notebook has no cells list")
    # A notebook saved from an earlier papermill or kaggle-run run: drop its old values.
    cells[:] = [c for c in cells if "injected-parameters" not in cell_tags(c)]
    if not params:
        return
    bad = [n for n in params if not n.isidentifier() or keyword.iskeyword(n)]
    if bad:
        plural = "" if len(bad) == 1 else "s"
        raise SetupError(
            "notebook",
            "param name%s %s cannot be Python variable%s in the notebook; rename them "
            "(letters, digits and underscores, not starting with a digit, not a keyword)"
            % (plural, ", ".join(json.dumps(n, ensure_ascii=False) for n in bad), plural),
        )
    tagged = parameters_cells(cells)
    if not tagged:
        raise SetupError(
            "notebook",
            "the notebook has no cell tagged 'parameters'; tag one (in Jupyter: View > Cell "
            "Toolbar > Tags) or remove the params",
        )
    source = "# Parameters\n" + "".join(
        "%s = %s\n" % (name, python_literal(value)) for name, value in params.items()
    )
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": source,
    }
    if nb.get("nbformat_minor", 0) >= 5:
        cell["id"] = fresh_cell_id(cells, "injected-parameters")
    cells.insert(tagged[0] + 1, cell)


def fresh_cell_id(cells, wanted):
    ids = set(c.get("id") for c in cells)
    return uuid.uuid4().hex[:16] if wanted in ids else wanted


def record_run(nb, settings, entry, saved_as):
    """What ran, in the notebook's own metadata: the file alone says which values made it."""
    metadata = nb.setdefault("metadata", {})
    papermill = metadata.get("papermill") if isinstance(metadata.get("papermill"), dict) else {}
    papermill.update(
        parameters=strict_json_value(settings["params"]),
        input_path=entry,
        output_path=saved_as,
    )
    metadata["papermill"] = papermill
    metadata["kaggle_run"] = {
        "run_id": settings["runId"],
        "nonce": settings["nonce"],
        "parameters": strict_json_value(settings["params"]),
        "started_at": iso_now(),
        "ended_at": None,
        "status": "running",
        "exit_code": None,
        "failed_cell": None,
    }


def first_line(source):
    for line in str(source).splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def add_error_markers(nb, index):
    """papermill's two marker cells: one at the top linking to one just before the failing
    cell (index into nb["cells"]). Returns the failing cell's new index."""
    cells = nb["cells"]
    count = cells[index].get("execution_count")
    top = (
        '<span style="%s">An Exception was encountered at '
        "'<a href=\"#%s\">In [%s]</a>'.</span>" % (ERROR_MARKER_STYLE, ERROR_MARKER_ID, count)
    )
    here = (
        '<span id="%s" style="%s">Execution using kaggle-run encountered an exception here '
        "and stopped:</span>" % (ERROR_MARKER_ID, ERROR_MARKER_STYLE)
    )

    def marker(source):
        cell = {"cell_type": "markdown", "metadata": {"tags": [ERROR_MARKER_TAG]}, "source": source}
        if nb.get("nbformat_minor", 0) >= 5:
            cell["id"] = uuid.uuid4().hex[:16]
        return cell

    cells.insert(index, marker(here))
    cells.insert(0, marker(top))
    return index + 2


def is_clean_exit(ename, evalue):
    """sys.exit(), sys.exit(0) and SystemExit(None) end a notebook successfully (papermill)."""
    return ename == "SystemExit" and str(evalue).strip() in ("", "0", "None")


def exit_status(ename, evalue):
    """The exit code a SystemExit asks for (sys.exit(3) -> 3), else 1."""
    if ename == "SystemExit":
        try:
            code = int(str(evalue).strip())
        except ValueError:
            return 1
        if 0 < code < 256:
            return code
    return 1


def plain_text(text):
    """A traceback without the terminal colours IPython adds."""
    return ANSI_PATTERN.sub("", text)


def executed_path(working, entry):
    folder, name = posixpath.split(entry)
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return os.path.join(working, *(folder.split("/") if folder else []), stem + ".executed.ipynb")


def show_message(msg):
    """Prints one kernel output message as it arrives (tracebacks as plain text)."""
    kind = msg.get("msg_type")
    content = msg.get("content") or {}
    if kind == "stream":
        name = "stderr" if content.get("name") == "stderr" else "stdout"
        OUT.write(name, str(content.get("text", "")).encode("utf-8", "replace"))
    elif kind == "error":
        text = plain_text("\n".join(content.get("traceback") or []))
        OUT.write("stderr", (text + "\n").encode("utf-8", "replace"))
    elif kind == "execute_result":
        text = (content.get("data") or {}).get("text/plain")
        if text:
            OUT.write("stdout", (str(text) + "\n").encode("utf-8", "replace"))


def kernel_pid(client):
    km = getattr(client, "km", None)
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None) or getattr(km, "kernel", None)
    pid = getattr(process, "pid", None)
    return pid if isinstance(pid, int) else None


def notebook_positions(cells):
    """Each cell's 1-based position in the user's notebook (None for the injected cell)."""
    positions = []
    count = 0
    for cell in cells:
        if "injected-parameters" in cell_tags(cell):
            positions.append(None)
        else:
            count += 1
            positions.append(count)
    return positions


def run_notebook(settings, env, working, deadline, state):
    entry = settings["entry"]
    path = os.path.join(working, *entry.split("/"))
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise SetupError("notebook", "%s cannot be read: %s" % (entry, error))
    nb = load_notebook(data, entry)
    if notebook_language(nb) is None:
        OUT.line("note: %s names no kernel language; running it as Python" % entry)
    join_multiline(nb)
    prepare_cells(nb)
    inject_parameters(nb, settings["params"])
    saved = executed_path(working, entry)
    record_run(nb, settings, entry, os.path.relpath(saved, working).replace(os.sep, "/"))
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as error:
        raise SetupError(
            "notebook",
            "running a notebook needs nbclient and ipykernel, which %s cannot import (%s); "
            "install them: `%s -m pip install nbclient ipykernel`"
            % (sys.executable, error, sys.executable),
        )
    if importlib.util.find_spec("ipykernel") is None:
        raise SetupError(
            "notebook",
            "running a notebook needs ipykernel, which %s cannot import; install it: "
            "`%s -m pip install ipykernel`" % (sys.executable, sys.executable),
        )

    node = nbformat.from_dict(nb)
    positions = notebook_positions(node.cells)
    code_cells = [i for i, c in enumerate(node.cells) if c.get("cell_type") == "code"]
    progress = {"index": None, "saved": 0.0}

    def save():
        progress["saved"] = time.monotonic()
        save_notebook(nbformat, node, saved)

    class HarnessClient(NotebookClient):
        """Shows outputs and progress live, saves the notebook as it goes, and keeps the
        kernel's process group known for a stop."""

        def output(self, outs, msg, *args, **kwargs):
            try:
                show_message(msg)
            except Exception:  # showing is best effort; the notebook keeps every output
                pass
            result = NotebookClient.output(self, outs, msg, *args, **kwargs)
            if time.monotonic() - progress["saved"] >= SAVE_EVERY:
                save()  # a long cell's output so far survives a kill
            return result

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            pid = kernel_pid(self)
            if pid is not None:
                LIVE_GROUPS.add(pid)
                state["kernelPid"] = pid
                # nbclient swapped in its own SIGTERM handler; ours also kills the kernel's
                # group and reports the stop as a stop, as for a script.
                install_signal_handlers()
            if cell.get("cell_type") != "code":
                return await NotebookClient.async_execute_cell(
                    self, cell, cell_index, *args, **kwargs
                )
            progress["index"] = cell_index
            label = "cell %d/%d" % (code_cells.index(cell_index) + 1, len(code_cells))
            line = first_line(cell.get("source", ""))
            OUT.line("%s: %s" % (label, line) if line else label)
            save()
            began = time.monotonic()
            try:
                return await NotebookClient.async_execute_cell(
                    self, cell, cell_index, *args, **kwargs
                )
            finally:
                OUT.line("%s took %.1f s" % (label, time.monotonic() - began))
                save()

    # A kernel spec that runs this very interpreter, whatever kernels are installed.
    kernels = tempfile.mkdtemp(prefix="kaggle-run-kernel-")
    spec_dir = os.path.join(kernels, "kernels", "python3")
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (kaggle-run)",
                "language": "python",
            },
            f,
        )
    os.environ.update(env)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (kernels, os.environ.get("JUPYTER_PATH", "")) if p
    )
    # ipykernel's debugger otherwise warns about frozen modules on every start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    folder = os.path.dirname(path)
    if folder != working:
        # Jupyter would start in the notebook's folder; the run starts in the working dir, so
        # modules beside the notebook stay importable this way.
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (folder, os.environ.get("PYTHONPATH", "")) if p
        )

    def cell_timeout(_cell):
        if deadline is None:
            return None
        return max(1, int(math.ceil(deadline - time.monotonic())))

    client = HarnessClient(
        node,
        kernel_name="python3",
        timeout_func=cell_timeout,
        startup_timeout=120,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": working}},
    )
    OUT.line("running notebook %s (%d code cells)" % (entry, len(code_cells)))
    started = time.monotonic()
    STOP["raise"] = False
    failed_at = None
    try:
        try:
            client.execute()
        finally:
            if STOP["requested"] is not None:
                raise Terminated(STOP["requested"])
        state["exitCode"] = 0
        OUT.line("the notebook finished after %.1f s" % (time.monotonic() - started))
    except CellTimeoutError:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the notebook ran past the job's timeout of %s s and was stopped%s" % (
            number_text(settings["timeoutSeconds"]),
            " in %s" % cell_name(node, positions, code_cells, progress["index"])
            if progress["index"] is not None
            else "",
        )
        OUT.line(state["error"], "stderr")
    except CellExecutionError as error:
        ename = getattr(error, "ename", "Error")
        evalue = str(getattr(error, "evalue", ""))
        where = cell_name(node, positions, code_cells, progress["index"])
        if is_clean_exit(ename, evalue):
            state["exitCode"] = 0
            OUT.line(
                "the notebook ended with SystemExit(%s) in %s after %.1f s; the cells after it "
                "did not run" % (evalue.strip(), where, time.monotonic() - started)
            )
        else:
            failed_at = progress["index"]
            state.update(exitCode=exit_status(ename, evalue), failedStep="program")
            state["error"] = "%s failed: %s: %s" % (where, ename, evalue.strip()[:500])
            OUT.line(state["error"], "stderr")
    except DeadKernelError as error:
        state.update(exitCode=1, failedStep="program")
        state["error"] = "the notebook's kernel died (out of memory?)%s: %s" % (
            " in %s" % cell_name(node, positions, code_cells, progress["index"])
            if progress["index"] is not None
            else "",
            error,
        )
        OUT.line(state["error"], "stderr")
    except Terminated:
        raise
    except Exception as error:  # kernel start failures and the like: the run failed, say why
        state.update(exitCode=1, failedStep="program")
        state["error"] = "the notebook could not run: %s: %s" % (type(error).__name__, error)
        OUT.line(state["error"], "stderr")
    finally:
        STOP["raise"] = True
        pid = state.pop("kernelPid", None)
        if pid is not None:
            kill_group(pid, signal.SIGKILL)  # whatever the kernel left behind
            LIVE_GROUPS.discard(pid)
        if STOP["requested"] is None:
            install_signal_handlers()  # nbclient's own handlers replaced ours while it ran
        finish_record(node, state, positions, failed_at)
        if failed_at is not None:
            add_error_markers(node, failed_at)
        save_notebook(nbformat, node, saved, final=True)
        shutil.rmtree(kernels, ignore_errors=True)


def cell_name(nb, positions, code_cells, index):
    """`cell 4 (code cell 3/7, In [3]): first line`: where a notebook stopped."""
    if index is None:
        return "the notebook"
    cell = nb["cells"][index]
    position = positions[index]
    count = cell.get("execution_count")
    parts = ["code cell %d/%d" % (code_cells.index(index) + 1, len(code_cells))]
    if count is not None:
        parts.append("In [%s]" % count)
    where = (
        "cell %d (%s)" % (position, ", ".join(parts))
        if position is not None
        else "the injected-parameters cell"
    )
    line = first_line(cell.get("source", ""))
    return "%s: %s" % (where, line) if line else where


def finish_record(nb, state, positions, failed_at):
    record = (nb.get("metadata") or {}).get("kaggle_run")
    if not isinstance(record, dict):
        return
    code = state.get("exitCode")
    record["ended_at"] = iso_now()
    record["exit_code"] = code
    record["status"] = (
        "complete" if code == 0 else "timeout" if state.get("failedStep") == "timeout" else "error"
    )
    if failed_at is not None:
        record["failed_cell"] = positions[failed_at]
    papermill = (nb.get("metadata") or {}).get("papermill")
    if isinstance(papermill, dict):
        papermill["exception"] = code != 0


def save_notebook(nbformat, node, path, final=False):
    """Writes the executed notebook atomically in nbformat's normal form (lists of lines,
    sorted keys, one-space indent)."""
    try:
        text = nbformat.v4.writes(node)
    except Exception:  # a quirk must not cost the user the executed notebook
        text = json.dumps(node, indent=1, sort_keys=True, ensure_ascii=False)
    if not text.endswith("\n"):
        text += "\n"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        if final:
            OUT.line("saved the executed notebook as %s" % os.path.basename(path))
    except OSError as error:
        OUT.line("warning: cannot save the executed notebook: %s" % error, "stderr")


# ---------------------------------------------------------------------------------------
# batch: the entry runs once per item, each item's new files moved to items/<id>/ (per-item
# mode), or once for all the session's items, which it iterates from a file (loop mode)

ITEMS_DIR = "items"
ITEM_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")
ITEM_ERROR_LINES = 5
ITEM_TAIL_BYTES = 8192


def check_batch(batch, fail):
    if batch is None:
        return
    items = batch.get("items") if isinstance(batch, dict) else None
    if not isinstance(items, list) or not items:
        fail("batch must be null or {items: [...]} with at least one item")
    if batch.get("mode", "per-item") not in ("per-item", "loop"):
        fail("batch.mode must be per-item or loop")
    seen = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            fail("each batch item must be {id, params}")
        item_id = item["id"]
        if not ITEM_ID_PATTERN.match(item_id):
            fail("batch item id %r cannot be a folder name" % item_id)
        if item_id.lower() in seen:
            fail("batch item id %r appears twice" % item_id)
        seen.add(item_id.lower())
        params = item.get("params")
        if not isinstance(params, dict):
            fail("batch item %r: params must be an object" % item_id)
        for name, value in params.items():
            if not (value is None or isinstance(value, (str, int, float, bool))):
                fail("batch item %r: param %r must be a string, number, boolean or null" % (
                    item_id,
                    name,
                ))


class StderrTail:
    """Keeps the end of what is written to stderr while one item runs: its error lines."""

    def __init__(self):
        self.data = b""

    def __enter__(self):
        original = OUT.write

        def write(name, data, to_log=True, flush=False):
            if name == "stderr" and data:
                self.data = (self.data + data)[-ITEM_TAIL_BYTES:]
            original(name, data, to_log, flush)

        OUT.write = write  # an instance attribute: pump() and OUT.line() go through it
        return self

    def __exit__(self, *_exc):
        OUT.__dict__.pop("write", None)
        return False

    def text(self):
        lines = self.data.decode("utf-8", "replace").splitlines()
        kept = [l.rstrip() for l in lines if l.strip() and not l.startswith("[kaggle-run]")]
        return "\n".join(kept[-ITEM_ERROR_LINES:])


def snapshot_files(working, skip):
    """Relative path -> (size, mtime, inode) of each file an item may have written."""
    files = {}
    for rel, _full, info in working_entries(working, skip, skip_top=(ITEMS_DIR,)):
        if stat.S_ISREG(info.st_mode):
            files[rel] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return files


def move_item_outputs(working, before, item_id, skip):
    """Moves every file that is new or changed since `before` into items/<id>/."""
    moved = 0
    for rel, seen in sorted(snapshot_files(working, skip).items()):
        if before.get(rel) == seen:
            continue
        dest = os.path.join(working, ITEMS_DIR, item_id, *rel.split("/"))
        try:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(os.path.join(working, *rel.split("/")), dest)
            moved += 1
        except OSError as error:
            OUT.line("warning: cannot move %s into %s/%s/: %s" % (rel, ITEMS_DIR, item_id, error))
    return moved


def batch_skip(working, state):
    """What is never an item's output: the harness's own files and the unpacked code."""
    skip = {MANIFEST_FILE, LOG_FILE, PARAMS_FILE}
    skip.update(state["codeHashes"].keys())
    own = globals().get("__file__")
    if isinstance(own, str):
        skip.add(os.path.abspath(own))
    return skip


def run_item(settings, item, where, input_dir, working, deadline, skip, results):
    item_id = item["id"]
    params = dict(settings["params"])
    params.update(item["params"])
    item_settings = dict(settings, params=params)
    OUT.line("item %s (%s)" % (item_id, where))
    before = snapshot_files(working, skip)
    params_path = os.path.join(working, PARAMS_FILE)
    write_atomic(
        params_path, (json.dumps(params, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    )
    env = program_env(item_settings, input_dir, working, params_path)
    env["KAGGLE_RUN_ITEM_ID"] = item_id
    state = {"exitCode": None, "error": None, "failedStep": None}
    tail = StderrTail()
    started = time.monotonic()
    try:
        with tail:
            try:
                if settings["kind"] == "notebook":
                    run_notebook(item_settings, env, working, deadline, state)
                else:
                    argv = render_args(settings["args"], params)
                    full_env = dict(os.environ, **env)
                    run_script(item_settings, argv, full_env, working, deadline, state)
            except SetupError as error:
                state.update(failedStep=error.step, error=error.message)
                OUT.line("error: %s" % error.message, "stderr")
    finally:
        # Also when the run is stopped mid-item: what it wrote so far is its own.
        seconds = round(time.monotonic() - started, 3)
        move_item_outputs(working, before, item_id, skip)
        code = state["exitCode"]
        error = None
        if code != 0:
            error = state["error"] or tail.text() or (
                "the program exited with code %d" % code if code is not None else "stopped"
            )
        results.append(
            {
                "id": item_id,
                "exitCode": code,
                "seconds": seconds,
                "error": None if error is None else MASK.text(error),
            }
        )
    if code == 0:
        OUT.line("item %s ok after %.1f s" % (item_id, seconds))
    else:
        last = (error or "").splitlines()
        OUT.line("item %s failed: %s" % (item_id, last[-1] if last else ""), "stderr")
    return state["failedStep"] == "timeout"


def run_batch(settings, input_dir, working, deadline, state):
    """Runs the entry once per item. Exit 0 when every item succeeded, 1 when any failed
    (all of them ran), 124 when the job's timeout stopped the batch before its end."""
    if settings["batch"].get("mode") == "loop":
        run_batch_loop(settings, input_dir, working, deadline, state)
        return
    items = settings["batch"]["items"]
    skip = batch_skip(working, state)
    results = []
    state["items"] = results
    timed_out = False
    for n, item in enumerate(items):
        if deadline is not None and time.monotonic() >= deadline:
            timed_out = True
        if timed_out:
            break
        where = "%d/%d" % (n + 1, len(items))
        timed_out = run_item(settings, item, where, input_dir, working, deadline, skip, results)
    failed = [r["id"] for r in results if r["exitCode"] != 0]
    if timed_out:
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the job's timeout of %s s stopped the batch after %d of %d items" % (
            number_text(settings["timeoutSeconds"]),
            len(results),
            len(items),
        )
    elif failed:
        state.update(exitCode=1, failedStep="program")
        state["error"] = "%d of %d items failed: %s%s" % (
            len(failed),
            len(items),
            ", ".join(failed[:10]),
            ", ..." if len(failed) > 10 else "",
        )
    else:
        state["exitCode"] = 0
    OUT.line(
        state["error"] or "batch: %d of %d items succeeded" % (len(items), len(items)),
        "stderr" if state["error"] else "stdout",
    )


ITEMS_HELPER_MODULE = "kaggle_run_items"
# The module a loop-mode program imports (written beside the items file, on PYTHONPATH). Its
# result lines are how the harness learns each item's end; without it, an item counts as done
# when the program wrote items/<id>/ and exited 0.
ITEMS_HELPER = r'''"""Items of a kaggle-run batch in loop mode (written by the harness for this session).

    from kaggle_run_items import items
    model = load_model()              # once per session
    for item in items():              # item.id, item.params, item.dir (items/<id>/)
        with item:                    # a failing item is recorded and the loop goes on
            synthesize(model, item.params["text"], item.path("speech.wav"))
"""
import json
import os
import sys
import time
import traceback

ROOT = os.environ.get("KAGGLE_RUN_ITEMS_DIR", "items")


class Item(object):
    def __init__(self, data, n, total):
        self.id = data["id"]
        self.params = data["params"]
        self.dir = os.path.join(ROOT, self.id)
        self.n = n
        self.total = total
        self.started = None
        self.done = False

    def path(self, *parts):
        """A path inside this item's folder, its parent folders created."""
        full = os.path.join(self.dir, *parts)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def start(self):
        if self.started is None:
            self.started = time.monotonic()
            os.makedirs(self.dir, exist_ok=True)
            sys.stderr.write("[kaggle-run] item %s (%d/%d)\n" % (self.id, self.n, self.total))
            sys.stderr.flush()

    def finish(self, error=None):
        if self.done:
            return
        self.done = True
        seconds = round(time.monotonic() - (self.started or time.monotonic()), 3)
        line = json.dumps({"id": self.id, "error": error, "seconds": seconds})
        with open(os.environ["KAGGLE_RUN_ITEM_RESULTS"], "a") as f:
            f.write(line + "\n")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, kind, error, tb):
        if kind is not None and not issubclass(kind, Exception):
            return False  # Ctrl-C, SystemExit: the run stops
        message = None
        if kind is not None:
            traceback.print_exception(kind, error, tb)
            message = "".join(traceback.format_exception_only(kind, error)).strip()
        self.finish(message)
        return True


def items():
    """This session's items, in order; an item whose loop body ends normally is done."""
    path = os.environ.get("KAGGLE_RUN_ITEMS_FILE", "")
    if not path:
        raise RuntimeError(
            "KAGGLE_RUN_ITEMS_FILE is not set: run this program as a kaggle-run batch "
            "with mode loop (batch: {mode: loop} or --batch-mode loop)"
        )
    with open(path, encoding="utf-8") as f:
        data = [json.loads(line) for line in f if line.strip()]
    for n, entry in enumerate(data, 1):
        item = Item(entry, n, len(data))
        item.start()
        yield item
        item.finish()
'''


def read_item_results(path):
    """id -> {error, seconds} from the helper's result lines (the last line of an id wins)."""
    results = {}
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return results
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            results[entry["id"]] = entry
    return results


def write_loop_files(settings, working):
    """The items file and the helper module in a folder of their own; returns the env."""
    folder = tempfile.mkdtemp(prefix="kaggle-run-items-")
    items_file = os.path.join(folder, "items.jsonl")
    lines = []
    for item in settings["batch"]["items"]:
        params = dict(settings["params"])
        params.update(item["params"])
        lines.append(json.dumps({"id": item["id"], "params": params}, ensure_ascii=False))
    write_atomic(items_file, ("\n".join(lines) + "\n").encode("utf-8"))
    write_atomic(os.path.join(folder, ITEMS_HELPER_MODULE + ".py"), ITEMS_HELPER.encode("utf-8"))
    os.makedirs(os.path.join(working, ITEMS_DIR), exist_ok=True)
    return {
        "KAGGLE_RUN_ITEMS_FILE": items_file,
        "KAGGLE_RUN_ITEMS_DIR": os.path.join(working, ITEMS_DIR),
        "KAGGLE_RUN_ITEM_RESULTS": os.path.join(folder, "results.jsonl"),
        "PYTHONPATH": os.pathsep.join(p for p in (folder, os.environ.get("PYTHONPATH", "")) if p),
    }


def loop_item_results(items, reported, working, run_state, tail):
    """Each item's manifest entry; an item the program never reached is left out (missing)."""
    code = run_state["exitCode"]
    results = []
    for item in items:
        item_id = item["id"]
        seen = reported.get(item_id)
        if seen is not None:
            error = seen.get("error")
            seconds = seen.get("seconds")
            results.append(
                {
                    "id": item_id,
                    "exitCode": 0 if error is None else 1,
                    "seconds": seconds if isinstance(seconds, (int, float)) else None,
                    "error": None if error is None else MASK.text(str(error)),
                }
            )
        elif os.path.isdir(os.path.join(working, ITEMS_DIR, item_id)):
            # Begun: done when the program ended well; else the program's failure is its own.
            error = None
            if code != 0:
                error = run_state["error"] or tail.text() or (
                    "the program exited with code %d" % code if code is not None else "stopped"
                )
            results.append(
                {
                    "id": item_id,
                    "exitCode": code,
                    "seconds": None,
                    "error": None if error is None else MASK.text(error),
                }
            )
    return results


def loop_outcome(settings, items, results, run_state, state):
    """The session's exit code and error from its items and the program's own end."""
    failed = [r["id"] for r in results if r["exitCode"] != 0]
    missing = len(items) - len(results)
    code = run_state["exitCode"]
    if run_state["failedStep"] == "timeout":
        state.update(exitCode=TIMEOUT_EXIT, failedStep="timeout")
        state["error"] = "the job's timeout of %s s stopped the batch after %d of %d items" % (
            number_text(settings["timeoutSeconds"]),
            len(results) - len(failed),
            len(items),
        )
        return
    if code == 0 and not failed and not missing:
        state["exitCode"] = 0
        return
    state.update(exitCode=code if code not in (0, None) else 1, failedStep="program")
    parts = []
    if failed:
        parts.append(
            "%d of %d items failed: %s%s"
            % (len(failed), len(items), ", ".join(failed[:10]), ", ..." if len(failed) > 10 else "")
        )
    if missing:
        parts.append("%d of %d items not reached" % (missing, len(items)))
    if run_state["error"] and code != 0:
        parts.append(run_state["error"])
    state["error"] = "; ".join(parts) or "the program exited with code %s" % code


def run_batch_loop(settings, input_dir, working, deadline, state):
    """Runs the entry once; it iterates the items (KAGGLE_RUN_ITEMS_FILE, or the
    kaggle_run_items helper) and writes each item's outputs to items/<id>/. Exit 0 when every
    item ended well, 124 on the job's timeout, else the program's code or 1."""
    items = settings["batch"]["items"]
    params_path = os.path.join(working, PARAMS_FILE)
    write_atomic(
        params_path,
        (json.dumps(settings["params"], indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    env = program_env(settings, input_dir, working, params_path)
    env.update(write_loop_files(settings, working))
    OUT.line("batch: %d items in one run of %s" % (len(items), settings["entry"]))
    run_state = {"exitCode": None, "error": None, "failedStep": None}
    tail = StderrTail()
    with tail:
        try:
            if settings["kind"] == "notebook":
                run_notebook(settings, env, working, deadline, run_state)
            else:
                argv = render_args(settings["args"], settings["params"])
                run_script(settings, argv, dict(os.environ, **env), working, deadline, run_state)
        except SetupError as error:
            run_state.update(failedStep=error.step, error=error.message)
            OUT.line("error: %s" % error.message, "stderr")
    reported = read_item_results(env["KAGGLE_RUN_ITEM_RESULTS"])
    results = loop_item_results(items, reported, working, run_state, tail)
    state["items"] = results
    loop_outcome(settings, items, results, run_state, state)
    OUT.line(
        state["error"] or "batch: %d of %d items succeeded" % (len(items), len(items)),
        "stderr" if state["error"] else "stdout",
    )


# ---------------------------------------------------------------------------------------
# manifest


def sha256_file(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
    return digest.hexdigest(), size


def working_entries(working, skip, skip_top=()):
    """(relative POSIX path, full path, lstat) of every entry under `working`, less the paths
    in `skip` (relative or absolute), __pycache__ folders and the top-level folders
    `skip_top`; entries that vanish while being listed are left out."""
    for folder, dirs, names in os.walk(working):
        top = os.path.abspath(folder) == os.path.abspath(working)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (top and d in skip_top))
        for name in names:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, working).replace(os.sep, "/")
            if rel in skip or os.path.abspath(full) in skip:
                continue
            try:
                info = os.lstat(full)
            except OSError:
                continue
            yield rel, full, info


def list_outputs(working, code_hashes, skip, unchanged_code=None):
    files = []
    for rel, full, info in working_entries(working, skip):
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            warning = "warning: skipping %r: its name is not UTF-8" % rel
            OUT.line(warning, "stderr", to_log=False)
            continue
        if not stat.S_ISREG(info.st_mode):
            continue  # links, fifos, sockets: not outputs
        try:
            sha256, size = sha256_file(full)
        except OSError as error:
            OUT.line("warning: skipping %s: %s" % (rel, error), "stderr", to_log=False)
            continue
        if code_hashes.get(rel) == sha256:
            if unchanged_code is not None:
                unchanged_code.append(full)
            continue  # unchanged code from the archive
        files.append({"path": rel, "size": size, "sha256": sha256})
    files.sort(key=lambda f: f["path"])
    return files


def iso_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def write_manifest(working, state, started_at, started):
    skip = {MANIFEST_FILE, PARAMS_FILE}
    own = globals().get("__file__")
    if isinstance(own, str):
        skip.add(os.path.abspath(own))  # where a platform runs the harness from the working dir
    unchanged_code = []
    files = list_outputs(working, state["codeHashes"], skip, unchanged_code)
    manifest = {
        "nonce": state["nonce"],
        "exitCode": state["exitCode"],
        "error": MASK.text(state["error"]),
        "failedStep": state["failedStep"],
        "startedAt": started_at,
        "endedAt": iso_now(),
        "durationSeconds": round(time.monotonic() - started, 3),
        "programSeconds": state.get("programSeconds"),
        "pythonVersion": platform.python_version(),
        "acceleratorAsked": state["acceleratorAsked"],
        "acceleratorSeen": state["acceleratorSeen"],
        "files": files,
    }
    if state.get("items") is not None:
        manifest["items"] = state["items"]
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_atomic(os.path.join(working, MANIFEST_FILE), data)
    if state.get("dropUnchangedCode"):
        drop_unchanged_code(working, unchanged_code)
    return len(files)


def drop_unchanged_code(working, paths):
    # Kaggle saves the whole working folder as the kernel's output: copies of the code the
    # program did not change would be stored, listed and paged through as outputs (a 10,000
    # file project makes 500 listing calls per run). They are in the manifest's code, not
    # its outputs, so they go; folders left empty by that go too.
    folders = set()
    for path in paths:
        try:
            os.remove(path)
            folders.add(os.path.dirname(path))
        except OSError:
            pass
    for folder in sorted(folders, key=len, reverse=True):
        while os.path.abspath(folder) != os.path.abspath(working):
            try:
                os.rmdir(folder)  # only when empty
            except OSError:
                break
            folder = os.path.dirname(folder)


# ---------------------------------------------------------------------------------------
# main


def folder_from_env(name, default):
    value = os.environ.get(name, "").strip()
    return os.path.abspath(value or default)


def run_steps(state, input_dir, working, started):
    settings, code_b64 = read_settings()
    state["nonce"] = settings["nonce"]
    state["dropUnchangedCode"] = settings.get("dropUnchangedCode") is True
    state["acceleratorAsked"] = settings["accelerator"]
    OUT.line("start nonce=%s run=%s" % (settings["nonce"], settings["runId"]))
    OUT.line("python %s at %s" % (platform.python_version(), sys.executable))
    argv = render_args(settings["args"], settings["params"])
    timeout = settings["timeoutSeconds"]
    deadline = None if timeout is None else started + float(timeout)

    state["step"] = "accelerator"
    check_accelerator(settings, state)
    INPUTS_ENV.update(inputs_env(input_dir))
    # Before the code: a git clone may need a token from the secrets.
    state["step"] = "env-file"
    PROGRAM_VARS.update(load_env_file(settings, input_dir))
    state["step"] = "secrets"
    PROGRAM_VARS.update(load_secrets(settings))
    state["step"] = "unpack"
    state["codeHashes"] = unpack(settings, code_b64, input_dir, working, deadline)
    state["step"] = "requirements"
    install_requirements(settings, working, deadline, state)

    state["step"] = "program"
    program_started = time.monotonic()
    try:
        if settings.get("batch") is not None:
            run_batch(settings, input_dir, working, deadline, state)
            return
        params_path = os.path.join(working, PARAMS_FILE)
        write_atomic(
            params_path,
            (json.dumps(settings["params"], indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )
        env = program_env(settings, input_dir, working, params_path)
        if settings["kind"] == "notebook":
            run_notebook(settings, env, working, deadline, state)
        else:
            run_script(settings, argv, dict(os.environ, **env), working, deadline, state)
    finally:
        # The program's own time (all items of a batch), apart from the harness's: a host
        # tells its model's seconds from the session's overhead.
        state["programSeconds"] = round(time.monotonic() - program_started, 3)


def main():
    started = time.monotonic()
    started_at = iso_now()
    input_dir = folder_from_env("KAGGLE_RUN_INPUT_DIR", "/kaggle/input")
    working = folder_from_env("KAGGLE_RUN_WORKING_DIR", "/kaggle/working")
    state = {
        "nonce": "",
        "exitCode": None,
        "error": None,
        "failedStep": None,
        "step": "settings",
        "acceleratorAsked": "",
        "acceleratorSeen": {"kind": "none", "names": [], "count": 0},
        "codeHashes": {},
    }
    try:
        os.makedirs(working, exist_ok=True)
        os.chdir(working)
    except OSError as error:
        OUT.line("error: cannot use the working folder %s: %s" % (working, error), "stderr")
        return SETUP_EXIT
    OUT.open_log(os.path.join(working, LOG_FILE))
    install_signal_handlers()
    code = SETUP_EXIT
    try:
        try:
            run_steps(state, input_dir, working, started)
            code = state["exitCode"] if state["exitCode"] is not None else SETUP_EXIT
        except SetupError as error:
            state["failedStep"] = error.step
            state["error"] = error.message
            code = TIMEOUT_EXIT if error.step == "timeout" else SETUP_EXIT
            OUT.line("error: %s" % error.message, "stderr")
        except (Terminated, KeyboardInterrupt) as error:
            state["failedStep"] = state["failedStep"] or state["step"]
            state["error"] = "the run was stopped (%s) during step %s" % (
                error.args[0] if error.args else "SIGINT",
                state["step"],
            )
            code = TERMINATED_EXIT
            OUT.line("error: %s" % state["error"], "stderr")
        except Exception as error:  # a bug in the harness: say so, with the traceback
            import traceback

            state["failedStep"] = state["failedStep"] or state["step"]
            state["error"] = "internal error in the kaggle-run harness: %s: %s" % (
                type(error).__name__,
                error,
            )
            code = SETUP_EXIT
            OUT.write("stderr", traceback.format_exc().encode("utf-8", "replace"))
            OUT.line("error: %s" % state["error"], "stderr")
    finally:
        # From here on a stop request waits: the manifest is what brings the outputs back.
        ignore_signals()
        # The log is complete before the manifest hashes it; later lines reach the console only.
        OUT.write("stdout", b"", flush=True)  # what the masking held back (notebook output)
        OUT.write("stderr", b"", flush=True)
        OUT.close_log()
        try:
            count = write_manifest(working, state, started_at, started)
            OUT.line("manifest: %d output files" % count, to_log=False)
        except Exception as error:
            OUT.line("error: cannot write the manifest: %s" % error, "stderr", to_log=False)
            if code == 0:
                code = SETUP_EXIT
    OUT.line("end exit=%d nonce=%s" % (code, state["nonce"]), to_log=False)
    return code


if __name__ == "__main__":
    exit_code = main()
    if exit_code == TERMINATED_EXIT:
        # Stopped mid-run: the children are dead and the manifest is written. Skip the
        # interpreter's shutdown, where an interrupted nbclient would only add noise.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)
    sys.exit(exit_code)
