"""A board's health, in the manner of labgrid's board states: a board that keeps failing is
marked broken so that later work skips it instead of failing on it one item at a time."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field


class BoardState(enum.Enum):
    READY = "ready"
    SUSPECT = "suspect"  # failed recently; still used, reset before the next try
    BROKEN = "broken"  # failed max_consecutive_failures times in a row; skipped from now on


@dataclass
class BoardHealth:
    name: str
    max_consecutive_failures: int = 3
    state: BoardState = BoardState.READY
    consecutive_failures: int = 0
    total_failures: int = 0
    last_error: str = ""
    history: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def usable(self) -> bool:
        return self.state is not BoardState.BROKEN

    def record_success(self) -> None:
        with self._lock:
            if self.state is BoardState.BROKEN:
                return
            self.consecutive_failures = 0
            self.state = BoardState.READY

    def record_failure(self, error: str) -> BoardState:
        with self._lock:
            self.consecutive_failures += 1
            self.total_failures += 1
            self.last_error = error
            self.history.append(error)
            if self.consecutive_failures >= self.max_consecutive_failures:
                self.state = BoardState.BROKEN
            elif self.state is not BoardState.BROKEN:
                self.state = BoardState.SUSPECT
            return self.state

    def mark_broken(self, error: str) -> None:
        with self._lock:
            self.state = BoardState.BROKEN
            self.last_error = error
            self.history.append(error)

    def skip_reason(self) -> str:
        return (
            f"board {self.name} is marked broken after {self.consecutive_failures} consecutive failures; "
            f"last error: {self.last_error}"
        )
