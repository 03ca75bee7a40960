"""Which devices take part in a round.

``bernoulli``: each device is active independently with its probability (one number for all, or
one per device), redrawn until at least one is active (the official FedDyn scheme).
``fixed``: exactly max(1, round(fraction * m)) devices without replacement.
Draws depend only on (seed, round, attempt), so a resumed run samples the same devices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Participation:
    probability: float | tuple[float, ...] = 0.1
    mode: str = "bernoulli"
    seed: int = 0

    def validate(self, n_devices: int) -> None:
        if self.mode not in ("bernoulli", "fixed"):
            raise ValueError(f"participation mode must be 'bernoulli' or 'fixed', got {self.mode!r}")
        probs = np.atleast_1d(np.asarray(self.probability, dtype=np.float64))
        if probs.size not in (1, n_devices):
            raise ValueError(f"participation: {probs.size} probabilities given for {n_devices} devices")
        if np.any(probs < 0) or np.any(probs > 1) or not np.any(probs > 0):
            raise ValueError(f"participation probabilities must be in [0, 1] with at least one > 0, got {self.probability}")
        if self.mode == "fixed" and probs.size != 1:
            raise ValueError("participation mode 'fixed' takes one fraction, not per-device probabilities")

    def sample(self, round_: int, n_devices: int) -> np.ndarray:
        """Sorted ids of the devices active in ``round_`` (1-based)."""
        self.validate(n_devices)
        probs = np.broadcast_to(np.asarray(self.probability, dtype=np.float64), (n_devices,))
        attempt = 0
        while True:
            rng = np.random.default_rng([self.seed, round_, attempt])
            if self.mode == "fixed":
                count = max(1, int(round(float(probs[0]) * n_devices)))
                return np.sort(rng.choice(n_devices, size=count, replace=False))
            active = np.flatnonzero(rng.uniform(size=n_devices) <= probs)
            if active.size:
                return active
            attempt += 1
