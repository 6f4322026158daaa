"""The validation run: trains the chosen agent for `steps` environment steps, printing its
progress, then evaluates it greedily and writes validation_results/ and session_summary.json.
Params come from kaggle-run (KAGGLE_RUN_PARAMS): algorithm (dqn | ppo), steps."""

import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from rl_validation.agents import make_agent, step  # noqa: E402
from rl_validation.png import line_plot  # noqa: E402

params = json.loads(os.environ.get("KAGGLE_RUN_PARAMS", "{}"))
algorithm = params.get("algorithm", "dqn")
steps = int(params.get("steps", 2000))
started = time.time()
agent = make_agent(algorithm, seed=1)
episode_rewards, state, total = [], 0, 0.0
for n in range(1, steps + 1):
    action = agent.act(state)
    nxt, reward, done = step(state, action)
    agent.learn(state, action, reward, nxt, done)
    total += reward
    state = 0 if done else nxt
    if done:
        episode_rewards.append(round(total, 4))
        total = 0.0
    if n % max(1, steps // 10) == 0:
        print("step %d/%d episodes=%d" % (n, steps, len(episode_rewards)), flush=True)

wins, lengths = 0, []
for _ in range(20):
    state, length = 0, 0
    while length < 50:
        state, _reward, done = step(state, agent.act(state, greedy=True))
        length += 1
        if done:
            wins += 1
            break
    lengths.append(length)

os.makedirs("validation_results/plots", exist_ok=True)
with open("validation_results/training_metrics.json", "w") as f:
    json.dump({"algorithm": algorithm, "steps": steps, "episode_rewards": episode_rewards}, f, indent=2)
with open("validation_results/evaluation_results.json", "w") as f:
    json.dump({"episodes": 20, "success_rate": wins / 20.0, "mean_length": sum(lengths) / 20.0}, f, indent=2)
line_plot(episode_rewards, "validation_results/plots/training_curve.png")
with open("session_summary.json", "w") as f:
    json.dump(
        {
            "algorithm": algorithm,
            "steps": steps,
            "seconds": round(time.time() - started, 3),
            "python": platform.python_version(),
            "gpu_visible": os.environ.get("CUDA_VISIBLE_DEVICES", "unset") != "",
        },
        f,
        indent=2,
    )
print("validation done: success rate %.2f" % (wins / 20.0), flush=True)
