"""Versions of the tools a HIL test result depends on, for its JUnit properties."""

from __future__ import annotations

import functools

from harness import __version__


@functools.cache
def tool_versions() -> dict[str, str]:
    """``tinyhil``, ``arm_none_eabi_gcc`` and ``qemu`` versions (empty when a tool is missing)."""
    from harness.firmware.build import compiler_version
    from harness.runtime.environment import qemu_version

    try:
        gcc = compiler_version()
    except Exception:  # no toolchain on this machine: the property says so by being empty
        gcc = ""
    return {"tinyhil_version": __version__, "arm_none_eabi_gcc": gcc, "qemu": qemu_version()}
