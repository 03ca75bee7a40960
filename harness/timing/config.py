"""What the timing plugin is asked to do: which core's timing table, which region, where to write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Timing model name (as in a board's twin.timing_model) -> the plugin's short model argument.
PLUGIN_MODELS = {"cortex-m4": "m4", "cortex-m7": "m7"}


@dataclass(frozen=True)
class PluginConfig:
    """Settings for one run of the cycle-approximate timing plugin.

    ``region_begin``/``region_end`` are code addresses (the Thumb bit is ignored): every time the
    core executes the instruction at ``region_begin`` a region opens, and the next execution of the
    instruction at ``region_end`` closes it. Both or neither must be given. ``library`` is the
    built plugin; ``None`` means build it (or take it from the cache) when the command line is made.
    ``trace``/``profile``: optional files for the translation trace and the per-block profile
    (see :mod:`harness.timing.profile`).
    """

    timing_model: str
    output: Path
    region_begin: int | None = None
    region_end: int | None = None
    library: Path | None = None
    trace: Path | None = None
    profile: Path | None = None

    def __post_init__(self) -> None:
        if self.timing_model not in PLUGIN_MODELS:
            raise ValueError(
                f"timing plugin: timing_model: expected one of {sorted(PLUGIN_MODELS)}, got {self.timing_model!r}"
            )
        if (self.region_begin is None) != (self.region_end is None):
            raise ValueError("timing plugin: region: give both region_begin and region_end, or neither")
        for name in ("region_begin", "region_end"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 2**32:
                raise ValueError(f"timing plugin: {name}: expected a 32-bit address, got {value!r}")

    def plugin_args(self) -> list[str]:
        """The ``key=value`` arguments the plugin reads (see firmware_templates/qemu_plugin)."""
        args = [f"model={PLUGIN_MODELS[self.timing_model]}", f"out={self.output}"]
        if self.region_begin is not None and self.region_end is not None:
            args.append(f"begin=0x{self.region_begin & ~1:x}")
            args.append(f"end=0x{self.region_end & ~1:x}")
        if self.trace is not None:
            args.append(f"trace={self.trace}")
        if self.profile is not None:
            args.append(f"profile={self.profile}")
        return args
