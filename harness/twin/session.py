"""A running emulated twin: QEMU with the DUT firmware, a plan in the plan slot and a console socket.

    with TwinSession(image, plan=plan_bytes, model="kws01") as twin:
        twin.client.load_input(x)
        result = twin.client.infer(10, 1)
        regions = twin.read_new_regions()      # per-inference modelled cycles (timing plugin)

QEMU runs with ``-icount shift=0,sleep=off`` (deterministic), its first UART on a TCP server on
127.0.0.1 (a free port, picked again if another process takes it first), and dies with the
session: the context manager, a finaliser and the parent-death signal all stop it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from harness.boards import get_board
from harness.boards.schema import Board
from harness.dut.client import DutClient
from harness.dut.errors import DutDisconnected, DutError
from harness.dut.records import BootInfo
from harness.firmware.build import FirmwareImage
from harness.firmware.plan_slot import write_plan_slot
from harness.timing.config import PluginConfig
from harness.timing.plugin_output import PluginOutputTail
from harness.timing.record import TimingRecord
from harness.twin.qemu import build_qemu_argv

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 5
STOP_GRACE_S = 5.0
_PR_SET_PDEATHSIG = 1


class TwinError(RuntimeError):
    """The twin could not be started or stopped, or it crashed."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _resolve_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: no parent-death signal
        return None


# Resolved here, in the parent: the child between fork and exec must not dlopen anything.
_PRCTL = _resolve_prctl()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            log.error("QEMU pid %d did not die after SIGKILL", proc.pid)


class TwinSession:
    """QEMU running ``image`` (a twin build) with a plan in its plan slot, and a protocol client.

    - ``plan``/``model``: an engine plan (bytes) packed into the slot here; or ``slot_image``: an
      already packed slot file (harness.firmware.plan_slot). Neither: the slot stays empty.
    - ``timing``: load the cycle-approximate timing plugin with the firmware's region markers.
    - ``workdir``: where the console log, QEMU's output and the plugin's output go (default: a new
      temporary directory, removed on a clean stop unless ``keep_files``).
    """

    def __init__(
        self,
        image: FirmwareImage,
        *,
        plan: bytes | None = None,
        model: str = "",
        slot_image: Path | None = None,
        board: Board | None = None,
        timing: bool = False,
        workdir: Path | None = None,
        keep_files: bool = False,
        boot_timeout: float = 15.0,
        command_timeout: float = 10.0,
        extra_qemu_args: tuple[str, ...] = (),
        console_url: Callable[[int], str] | None = None,
    ):
        if image.variant != "twin":
            raise TwinError(f"twin session: firmware {image.elf} is the {image.variant!r} build; expected 'twin'")
        if plan is not None and slot_image is not None:
            raise TwinError("twin session: give plan or slot_image, not both")
        self.image = image
        self.board = board or get_board(image.board)
        self.timing = timing
        self.boot_timeout = boot_timeout
        self.command_timeout = command_timeout
        self.extra_qemu_args = tuple(extra_qemu_args)
        # Maps QEMU's console port to the URL the client opens (e.g. through a fault-injection proxy).
        self.console_url = console_url or (lambda port: f"socket://127.0.0.1:{port}")
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="tinyhil-twin-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.keep_files = keep_files
        self.console_log = self.workdir / "console.log"
        self.qemu_log = self.workdir / "qemu.log"
        self.timing_output = self.workdir / "timing.txt"
        if plan is not None:
            slot_image = write_plan_slot(self.workdir / "plan_slot.bin", plan, model, slot_bytes=image.plan_slot_bytes)
        elif slot_image is not None:
            slot_image = Path(slot_image)
            size = slot_image.stat().st_size
            if size > image.plan_slot_bytes:
                raise TwinError(
                    f"twin session: {slot_image}: {size} bytes do not fit the {image.plan_slot_bytes}-byte plan slot"
                )
        self.slot_image = slot_image
        self.port: int | None = None
        self.argv: list[str] = []
        self.proc: subprocess.Popen | None = None
        self._qemu_out = None
        self._finalizer: weakref.finalize | None = None
        self._client: DutClient | None = None
        self.boot: BootInfo | None = None
        self._tail = PluginOutputTail(self.timing_output)
        self.exit_code: int | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def _plugin(self) -> PluginConfig | None:
        if not self.timing:
            return None
        return PluginConfig(
            timing_model=self.board.twin.timing_model,
            output=self.timing_output,
            region_begin=self.image.timing_region_begin,
            region_end=self.image.timing_region_end,
        )

    def _spawn(self, port: int) -> subprocess.Popen:
        loaders = [(self.slot_image, self.image.plan_slot_addr)] if self.slot_image is not None else []
        self.argv = build_qemu_argv(
            self.image.qemu_machine,
            self.image.elf,
            serial_port=port,
            loaders=loaders,
            plugin=self._plugin(),
            semihosting=True,
            extra=list(self.extra_qemu_args),
        )
        log.debug("starting twin: %s", " ".join(self.argv))
        self._qemu_out = self.qemu_log.open("ab")
        proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._qemu_out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if _PRCTL is not None else None,
        )
        self._finalizer = weakref.finalize(self, _kill, proc)
        return proc

    def _qemu_output_tail(self, lines: int = 8) -> str:
        try:
            text = self.qemu_log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def crash_reason(self, settle_s: float = 0.0) -> str | None:
        """Why the twin is no longer running (None while QEMU runs). ``settle_s``: how long to give
        QEMU to finish exiting (its socket closes a moment before the process ends)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            if settle_s <= 0:
                return None
            try:
                self.proc.wait(timeout=settle_s)
            except subprocess.TimeoutExpired:
                return None
        code = self.proc.returncode
        what = {0x7F: "firmware fault", 0x7E: "unexpected exception"}.get(code, "")
        tail = self._qemu_output_tail()
        return f"QEMU exited with code {code}{' (' + what + ')' if what else ''}" + (f": {tail}" if tail else "")

    def _wait_listening(self, port: int) -> bool | str:
        """True once QEMU reports it listens on ``port`` (so we never talk to another process's
        socket); otherwise why not."""
        marker = f"tcp:127.0.0.1:{port},server=on".encode()
        deadline = time.monotonic() + self.boot_timeout
        while time.monotonic() < deadline:
            try:
                text = self.qemu_log.read_bytes()
            except OSError:
                text = b""
            if b"waiting for connection" in text and marker in text:
                return True
            if self.proc is not None and self.proc.poll() is not None:
                return self.crash_reason() or "QEMU exited"
            time.sleep(0.005)
        return f"QEMU did not listen on port {port} within {self.boot_timeout:.1f} s"

    def _diagnose(self, disconnected: bool) -> str | None:
        return self.crash_reason(settle_s=1.0 if disconnected else 0.0)

    def start(self) -> TwinSession:
        if self.proc is not None:
            raise TwinError("twin session: already started")
        last_error = ""
        silent_restarts = 0
        for _ in range(PORT_ATTEMPTS):
            port = _free_port()
            self.proc = self._spawn(port)
            listening = self._wait_listening(port)
            if listening is not True:
                # Most likely another process took the port between picking and binding: retry.
                last_error = listening
                self._reap()
                continue
            try:
                client = DutClient.open(
                    self.console_url(port),
                    log_path=self.console_log,
                    timeout=self.command_timeout,
                    open_timeout=self.boot_timeout,
                    diagnose=self._diagnose,
                )
            except DutDisconnected as exc:
                last_error = exc.short
                self._reap()
                continue
            self.port = port
            self._client = client
            try:
                self.boot = client.wait_boot(timeout=self.boot_timeout)
            except DutError as exc:
                if client.recent_lines or not self.alive() or silent_restarts >= 1:
                    self.stop()
                    raise TwinError(f"twin session: {self.image.board} twin did not boot: {exc}") from None
                # Not one byte from a QEMU that still waits for its console: seen once on a heavily
                # loaded machine (the connection never reached this QEMU). Start afresh on a new port.
                last_error = f"no console output on port {port} within {self.boot_timeout:.1f} s"
                log.warning("twin session: %s; restarting QEMU", last_error)
                silent_restarts += 1
                client.close()
                self._client = None
                self._reap()
                continue
            return self
        raise TwinError(f"twin session: QEMU did not start after {PORT_ATTEMPTS} attempts: {last_error}")

    @property
    def client(self) -> DutClient:
        if self._client is None:
            raise TwinError("twin session: not started")
        return self._client

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _reap(self) -> None:
        if self.proc is not None:
            _kill(self.proc)
            self.exit_code = self.proc.returncode
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._qemu_out is not None:
            self._qemu_out.close()
            self._qemu_out = None

    def stop(self) -> int | None:
        """Stop QEMU (SIGTERM so the timing plugin writes its totals, then SIGKILL); returns its exit code."""
        if self._client is not None:
            self._client.close()
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    log.warning("QEMU pid %d ignored SIGTERM; killing it", self.proc.pid)
            self._reap()
        if self._own_workdir and not self.keep_files and self.exit_code in (0, -signal.SIGTERM, None):
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.exit_code

    def __enter__(self) -> TwinSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- timing ----------------------------------------------------------------------------

    def read_new_regions(self) -> list[TimingRecord]:
        """Timing records of the regions (timed inferences) the plugin closed since the last call."""
        if not self.timing:
            raise TwinError("twin session: started without timing=True; no timing plugin output")
        counts = self._tail.poll()
        first = len(self._tail.output.regions) - len(counts)
        return [
            TimingRecord(
                source="emulated",
                cycles=count.cycles,
                clock_hz=self.board.clock_hz,
                timing_model=self.board.twin.timing_model,
                instructions=count.instructions,
                region=first + i,
            )
            for i, count in enumerate(counts)
        ]

    def wait_exit(self, timeout: float) -> int:
        """Wait for QEMU to exit by itself (e.g. the firmware's semihosting exit)."""
        if self.proc is None:
            raise TwinError("twin session: not started")
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TwinError(f"twin session: QEMU still running after {timeout:.1f} s")
            time.sleep(0.01)
        return self.proc.returncode


def running_qemu_pids() -> set[int]:
    """PIDs of this user's qemu-system-arm processes whose parent is this process (for tests)."""
    pids = set()
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError):
            continue
        if comm.startswith("qemu-system-arm") and ppid == me:
            pids.add(int(entry.name))
    return pids
