"""The accelerator check: what the session was asked for against what it has."""

import json
import os
import re
import shutil
import subprocess
import sys
import importlib.util

from .errors import SetupError
from .startup import ensure_site


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
    ensure_site()  # torch and jax are looked up in site-packages
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


def check_accelerator(ctx, settings, state):
    asked = settings["accelerator"]
    kind = settings["acceleratorKind"]
    strict = settings["strictAccelerator"]
    # A simulator (kaggle-run server) runs Kaggle's strict settings on a machine that may
    # lack the accelerator; it says so here rather than by editing the pushed settings.
    override = os.environ.get("KAGGLE_RUN_ACCELERATOR_CHECK", "").strip().lower()
    if override in ("warn", "strict"):
        strict = override == "strict"
    # `warn` from a simulator: machine shapes are emulated on this machine, so the device is
    # not looked for or tried with torch or jax (an import of seconds per session); what
    # nvidia-smi shows is recorded.
    emulated = override == "warn"
    gpus, gpu_reason = nvidia_smi_gpus()
    tpus, tpu_count, tpu_reason = detect_tpu(look_at_devices=kind == "tpu")
    probe = None
    if kind == "gpu" and not emulated:
        probe = device_probe("gpu")
        if not gpus and probe is not None and probe.get("names"):
            gpus = [str(n) for n in probe["names"]]
        elif not gpus:
            gpu_reason = "; ".join(
                r for r in (gpu_reason, "torch is not installed" if probe is None else probe["why"]) if r
            )
    elif kind == "tpu" and tpu_count and not emulated:
        probe = device_probe("tpu")
    if gpus and not (kind == "tpu" and tpu_count):
        state["acceleratorSeen"] = {"kind": "gpu", "names": gpus, "count": len(gpus)}
    elif tpu_count:
        state["acceleratorSeen"] = {"kind": "tpu", "names": tpus, "count": tpu_count}
    seen = state["acceleratorSeen"]
    described = "none" if seen["kind"] == "none" else (
        "%s x%d (%s)" % (seen["kind"], seen["count"], ", ".join(sorted(set(seen["names"]))))
    )
    ctx.out.line("accelerator: asked %s, seen %s" % (asked, described))
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
            ctx.out.line("warning: %s" % message, "stderr")
        return
    if strict:
        raise SetupError(
            "accelerator",
            "asked for %s (%s) but this session has no %s: %s. Kaggle starts a session without "
            "one when the account is out of %s quota or not phone-verified (kaggle.com/settings); "
            "check the quota, or run with --accelerator none"
            % (asked, label, label, missing, label),
        )
    ctx.out.line(
        "warning: asked for %s (%s) but this machine has no %s (%s); running on CPU"
        % (asked, label, label, missing),
        "stderr",
    )
