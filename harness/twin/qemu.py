"""Command lines for qemu-system-arm running a bare-metal ELF on a twin machine.

Runs are deterministic: ``-icount shift=0,sleep=off`` makes every guest instruction advance virtual
time by 1 ns regardless of the host. Cycle-approximate timing comes from the TCG plugin
(:class:`harness.timing.PluginConfig`), never from the guest's own timers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.timing.config import PluginConfig

__all__ = ["PluginConfig", "QEMU_BINARY", "build_qemu_argv"]

QEMU_BINARY = "qemu-system-arm"


def _qemu_opt_value(value: object) -> str:
    """Escape a value for QEMU's option syntax, where ',' separates options (',,' is a literal comma)."""
    return str(value).replace(",", ",,")


def build_qemu_argv(
    machine: str,
    kernel: Path,
    *,
    serial_port: int | None,
    loaders: list[tuple[Path, int]],
    plugin: PluginConfig | None,
    semihosting: bool = True,
    extra: Sequence[str] = (),
) -> list[str]:
    """The full argv for running ``kernel`` on ``machine``.

    - ``serial_port``: the first UART becomes a TCP server on 127.0.0.1:PORT that waits for the
      host to connect before the guest starts; ``None`` sends the UART to QEMU's stdout.
    - ``loaders``: extra files copied into guest memory at the given address before start
      (e.g. a model blob), one ``-device loader`` each.
    - ``plugin``: load the timing plugin; QEMU's own plugin log (``-d plugin``) goes next to the
      plugin's output file with the suffix ``.qemu.log``.
    - ``semihosting``: lets the firmware exit QEMU with an exit code (SYS_EXIT / SYS_EXIT_EXTENDED).
    """
    kernel = Path(kernel)
    argv = [
        QEMU_BINARY,
        "-M", machine,
        "-nographic",
        "-monitor", "none",
        "-icount", "shift=0,sleep=off",
        "-kernel", str(kernel),
    ]
    if serial_port is not None:
        if not 0 < serial_port < 65536:
            raise ValueError(f"qemu: serial_port: expected a TCP port 1..65535, got {serial_port}")
        # nodelay: QEMU sends the UART's bytes one by one; with Nagle's algorithm and the host's
        # delayed ACKs every command's reply then waited ~40-50 ms (measured: 50 ms -> 1-7 ms).
        argv += ["-serial", f"tcp:127.0.0.1:{serial_port},server=on,wait=on,nodelay=on"]
    else:
        argv += ["-serial", "stdio"]
    for path, addr in loaders:
        if not 0 <= addr < 2**32:
            raise ValueError(f"qemu: loader {path}: address 0x{addr:x} is not a 32-bit address")
        argv += ["-device", f"loader,file={_qemu_opt_value(Path(path))},addr=0x{addr:x}"]
    if semihosting:
        argv += ["-semihosting-config", "enable=on,target=native"]
    if plugin is not None:
        library = plugin.library
        if library is None:
            from harness.timing.plugin_build import plugin_library

            library = plugin_library()
        opts = ",".join([_qemu_opt_value(library)] + [_qemu_opt_value(a) for a in plugin.plugin_args()])
        log = Path(str(plugin.output) + ".qemu.log")
        argv += ["-plugin", opts, "-d", "plugin", "-D", str(log)]
    argv += list(extra)
    return argv
