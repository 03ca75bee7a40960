"""Cycle-approximate timing of the emulated twins (a QEMU TCG plugin) and timing records."""

from harness.timing.config import PLUGIN_MODELS, PluginConfig

__all__ = ["PLUGIN_MODELS", "PluginConfig"]
