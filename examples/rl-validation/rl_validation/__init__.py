"""A tiny, dependency-free RL validation: a chain world, two learners, metrics and a plot."""
