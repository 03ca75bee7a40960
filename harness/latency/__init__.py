"""Latency models fitted on stored measurements, and the predictor DNAS uses.

- ``fit_latency_model`` / ``fit_from_store``: OLS latency = slope·Mops + intercept with 95% CIs,
  optional robust line (Huber or Theil–Sen), per-layer-type NNLS model, k-fold comparison.
- ``LatencyModel.save/load``: JSON with provenance.
- ``predict_latency(counts, board) -> (ms, sigma_ms)``.

Names are imported on first use, so that importing ``harness.latency.layer_types`` (as the results
store does) does not pull in scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CrossValidation": "cross_validation",
    "HeldOutErrors": "cross_validation",
    "cross_validate": "cross_validation",
    "kfold_indices": "cross_validation",
    "LatencyModel": "fitted_model",
    "LatencyModelFileError": "fitted_model",
    "Prediction": "fitted_model",
    "Provenance": "fitted_model",
    "fit_from_store": "fitted_model",
    "fit_latency_model": "fitted_model",
    "LayerTypeModel": "layer_model",
    "fit_layer_model": "layer_model",
    "LAYER_TYPES": "layer_types",
    "canonical_layer_ops": "layer_types",
    "FIT_METHODS": "linear_fit",
    "LinearFit": "linear_fit",
    "fit_line": "linear_fit",
    "OpCounts": "op_counts",
    "counts_from": "op_counts",
    "LatencyPredictor": "predictor",
    "NoLatencyModelError": "predictor",
    "model_filename": "predictor",
    "predict_latency": "predictor",
    "FitDataError": "samples",
    "LatencySample": "samples",
    "samples_from_store": "samples",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.latency' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"harness.latency.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
