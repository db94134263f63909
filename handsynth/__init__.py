"""handsynth: synthetic hand-object training data; imports nothing heavy at import time."""

__version__ = "0.1.0"
