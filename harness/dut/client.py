"""Client for the DUT serial protocol over any pyserial URL (local port, socket://, rfc2217://).

Reads line by line (QEMU's socket chardev loses a pending multi-byte read when it exits), keeps
a console log of everything sent (``> ``) and received (``< ``), and turns replies into typed
records. Every error shows the last console lines and the log path.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

import serial

from harness.dut.errors import DutCommandError, DutDisconnected, DutProtocolError, DutTimeout
from harness.dut.records import (
    ArenaInfo,
    BootInfo,
    CycleStats,
    Identity,
    InferenceResult,
    PlanInfo,
    Profile,
    Reply,
    TensorDump,
)

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 80
DB_CHUNK_BYTES = 31  # what MLPerf's runner sends per `db` line
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_INFER_TIMEOUT_S = 60.0
READY = "m-ready"
_RECENT_LINES = 40
_INT = re.compile(r"-?\d+")


def _bracket(line: str, prefix: str) -> str | None:
    """The text inside ``prefix[...]`` if ``line`` has that form."""
    if line.startswith(prefix + "[") and line.endswith("]"):
        return line[len(prefix) + 1 : -1]
    return None


class DutClient:
    """One connection to a DUT. Use :meth:`open` (a context manager) rather than the constructor."""

    def __init__(
        self,
        port: serial.SerialBase,
        *,
        url: str,
        log_path: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        diagnose: Callable[[bool], str | None] | None = None,
    ):
        self._port = port
        self.url = url
        self.timeout = timeout
        self.log_path = Path(log_path) if log_path is not None else None
        self._log: IO[str] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8", errors="replace")
        self._partial = b""
        self._recent: deque[str] = deque(maxlen=_RECENT_LINES)
        # Called when the link fails (argument True: it closed) or times out (False): returns why,
        # e.g. "QEMU exited with code 127", or None.
        self.diagnose = diagnose

    # ---- connection ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str,
        *,
        baudrate: int = 115_200,
        log_path: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        open_timeout: float = 10.0,
        diagnose: Callable[[bool], str | None] | None = None,
    ) -> DutClient:
        """Open ``url`` (retrying until ``open_timeout`` while it refuses, e.g. a twin starting)."""
        deadline = time.monotonic() + open_timeout
        while True:
            try:
                port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05, write_timeout=timeout)
                break
            except (serial.SerialException, OSError, ValueError) as exc:
                reason = diagnose(False) if diagnose else None
                if reason or time.monotonic() > deadline:
                    raise DutDisconnected(
                        f"cannot open DUT console {url}: {reason or exc}", log_path=log_path
                    ) from None
                time.sleep(0.02)
        return cls(port, url=url, log_path=log_path, timeout=timeout, diagnose=diagnose)

    def close(self) -> None:
        try:
            sock = getattr(self._port, "_socket", None)
            if isinstance(sock, socket.socket):
                # pyserial's socket:// close() sleeps 0.3 s "for quick reconnects" to the same server;
                # a twin's console is never reconnected (each QEMU has its own port), so close it here.
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
                self._port._socket = None
                self._port.is_open = False
            else:
                self._port.close()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def __enter__(self) -> DutClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- raw lines ----------------------------------------------------------------------

    def _note(self, direction: str, text: str) -> None:
        if self._log is not None:
            self._log.write(f"{direction} {text}\n")
            self._log.flush()

    def _fail(self, cls: type, message: str) -> Exception:
        reason = self.diagnose(cls is DutDisconnected) if self.diagnose else None
        if reason:
            message = f"{message} ({reason})"
        return cls(message, recent=list(self._recent), log_path=self.log_path)

    @property
    def recent_lines(self) -> list[str]:
        return list(self._recent)

    def readline(self, timeout: float | None = None) -> str:
        """The next complete line without its line end; raises DutTimeout or DutDisconnected."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                chunk = self._port.readline()
            except (serial.SerialException, OSError) as exc:
                raise self._fail(DutDisconnected, f"console {self.url} closed: {exc}") from None
            self._partial += chunk
            if self._partial.endswith(b"\n"):
                line = self._partial.decode("ascii", "replace").rstrip("\r\n")
                self._partial = b""
                self._recent.append(line)
                self._note("<", line)
                return line
            if time.monotonic() > deadline:
                pending = f"; partial line {self._partial!r}" if self._partial else ""
                raise self._fail(DutTimeout, f"no line from {self.url} within {timeout or self.timeout:.1f} s{pending}")

    def expect(self, pattern: str | re.Pattern[str], timeout: float | None = None) -> tuple[re.Match[str], list[str]]:
        """Read lines until one matches ``pattern``; returns the match and the lines before it."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        before: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._fail(DutTimeout, f"expected a line matching {regex.pattern!r} within {limit:.1f} s")
            try:
                line = self.readline(timeout=remaining)
            except DutTimeout:
                raise self._fail(
                    DutTimeout, f"expected a line matching {regex.pattern!r} within {limit:.1f} s"
                ) from None
            match = regex.fullmatch(line)
            if match:
                return match, before
            before.append(line)

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (tests use this for malformed input)."""
        self._note(">", data.decode("ascii", "replace"))
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise self._fail(DutDisconnected, f"cannot write to {self.url}: {exc}") from None

    def read_reply(self, command: str = "", timeout: float | None = None) -> Reply:
        """The lines up to the next ``m-ready``."""
        _, lines = self.expect(READY, timeout=timeout)
        return Reply(command=command, lines=tuple(lines))

    # ---- commands -------------------------------------------------------------------------

    def wait_boot(self, timeout: float = 10.0) -> BootInfo:
        """Wait for the boot banner (``m-timestamp-mode-...`` ... ``m-init-done``, ``m-ready``)."""
        match, _ = self.expect(r"m-timestamp-mode-(\w+)", timeout=timeout)
        reply = self.read_reply("<boot>", timeout=timeout)
        if "m-init-done" not in reply.lines:
            raise self._fail(DutProtocolError, "boot banner without m-init-done")
        return BootInfo(
            lines=(match.string,) + reply.lines, timestamp_mode=match.group(1), errors=tuple(reply.errors)
        )

    def command(self, command: str, *, timeout: float | None = None, check: bool = True) -> Reply:
        """Send ``command`` (without the ``%``) and return its reply; e-[...] raises when ``check``."""
        if "%" in command or len(command) > MAX_COMMAND_CHARS:
            raise ValueError(
                f"DUT command {command[:20]!r}...: expected at most {MAX_COMMAND_CHARS} characters without '%'"
            )
        self.send_raw(command.encode("ascii") + b"%")
        reply = self.read_reply(command, timeout=timeout)
        if check and reply.errors:
            raise DutCommandError(command, reply.errors, recent=list(self._recent), log_path=self.log_path)
        return reply

    def _single(self, reply: Reply, prefix: str) -> str:
        for line in reply.lines:
            value = _bracket(line, prefix)
            if value is not None:
                return value
        raise self._fail(DutProtocolError, f"reply to {reply.command!r} has no {prefix}[...] line")

    def _int(self, reply: Reply, prefix: str) -> int:
        text = self._single(reply, prefix)
        try:
            return int(text, 0)
        except ValueError:
            raise self._fail(DutProtocolError, f"{prefix}[{text}]: expected an integer") from None

    def name(self) -> str:
        return self._single(self.command("name"), "m-name-dut-")

    def profile(self) -> Profile:
        reply = self.command("profile")
        return Profile(profile=self._single(reply, "m-profile-"), model=self._single(reply, "m-model-"))

    def timestamp(self) -> int:
        reply = self.command("timestamp")
        for line in reply.lines:
            if line.startswith("m-lap-us-"):
                return int(line[len("m-lap-us-") :])
        raise self._fail(DutProtocolError, "timestamp reply has no m-lap-us- line")

    def load_input(self, data: bytes, *, chunk: int = DB_CHUNK_BYTES) -> None:
        """``db load N`` then the bytes as hex, ``chunk`` bytes per line; checks ``m-load-done``."""
        if not data:
            raise ValueError("DUT input: expected at least one byte")
        reply = self.command(f"db load {len(data)}")
        if f"m-[Expecting {len(data)} bytes]" not in reply.lines:
            raise self._fail(DutProtocolError, f"db load {len(data)}: unexpected reply {list(reply.lines)}")
        for start in range(0, len(data), chunk):
            reply = self.command("db " + data[start : start + chunk].hex())
        if "m-load-done" not in reply.lines:
            raise self._fail(DutProtocolError, f"db: all {len(data)} bytes sent but no m-load-done")

    def read_buffer(self) -> bytes:
        """``db print``: the bytes loaded so far."""
        out = bytearray()
        for line in self.command("db print").lines:
            if line.startswith("m-buffer-"):
                out += bytes.fromhex(line[len("m-buffer-") :].replace("-", ""))
        return bytes(out)

    @staticmethod
    def _parse_results(text: str) -> tuple[float, ...]:
        if not text:
            return ()
        return tuple(int(v) if _INT.fullmatch(v) else float(v) for v in text.split(","))

    def infer(self, iterations: int = 1, warmup: int = 10, *, timeout: float = DEFAULT_INFER_TIMEOUT_S) -> InferenceResult:
        """``infer N W``: W untimed then N timed inferences; latency is (t1 - t0) / N."""
        if iterations < 1 or warmup < 0:
            raise ValueError(f"infer: expected iterations >= 1 and warmup >= 0, got {iterations}, {warmup}")
        reply = self.command(f"infer {iterations} {warmup}", timeout=timeout)
        lines = list(reply.lines)
        expected_heads = [f"m-warmup-start-{warmup}", "m-warmup-done", f"m-infer-start-{iterations}"]
        laps = [int(line[len("m-lap-us-") :]) for line in lines if line.startswith("m-lap-us-")]
        if lines[:3] != expected_heads or len(laps) != 2 or "m-infer-done" not in lines:
            raise self._fail(DutProtocolError, f"infer: unexpected reply {lines}")
        return InferenceResult(
            iterations=iterations,
            warmup=warmup,
            t0_us=laps[0],
            t1_us=laps[1],
            results=self._parse_results(self._single(reply, "m-results-")),
            lines=tuple(lines),
        )

    def results(self) -> tuple[float, ...]:
        return self._parse_results(self._single(self.command("results"), "m-results-"))

    # ---- tinyhil extensions ---------------------------------------------------------------

    def identity(self) -> Identity:
        r = self.command("identity")
        return Identity(
            board=self._single(r, "m-board-"),
            core=self._single(r, "m-core-"),
            clock_hz=self._int(r, "m-clock-hz-"),
            variant=self._single(r, "m-variant-"),
            firmware=self._single(r, "m-firmware-"),
            cycle_counter=self._single(r, "m-cycle-counter-"),
        )

    def plan(self) -> PlanInfo:
        r = self.command("plan")
        slot_addr, slot_bytes = (int(v, 0) for v in self._single(r, "m-plan-slot-").split(","))
        fields: dict[str, object] = {}
        present = {line.split("-[", 1)[0] for line in r.lines}
        if "m-plan-model" in present:
            fields["model"] = self._single(r, "m-plan-model-")
            fields["plan_bytes"] = self._int(r, "m-plan-bytes-")
        if "m-plan-hash" in present:
            fields["plan_hash"] = self._int(r, "m-plan-hash-")
            fields["format_version"] = self._int(r, "m-plan-version-")
            fields["n_ops"] = self._int(r, "m-plan-ops-")
            fields["n_tensors"] = self._int(r, "m-plan-tensors-")
            fields["weights_bytes"] = self._int(r, "m-plan-weights-")
            fields["arena_bytes"] = self._int(r, "m-plan-arena-")
            fields["input_bytes"], fields["input_type"] = (int(v) for v in self._single(r, "m-plan-input-").split(","))
            fields["output_bytes"], fields["output_type"] = (int(v) for v in self._single(r, "m-plan-output-").split(","))
        return PlanInfo(status=self._single(r, "m-plan-status-"), slot_addr=slot_addr, slot_bytes=slot_bytes, **fields)

    def arena(self) -> ArenaInfo:
        r = self.command("arena")
        return ArenaInfo(
            used=self._int(r, "m-arena-used-"),
            size=self._int(r, "m-arena-size-"),
            input_buffer=self._int(r, "m-input-buffer-"),
            stack_used=self._int(r, "m-stack-used-"),
            stack_size=self._int(r, "m-stack-size-"),
        )

    def cycles(self) -> CycleStats:
        count, total, minimum, maximum = (int(v) for v in self._single(self.command("cycles"), "m-cycles-").split(","))
        return CycleStats(count=count, total=total, minimum=minimum, maximum=maximum)

    def tensor(self, index: int, last_op: int, *, timeout: float = DEFAULT_INFER_TIMEOUT_S) -> TensorDump:
        """Run ops 0..last_op on the loaded input and read tensor ``index``."""
        r = self.command(f"tensor {index} {last_op}", timeout=timeout)
        idx, size = (int(v) for v in self._single(r, "m-tensor-").split(","))
        data = bytes.fromhex("".join(line[len("m-tensor-data-") :] for line in r.lines if line.startswith("m-tensor-data-")))
        if idx != index or len(data) != size or "m-tensor-done" not in r.lines:
            raise self._fail(DutProtocolError, f"tensor {index}: expected {size} bytes, got {len(data)}")
        return TensorDump(index=index, last_op=last_op, data=data)
