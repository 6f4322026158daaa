"""Example job: pretends to train, then writes results/metrics.json and results/predictions.csv.

Parameters arrive three ways (use whichever fits your code):
  - argv, from `args:` in kaggle-run.yaml (here: --epochs N)
  - the KAGGLE_RUN_PARAMS environment variable (a JSON object)
  - the file named by KAGGLE_RUN_PARAMS_FILE (the same JSON)
"""
import argparse
import csv
import json
import os
import platform

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()
params = json.loads(os.environ.get("KAGGLE_RUN_PARAMS", "{}"))
lr = float(params.get("lr", 0.1))

print(params.get("message", "hello"))
loss = 1.0
for epoch in range(1, args.epochs + 1):
    loss *= 1 - lr
    print(f"epoch {epoch}/{args.epochs} loss={loss:.4f}", flush=True)

os.makedirs("results", exist_ok=True)
with open("results/metrics.json", "w") as f:
    json.dump({"epochs": args.epochs, "lr": lr, "loss": round(loss, 6), "python": platform.python_version()}, f, indent=2)
with open("results/predictions.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["id", "prediction"])
    for i in range(5):
        writer.writerow([i, round(loss * i, 6)])
print("wrote results/metrics.json and results/predictions.csv")
