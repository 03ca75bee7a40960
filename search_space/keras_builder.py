"""Build a Keras model (Keras 3 through ``tensorflow.keras``) from a spec.

Layers follow the spec one to one: conv / depthwise without bias, then BatchNormalization, then
ReLU / ReLU6 (absent for 'none'); a DS block is depthwise + pointwise; an inverted bottleneck adds
its input back when the stride is 1 and the widths match; the head is AveragePooling2D over the
whole map, Flatten, Dense and Softmax. TensorFlow's converter folds the batch norms and fuses the
activations, which gives exactly the op graph of :func:`search_space.graph.lower_spec`.
"""

from __future__ import annotations

import os
from typing import Any

from search_space.spec import ArchSpec, AvgPool, Conv2D, DSBlock, InvertedBottleneck

__all__ = ["build_keras_model"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _activation(keras: Any, x: Any, kind: str, name: str) -> Any:
    if kind == "relu":
        return keras.layers.ReLU(name=name)(x)
    if kind == "relu6":
        return keras.layers.ReLU(max_value=6.0, name=name)(x)
    return x


def build_keras_model(spec: ArchSpec, *, seed: int | None = None) -> Any:
    """A float Keras model of ``spec`` (uncompiled); ``seed`` fixes the initial weights."""
    spec.validate()
    import tensorflow as tf

    keras = tf.keras
    if seed is not None:
        keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=spec.input_shape, batch_size=1, name="input")
    x = inputs

    def conv_bn(x: Any, filters: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str, act: str, name: str) -> Any:
        x = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False, name=f"{name}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
        return _activation(keras, x, act, f"{name}_act")

    def dw_bn(x: Any, kernel: tuple[int, int], stride: tuple[int, int], padding: str, act: str, name: str) -> Any:
        x = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding=padding, use_bias=False, name=f"{name}_dw")(x)
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
        return _activation(keras, x, act, f"{name}_act")

    for i, layer in enumerate(spec.layers):
        name = f"l{i}"
        if isinstance(layer, Conv2D):
            x = conv_bn(x, layer.filters, layer.kernel, layer.stride, layer.padding, layer.activation, name)
        elif isinstance(layer, DSBlock):
            x = dw_bn(x, layer.kernel, layer.stride, layer.padding, layer.activation, f"{name}_dw")
            x = conv_bn(x, layer.filters, (1, 1), (1, 1), "same", layer.activation, f"{name}_pw")
        elif isinstance(layer, InvertedBottleneck):
            block_in = x
            in_shape = tuple(block_in.shape[1:])
            if layer.expansion_filters:
                x = conv_bn(x, layer.expansion_filters, (1, 1), (1, 1), "same", layer.activation, f"{name}_expand")
            x = dw_bn(x, layer.kernel, layer.stride, layer.padding, layer.activation, f"{name}_dw")
            x = conv_bn(x, layer.filters, (1, 1), (1, 1), "same", "none", f"{name}_project")
            if tuple(x.shape[1:]) == in_shape:
                x = keras.layers.Add(name=f"{name}_add")([block_in, x])
        elif isinstance(layer, AvgPool):
            x = keras.layers.AveragePooling2D(layer.pool, strides=layer.stride, padding=layer.padding, name=f"{name}_pool")(x)
    h, w = int(x.shape[1]), int(x.shape[2])
    if (h, w) != tuple(spec.validate()[-1][:2]):
        raise RuntimeError(f"Keras gives a {h}x{w} feature map where the spec gives {spec.validate()[-1][:2]}")
    x = keras.layers.AveragePooling2D((h, w), name="head_pool")(x)
    x = keras.layers.Flatten(name="head_flatten")(x)
    # A non-zero initial bias: the converter drops an all-zero FC bias, which would change the graph.
    bias_init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
    x = keras.layers.Dense(spec.num_classes, bias_initializer=bias_init, name="head_fc")(x)
    outputs = keras.layers.Softmax(name="head_softmax")(x)
    return keras.Model(inputs, outputs, name=(spec.name or spec.content_hash).replace(" ", "_"))
