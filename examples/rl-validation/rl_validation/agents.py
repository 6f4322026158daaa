"""A 6-state chain world and two tiny learners: tabular Q-learning (`dqn`) and a softmax
policy gradient (`ppo`). Deterministic for a seed; pure Python."""

import math
import random

STATES = 6
ACTIONS = 2  # 0: left, 1: right; reaching the right end pays 1


def step(state, action):
    nxt = min(STATES - 1, state + 1) if action == 1 else max(0, state - 1)
    done = nxt == STATES - 1
    return nxt, (1.0 if done else -0.01), done


class Dqn(object):
    def __init__(self, rng):
        self.q = [[0.0] * ACTIONS for _ in range(STATES)]
        self.rng = rng
        self.epsilon = 1.0

    def act(self, state, greedy=False):
        if not greedy and self.rng.random() < self.epsilon:
            return self.rng.randrange(ACTIONS)
        row = self.q[state]
        return 1 if row[1] >= row[0] else 0

    def learn(self, state, action, reward, nxt, done):
        target = reward + (0.0 if done else 0.95 * max(self.q[nxt]))
        self.q[state][action] += 0.2 * (target - self.q[state][action])
        self.epsilon = max(0.05, self.epsilon * 0.995)


class Ppo(object):
    def __init__(self, rng):
        self.logits = [[0.0] * ACTIONS for _ in range(STATES)]
        self.rng = rng

    def probs(self, state):
        exps = [math.exp(x) for x in self.logits[state]]
        return [e / sum(exps) for e in exps]

    def act(self, state, greedy=False):
        p = self.probs(state)
        if greedy:
            return 1 if p[1] >= p[0] else 0
        return 1 if self.rng.random() < p[1] else 0

    def learn(self, state, action, reward, nxt, done):
        advantage = reward + (0.5 if action == 1 else -0.1)
        p = self.probs(state)
        for a in range(ACTIONS):
            grad = (1.0 if a == action else 0.0) - p[a]
            self.logits[state][a] += 0.1 * max(-0.2, min(0.2, advantage * grad))


AGENTS = {"dqn": Dqn, "ppo": Ppo}


def make_agent(name, seed=0):
    return AGENTS[name](random.Random(seed))
