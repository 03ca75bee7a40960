"""Where tinyhil's own files live, and where it writes."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BOARDS_DIR = REPO_ROOT / "boards"
FIRMWARE_DIR = REPO_ROOT / "firmware_templates"
RESULTS_DIR = Path(os.environ.get("TINYHIL_RESULTS", REPO_ROOT / "results"))
SHARED_MODELS_DIR = Path(os.environ.get("TINYHIL_SHARED", REPO_ROOT.parent / "shared")) / "models"


def cache_dir() -> Path:
    """Build outputs (firmware, plugin, compiled kernels), keyed by content hash inside."""
    base = os.environ.get("TINYHIL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "tinyhil"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
