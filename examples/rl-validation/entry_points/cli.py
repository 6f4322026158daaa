"""The RL validation orchestrator.

    python entry_points/cli.py run --kaggle --quick-test --algorithm dqn --device gpu
    python entry_points/cli.py info

`run --kaggle` ships this repository to Kaggle with kaggle-run (its Python client), shows the
validation's steps as they stream, and puts what comes back in kaggle_results/<kernel>/.
Without --kaggle the same job runs on this machine.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

import kaggle_run

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def parse(argv):
    parser = argparse.ArgumentParser(prog="cli.py")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the validation")
    run.add_argument("--kaggle", action="store_true", help="on Kaggle (else on this machine)")
    run.add_argument("--quick-test", action="store_true", help="200 steps instead of 2000")
    run.add_argument("--algorithm", choices=("dqn", "ppo"), default="dqn")
    run.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    run.add_argument("--code", choices=("auto", "inline", "dataset", "git"), default="auto",
                     help="how the repository reaches Kaggle (git: a commit of it, cloned there)")
    commands.add_parser("info", help="what would run, and with which kaggle-run")
    return parser.parse_args(argv)


def show(event):
    """Step lines become a progress line; kaggle-run's own lines pass as they are."""
    if event.type == "log":
        for line in event.text.splitlines():
            if line.startswith("step "):
                print("[rl] %s" % line, flush=True)
            elif line.strip():
                sys.stderr.write(line + "\n")
    elif event.type == "pushed":
        print("[rl] pushed %s" % event.get("handle", {}).get("kernel"), flush=True)
    elif event.type == "status":
        print("[rl] kernel %s" % event.get("status"), flush=True)


# What a validation must bring back; a run without any of them fails.
RESULTS = (
    "validation_results/training_metrics.json",
    "validation_results/evaluation_results.json",
    "validation_results/plots/training_curve.png",
    "session_summary.json",
)


def collect(record, incoming):
    """kaggle_results/<kernel>/: the results, once the run has said which kernel it ran on
    (a second run at the same time gets the next one, kaggle-run-rl-validation-2)."""
    kernel = (record.kernel or record.run_id).split("/")[-1]
    dest = os.path.join(os.getcwd(), "kaggle_results", kernel)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(incoming, dest)
    return dest


def run(args):
    results = os.path.join(os.getcwd(), "kaggle_results")
    os.makedirs(results, exist_ok=True)
    incoming = tempfile.mkdtemp(prefix=".incoming-", dir=results)
    try:
        record = kaggle_run.run(
            ROOT,
            kaggle=args.kaggle,
            local=not args.kaggle,
            params={"algorithm": args.algorithm},
            profile="quick" if args.quick_test else None,
            device=args.device,
            code=None if args.code == "auto" else args.code,
            # Each result at its exact path (--output-file), the run failing without it.
            output_files={path: os.path.join(incoming, *path.split("/")) for path in RESULTS},
            on_event=show,
        )
        dest = collect(record, incoming)
    except kaggle_run.KaggleRunError as error:
        sys.stderr.write("rl-validation: %s\n" % error)
        return error.exit_code
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    with open(os.path.join(dest, "validation_results", "evaluation_results.json")) as f:
        evaluation = json.load(f)
    print("[rl] %s: success rate %.2f; results in %s" % (
        args.algorithm, evaluation["success_rate"], os.path.relpath(dest)))
    return 0


def info():
    command = kaggle_run.find_cli()
    print("project: %s" % ROOT)
    print("algorithms: dqn, ppo; devices: cpu, gpu; quick test: 200 steps, full: 2000")
    print("kaggle-run: %s" % " ".join(command))
    print("results: kaggle_results/<kernel>/ (validation_results/, session_summary.json)")
    return 0


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    return info() if args.command == "info" else run(args)


if __name__ == "__main__":
    sys.exit(main())
