"""Shared test set-up: keep build caches and results of a test run out of the user's home."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
