"""The providers voicegenhub knows, and which of them can run on a Kaggle GPU (those with a
notebook template in templates/)."""

import os

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
PROVIDERS = ("qwen", "chatterbox", "edge")


def template_for(provider):
    """The provider's Kaggle notebook, or None when it has no Kaggle support."""
    path = os.path.join(TEMPLATES, "%s.ipynb" % provider)
    return path if os.path.isfile(path) else None
