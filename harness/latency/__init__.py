"""Latency models fitted on stored measurements, and the predictor DNAS uses.

- ``fit_latency_model`` / ``fit_from_store``: OLS latency = slope·Mops + intercept with 95% CIs,
  optional robust line (Huber or Theil–Sen), per-layer-type NNLS model, k-fold comparison.
- ``LatencyModel.save/load``: JSON with provenance.
- ``predict_latency(counts, board) -> (ms, sigma_ms)``.
"""

from harness.latency.cross_validation import CrossValidation, HeldOutErrors, cross_validate, kfold_indices
from harness.latency.fitted_model import (
    LatencyModel,
    LatencyModelFileError,
    Prediction,
    Provenance,
    fit_from_store,
    fit_latency_model,
)
from harness.latency.layer_model import LayerTypeModel, fit_layer_model
from harness.latency.layer_types import LAYER_TYPES, canonical_layer_ops
from harness.latency.linear_fit import FIT_METHODS, LinearFit, fit_line
from harness.latency.op_counts import OpCounts, counts_from
from harness.latency.predictor import LatencyPredictor, NoLatencyModelError, model_filename, predict_latency
from harness.latency.samples import FitDataError, LatencySample, samples_from_store

__all__ = [
    "FIT_METHODS",
    "LAYER_TYPES",
    "CrossValidation",
    "FitDataError",
    "HeldOutErrors",
    "LatencyModel",
    "LatencyModelFileError",
    "LatencyPredictor",
    "LatencySample",
    "LayerTypeModel",
    "LinearFit",
    "NoLatencyModelError",
    "OpCounts",
    "Prediction",
    "Provenance",
    "canonical_layer_ops",
    "counts_from",
    "cross_validate",
    "fit_from_store",
    "fit_latency_model",
    "fit_layer_model",
    "fit_line",
    "kfold_indices",
    "model_filename",
    "predict_latency",
    "samples_from_store",
]
