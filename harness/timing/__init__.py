"""Cycle-approximate timing of the emulated twins (a QEMU TCG plugin) and timing records."""

from harness.timing.config import PLUGIN_MODELS, PluginConfig
from harness.timing.elf_symbols import ElfError, read_symbols, symbol_address
from harness.timing.plugin_build import PluginBuildError, plugin_library
from harness.timing.plugin_output import (
    Count,
    PluginOutput,
    PluginOutputError,
    PluginOutputTail,
    parse_plugin_output,
)
from harness.timing.profile import CycleProfile, build_profile
from harness.timing.record import TimingRecord

__all__ = [
    "PLUGIN_MODELS",
    "Count",
    "CycleProfile",
    "ElfError",
    "PluginBuildError",
    "PluginConfig",
    "PluginOutput",
    "PluginOutputError",
    "PluginOutputTail",
    "TimingRecord",
    "build_profile",
    "parse_plugin_output",
    "plugin_library",
    "read_symbols",
    "symbol_address",
]
