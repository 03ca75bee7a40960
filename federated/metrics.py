"""Per-round records and summaries (rounds to a target accuracy)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class RoundMetrics:
    round: int
    accuracy: float
    loss: float
    active_devices: list[int]
    bytes_down: int
    bytes_up: int
    train_loss: float
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def rounds_to_accuracy(history: list[RoundMetrics], target: float) -> int | None:
    """First round whose accuracy reaches ``target`` (None if never)."""
    for record in history:
        if record.accuracy >= target:
            return record.round
    return None
