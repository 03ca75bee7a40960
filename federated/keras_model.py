"""Keras/TensorFlow models in the federated loop, and their int8 .tflite export.

``KerasFlatModel`` wraps any Keras model given as a builder function (e.g. one built from a
search_space spec) behind the same flat-parameter interface as the NumPy models, so every algorithm
and backend runs unchanged.  Only trainable weights are federated; non-trainable ones (batch norm
moving statistics) are not exchanged: in process they are shared by all devices of the one Keras
object, on Flower each client keeps its own.  The model must output logits, or probabilities with
``outputs_probabilities=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from harness.atomic_io import write_bytes_atomic


class KerasFlatModel:
    def __init__(
        self,
        builder: Callable[[], object],
        *,
        outputs_probabilities: bool = False,
        input_shape: tuple[int, ...] | None = None,
    ) -> None:
        import tensorflow as tf

        self._tf = tf
        self.input_shape = tuple(input_shape) if input_shape else None
        self.builder = builder
        self.model = builder()
        self.outputs_probabilities = outputs_probabilities
        self._vars = list(self.model.trainable_variables)
        if not self._vars:
            raise ValueError("Keras model has no trainable weights")
        self._shapes = [tuple(v.shape) for v in self._vars]
        self._sizes = [int(np.prod(s)) for s in self._shapes]
        self.n_params = int(sum(self._sizes))
        self._grad_fn = tf.function(self._loss_and_grad, reduce_retracing=True)

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        import keras

        keras.utils.set_random_seed(int(rng.integers(2**31 - 1)))
        fresh = self.builder()
        return np.concatenate([np.asarray(v.numpy(), np.float64).ravel() for v in fresh.trainable_variables])

    def _assign(self, params: np.ndarray) -> None:
        offset = 0
        for var, shape, size in zip(self._vars, self._shapes, self._sizes, strict=True):
            var.assign(params[offset : offset + size].reshape(shape).astype(str(var.dtype)))
            offset += size

    def _logits_tensor(self, x, training: bool):
        out = self.model(x, training=training)
        if self.outputs_probabilities:
            out = self._tf.math.log(self._tf.clip_by_value(out, 1e-12, 1.0))
        return out

    def _loss_and_grad(self, x, y):
        tf = self._tf
        with tf.GradientTape() as tape:
            logits = self._logits_tensor(x, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, self._vars)
        return loss, tf.concat([tf.reshape(g, [-1]) for g in grads], axis=0)

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        return x.reshape((len(x), *self.input_shape)) if self.input_shape else x

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        self._assign(params)
        return np.asarray(self._logits_tensor(self._inputs(x), training=False), dtype=np.float64)

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        self._assign(params)
        loss, grad = self._grad_fn(self._inputs(x), np.asarray(y, np.int32))
        return float(loss), np.asarray(grad, dtype=np.float64)

    def keras_model(self, params: np.ndarray):
        """The wrapped Keras model holding ``params``."""
        self._assign(params)
        return self.model


def keras_equivalent(model) -> KerasFlatModel:
    """A Keras twin of a NumPy ``LogisticRegression`` or ``MLP``: Dense layers whose (kernel, bias)
    order and shapes match the NumPy flat layout, so the same parameter vector applies."""
    import keras

    from federated.models import MLP, LogisticRegression

    if isinstance(model, LogisticRegression):
        sizes = (model.n_features, model.n_classes)
    elif isinstance(model, MLP):
        sizes = tuple(model.layer_sizes)
    elif isinstance(model, KerasFlatModel):
        return model
    else:
        raise ValueError(f"no Keras equivalent for model type {type(model).__name__}")

    def build():
        layers = [keras.Input((sizes[0],))]
        for i, width in enumerate(sizes[1:]):
            layers.append(keras.layers.Dense(width, activation="relu" if i < len(sizes) - 2 else None))
        return keras.Sequential(layers)

    return KerasFlatModel(build)


def export_int8_tflite(
    model: KerasFlatModel, params: np.ndarray, representative_x: np.ndarray, path: str | Path, *, samples: int = 200
) -> Path:
    """Full-integer (int8 in, int8 out) .tflite of the trained model, calibrated on
    ``representative_x``; written atomically."""
    import tensorflow as tf

    keras_model = model.keras_model(params)
    rep = model._inputs(np.asarray(representative_x[:samples], np.float32))
    if len(rep) == 0:
        raise ValueError("int8 export needs at least one representative sample")

    def representative():
        for row in rep:
            yield [row[None, ...]]

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    blob = converter.convert()
    return write_bytes_atomic(path, blob)


def int8_tflite_accuracy(path: str | Path, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of an int8 .tflite on (x, y), quantising inputs with the model's own parameters."""
    import warnings

    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # deprecation notice of tf.lite.Interpreter
        interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    correct = 0
    for row, label in zip(np.asarray(x, np.float32), y, strict=True):
        q = np.clip(np.round(row / scale + zero), -128, 127).astype(np.int8)
        interpreter.set_tensor(inp["index"], q[None, ...])
        interpreter.invoke()
        correct += int(np.argmax(interpreter.get_tensor(out["index"])[0]) == label)
    return correct / len(y)
