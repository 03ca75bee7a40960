"""A TCP proxy that misbehaves on purpose, to test how the harness survives a bad link.

It sits between the harness and a twin's console socket (both on loopback) and can drop,
corrupt and delay bytes in either direction, or close the connection after a number of bytes
from the device. Every decision comes from a seeded RNG, so a failing run can be replayed.
"""

from __future__ import annotations

import logging
import random
import select
import socket
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class FaultPlan:
    """What to do to the bytes. Rates are per byte; 0 means never."""

    drop_rate: float = 0.0
    corrupt_rate: float = 0.0
    delay_s: float = 0.0  # added before forwarding each chunk
    close_after_device_bytes: int | None = None  # close the link once the device has sent this many
    direction: str = "both"  # "to_device", "from_device" or "both"
    connection_fault_rate: float = 1.0  # the chance that a new connection is faulty at all
    seed: int = 0


@dataclass
class FaultStats:
    dropped: int = 0
    corrupted: int = 0
    forwarded: int = 0
    closed_by_fault: int = 0
    connections: int = 0
    events: list[str] = field(default_factory=list)


class FaultProxy:
    """Listens on 127.0.0.1:<port> and forwards each accepted connection to the target."""

    def __init__(self, target_port: int, plan: FaultPlan | None = None, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.plan = plan or FaultPlan()
        self.stats = FaultStats()
        self._rng = random.Random(self.plan.seed)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"fault-proxy-{self.port}", daemon=True)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        try:
            self._listener.close()
        except OSError:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _mangle(self, data: bytes, to_device: bool) -> bytes:
        with self._lock:
            plan = self.plan
            applies = plan.direction == "both" or plan.direction == ("to_device" if to_device else "from_device")
            if not applies or (plan.drop_rate == 0 and plan.corrupt_rate == 0):
                return data
            out = bytearray()
            for b in data:
                r = self._rng.random()
                if r < plan.drop_rate:
                    self.stats.dropped += 1
                    continue
                if r < plan.drop_rate + plan.corrupt_rate:
                    self.stats.corrupted += 1
                    b ^= 1 << self._rng.randrange(8)
                out.append(b)
            return bytes(out)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.stats.connections += 1
            with self._lock:
                faulty = self._rng.random() < self.plan.connection_fault_rate
            if not faulty:
                self.stats.events.append("clean connection")
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError as exc:
                self.stats.events.append(f"upstream connect failed: {exc}")
                client.close()
                continue
            self._pump(client, upstream, faulty)

    def _pump(self, client: socket.socket, upstream: socket.socket, faulty: bool = True) -> None:
        device_bytes = 0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(4096)
                    if not data:
                        return
                    to_device = sock is client
                    if not faulty:
                        (upstream if to_device else client).sendall(data)
                        self.stats.forwarded += len(data)
                        continue
                    if self.plan.delay_s:
                        time.sleep(self.plan.delay_s)
                    if not to_device:
                        limit = self.plan.close_after_device_bytes
                        if limit is not None and device_bytes + len(data) >= limit:
                            keep = max(0, limit - device_bytes)
                            client.sendall(self._mangle(data[:keep], False))
                            self.stats.closed_by_fault += 1
                            self.stats.events.append(f"closed after {limit} device bytes")
                            return
                        device_bytes += len(data)
                    out = self._mangle(data, to_device)
                    self.stats.forwarded += len(out)
                    (upstream if to_device else client).sendall(out)
        except OSError as exc:
            self.stats.events.append(f"link error: {exc}")
        finally:
            for s in (client, upstream):
                try:
                    s.close()
                except OSError:
                    pass
