"""A derived DS-CNN architecture as a trainable TensorFlow function on one flat parameter vector,
and its export to a Keras model for int8 conversion.

Parameters (float32 arrays, in this order): stem conv (kernel HWIO, bias); per DS block depthwise
(kernel HWC1, bias) and pointwise (kernel 11IO, bias); head dense (kernel IO, bias). Biases stand
where the deployed graph has them (batch norm would be folded into them anyway), so the Keras
model converts to exactly the op graph of :func:`search_space.graph.lower_spec`.

:class:`SubnetFlatModel` implements ``federated.models.FlatModel`` (``n_params``, ``init_params``,
``logits``, ``loss_and_grad`` on a flat float64 vector), so the federated algorithms train it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from search_space.spec import ArchSpec, AvgPool, Conv2D, DSBlock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

__all__ = ["param_shapes", "SubnetFlatModel", "init_weights", "flatten", "unflatten", "to_keras",
           "train_central", "accuracy"]


def _act(kind: str, x: tf.Tensor) -> tf.Tensor:
    if kind == "relu":
        return tf.nn.relu(x)
    if kind == "relu6":
        return tf.nn.relu6(x)
    return x


def param_shapes(spec: ArchSpec) -> list[tuple[int, ...]]:
    c = spec.input_shape[2]
    shapes: list[tuple[int, ...]] = []
    for i, layer in enumerate(spec.layers):
        if isinstance(layer, Conv2D):
            shapes += [(*layer.kernel, c, layer.filters), (layer.filters,)]
            c = layer.filters
        elif isinstance(layer, DSBlock):
            if tuple(layer.kernel) != (3, 3):
                raise ValueError(f"layers[{i}].kernel: DNAS subnets use 3x3 depthwise kernels, got {layer.kernel}")
            shapes += [(3, 3, c, 1), (c,), (1, 1, c, layer.filters), (layer.filters,)]
            c = layer.filters
        elif not isinstance(layer, AvgPool):
            raise ValueError(f"layers[{i}].type: DNAS subnets are DS-CNNs (conv2d, ds, avgpool), got {type(layer).__name__}")
    shapes += [(c, spec.num_classes), (spec.num_classes,)]
    return shapes


def init_weights(spec: ArchSpec, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for shape in param_shapes(spec):
        if len(shape) == 1:
            out.append(np.zeros(shape, np.float32))
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) == 4 and shape[3] != 1 else int(np.prod(shape[:2]))
            if len(shape) == 2:
                fan_in = shape[0]
            out.append(rng.normal(0, np.sqrt(2.0 / max(fan_in, 1)), shape).astype(np.float32))
    return out


def flatten(weights: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(w, np.float64).ravel() for w in weights])


def unflatten(spec: ArchSpec, flat: np.ndarray) -> list[np.ndarray]:
    out, offset = [], 0
    for shape in param_shapes(spec):
        n = int(np.prod(shape))
        out.append(np.asarray(flat[offset:offset + n], np.float32).reshape(shape))
        offset += n
    if offset != len(flat):
        raise ValueError(f"{spec.name or spec.content_hash}: {len(flat)} parameters given, the spec has {offset}")
    return out


def forward(spec: ArchSpec, weights: Sequence[tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Logits of ``spec`` with ``weights`` on a batch ``x`` (N, H, W, C)."""
    it = iter(weights)
    h = x
    for layer in spec.layers:
        if isinstance(layer, Conv2D):
            w, b = next(it), next(it)
            h = _act(layer.activation, tf.nn.conv2d(h, w, list(layer.stride), layer.padding.upper()) + b)
        elif isinstance(layer, DSBlock):
            dw, dwb, pw, pwb = next(it), next(it), next(it), next(it)
            s = layer.stride
            h = _act(layer.activation, tf.nn.depthwise_conv2d(h, dw, [1, s[0], s[1], 1], layer.padding.upper()) + dwb)
            h = _act(layer.activation, tf.nn.conv2d(h, pw, 1, "SAME") + pwb)
        elif isinstance(layer, AvgPool):
            h = tf.nn.avg_pool2d(h, list(layer.pool), list(layer.stride), layer.padding.upper())
    fc_w, fc_b = next(it), next(it)
    return tf.matmul(tf.reduce_mean(h, axis=[1, 2]), fc_w) + fc_b


class SubnetFlatModel:
    """``federated.models.FlatModel`` for a DS-CNN spec (float64 flat vector outside, float32 inside)."""

    def __init__(self, spec: ArchSpec, initial: Sequence[np.ndarray] | None = None, seed: int = 0):
        self.spec = spec
        self.shapes = param_shapes(spec)
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.n_params = int(sum(self.sizes))
        self.initial = flatten(initial) if initial is not None else None
        self.seed = seed
        if self.initial is not None and len(self.initial) != self.n_params:
            raise ValueError(f"initial weights: {len(self.initial)} parameters, the spec has {self.n_params}")

        def split(flat: tf.Tensor) -> list[tf.Tensor]:
            parts = tf.split(flat, self.sizes)
            return [tf.reshape(p, s) for p, s in zip(parts, self.shapes, strict=True)]

        @tf.function(reduce_retracing=True)
        def _logits(flat: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
            return forward(spec, split(flat), x)

        @tf.function(reduce_retracing=True)
        def _loss_grad(flat: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            with tf.GradientTape() as tape:
                tape.watch(flat)
                logits = forward(spec, split(flat), x)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            return loss, tape.gradient(loss, flat)

        self._logits = _logits
        self._loss_grad = _loss_grad

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        if self.initial is not None:
            return self.initial.copy()
        return flatten(init_weights(self.spec, rng))

    def logits(self, params: np.ndarray, x: np.ndarray) -> np.ndarray:
        out = [self._logits(tf.constant(params, tf.float32), tf.constant(x[i:i + 1024], tf.float32)).numpy()
               for i in range(0, len(x), 1024)]
        return np.concatenate(out).astype(np.float64)

    def loss_and_grad(self, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = self._loss_grad(tf.constant(params, tf.float32), tf.constant(x, tf.float32),
                                     tf.constant(y, tf.int64))
        return float(loss), grad.numpy().astype(np.float64)


def train_central(spec: ArchSpec, weights: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray, *, epochs: int,
                  batch_size: int = 64, learning_rate: float = 1e-3, seed: int = 0,
                  progress: Any = None) -> list[np.ndarray]:
    """Plain (float) fine-tuning with Adam; returns the new weights."""
    variables = [tf.Variable(w) for w in weights]
    opt = tf.keras.optimizers.Adam(learning_rate)

    @tf.function(reduce_retracing=True)
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, forward(spec, variables, xb)))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    rng = np.random.default_rng([seed, 0xF1])
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            step(tf.constant(x[idx]), tf.constant(y[idx]))
        if progress is not None:
            progress(epoch)
    return [v.numpy() for v in variables]


def accuracy(spec: ArchSpec, weights: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    tw = [tf.constant(w) for w in weights]
    correct = 0
    for i in range(0, len(y), 1024):
        logits = forward(spec, tw, tf.constant(x[i:i + 1024], tf.float32)).numpy()
        correct += int(np.sum(np.argmax(logits, axis=1) == y[i:i + 1024]))
    return correct / max(len(y), 1)


def to_keras(spec: ArchSpec, weights: Sequence[np.ndarray]) -> Any:
    """A batch-1 Keras model with these weights whose int8 conversion is ``lower_spec(spec)``."""
    keras = tf.keras
    act = {"relu": "relu", "relu6": tf.nn.relu6, "none": None}
    inputs = keras.Input(shape=spec.input_shape, batch_size=1, name="input")
    x = inputs
    layers_with_weights = []
    for i, layer in enumerate(spec.layers):
        if isinstance(layer, Conv2D):
            lay = keras.layers.Conv2D(layer.filters, layer.kernel, strides=layer.stride, padding=layer.padding,
                                      activation=act[layer.activation], name=f"l{i}_conv")
            x = lay(x)
            layers_with_weights.append(lay)
        elif isinstance(layer, DSBlock):
            dw = keras.layers.DepthwiseConv2D(layer.kernel, strides=layer.stride, padding=layer.padding,
                                              activation=act[layer.activation], name=f"l{i}_dw")
            pw = keras.layers.Conv2D(layer.filters, 1, activation=act[layer.activation], name=f"l{i}_pw")
            x = pw(dw(x))
            layers_with_weights += [dw, pw]
        elif isinstance(layer, AvgPool):
            x = keras.layers.AveragePooling2D(layer.pool, strides=layer.stride, padding=layer.padding,
                                              name=f"l{i}_pool")(x)
    h, w = int(x.shape[1]), int(x.shape[2])
    x = keras.layers.AveragePooling2D((h, w), name="head_pool")(x)
    x = keras.layers.Flatten(name="head_flatten")(x)
    fc = keras.layers.Dense(spec.num_classes, name="head_fc")
    x = fc(x)
    layers_with_weights.append(fc)
    outputs = keras.layers.Softmax(name="head_softmax")(x)
    model = keras.Model(inputs, outputs, name="dnas_subnet")
    it = iter(weights)
    for lay in layers_with_weights:
        kernel, bias = next(it), next(it)
        # The converter drops an all-zero bias, which would change the op graph: nudge exact zeros.
        bias = np.where(bias == 0, np.float32(1e-6), bias).astype(np.float32)
        lay.set_weights([kernel, bias])
    return model
