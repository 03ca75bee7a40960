"""Int8 .tflite through TensorFlow's TFLiteConverter (full-integer, int8 input and output)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from search_space.spec import ArchSpec

__all__ = ["convert_keras_to_int8", "spec_to_tflite_via_tf", "random_representative_dataset"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def random_representative_dataset(input_shape: tuple[int, ...], count: int = 16, seed: int = 0) -> Callable[[], Iterable[list[np.ndarray]]]:
    """Calibration samples drawn from a standard normal (for architecture-only conversions)."""

    def gen() -> Iterable[list[np.ndarray]]:
        rng = np.random.default_rng(seed)
        for _ in range(count):
            yield [rng.standard_normal((1, *input_shape)).astype(np.float32)]

    return gen


def convert_keras_to_int8(model: Any, representative_dataset: Callable[[], Iterable[list[np.ndarray]]]) -> bytes:
    """Full-integer int8 conversion of a Keras model; returns the .tflite bytes."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # Per-tensor FULLY_CONNECTED weights, as in the MLPerf Tiny reference models and the fast path
    # (TensorFlow 2.20 would otherwise quantise dense layers per channel).
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    with contextlib.redirect_stdout(io.StringIO()):  # Keras' export prints its endpoints
        return bytes(converter.convert())


def spec_to_tflite_via_tf(
    spec: ArchSpec,
    *,
    seed: int = 0,
    representative_dataset: Callable[[], Iterable[list[np.ndarray]]] | None = None,
) -> bytes:
    """Build the Keras model of ``spec`` (seeded weights) and convert it to int8 .tflite."""
    from search_space.keras_builder import build_keras_model

    model = build_keras_model(spec, seed=seed)
    rep = representative_dataset or random_representative_dataset(spec.input_shape, seed=seed)
    return convert_keras_to_int8(model, rep)
