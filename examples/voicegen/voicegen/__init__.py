"""voicegenhub: a small text-to-speech tool that can run its models on a Kaggle GPU."""
