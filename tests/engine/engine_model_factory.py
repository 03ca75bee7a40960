"""Small Keras models converted to int8 .tflite with TensorFlow's TFLiteConverter, for op tests.

Each model is described by a name and a builder; converted bytes are cached on disk (keyed by the
spec and the TensorFlow version) so repeated test runs skip the slow conversion.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from harness.paths import cache_dir

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

Builder = Callable[[], object]  # returns a keras.Model


def _cache_path(key: str) -> Path:
    import tensorflow as tf

    digest = hashlib.sha256(f"{key}|tf{tf.__version__}|v1".encode()).hexdigest()[:20]
    d = cache_dir() / "engine-test-models"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{digest}.tflite"


def convert_int8(key: str, build: Builder, input_shapes: list[tuple[int, ...]], *, float_io: bool = False,
                 seed: int = 0) -> bytes:
    """Build with `build()` and convert to a full-integer model (int8 or float32 model I/O)."""
    path = _cache_path(f"{key}|{input_shapes}|{float_io}|{seed}")
    if path.exists():
        return path.read_bytes()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = build()
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(16):
            yield [rng.normal(0.0, 1.0, size=(1, *s)).astype(np.float32) for s in input_shapes]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    data = conv.convert()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data
