"""Merging sources with sampling weights, numpy only."""

from __future__ import annotations

import numpy as np
from handsynth_train.data.sample import HandSample


class MergedSource:
    """``num_samples`` draws from several sources: draw ``i`` picks source ``j`` with probability
    ``weights[j] / sum(weights)`` and then one of its samples uniformly, both from ``(seed, i)`` alone, so
    the sequence is the same in every worker process and every run.

    E.g. ``MergedSource([rhd, synth], [0.7, 0.3], 10000)`` is 70 % real, 30 % synthetic in expectation.
    """

    def __init__(self, sources: list, weights: list[float], num_samples: int, seed: int = 0):
        if len(sources) != len(weights) or not sources:
            raise ValueError(
                f"need one weight per source, got {len(sources)} sources, {len(weights)} weights"
            )
        weights = np.asarray(weights, dtype=np.float64)
        if np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(f"weights must be >= 0 with a positive sum, got {weights.tolist()}")
        empty = [s.name for s, w in zip(sources, weights, strict=True) if w > 0 and len(s) == 0]
        if empty:
            raise ValueError(f"sources with a positive weight but no samples: {', '.join(empty)}")
        self.sources = list(sources)
        self.probabilities = weights / weights.sum()
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.name = " + ".join(
            f"{p:.2f} {s.name}" for s, p in zip(self.sources, self.probabilities, strict=True)
        )

    def __len__(self) -> int:
        return self.num_samples

    def locate(self, index: int) -> tuple[int, int]:
        """Draw ``index`` -> (source number, sample index in that source)."""
        if not 0 <= index < self.num_samples:
            raise IndexError(index)
        rng = np.random.default_rng([self.seed, int(index)])
        j = int(rng.choice(len(self.sources), p=self.probabilities))
        return j, int(rng.integers(len(self.sources[j])))

    def __getitem__(self, index: int) -> HandSample:
        j, i = self.locate(index)
        return self.sources[j][i]
