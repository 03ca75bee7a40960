"""The grid of single-op (or few-op) Keras models the engine is checked against TFLM on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OpCase:
    name: str
    expect_op: str  # the op the converted model must contain
    input_shapes: tuple[tuple[int, ...], ...]
    layers: str  # which builder
    kw: tuple[tuple[str, Any], ...] = ()
    float_io: bool = False

    def kwargs(self) -> dict[str, Any]:
        return dict(self.kw)


def _k(**kw: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(kw.items()))


CASES: list[OpCase] = [
    # CONV_2D: kernel, stride, dilation, padding, activation, bias, pointwise
    OpCase("conv3x3_same_relu", "CONV_2D", ((9, 8, 3),), "conv", _k(f=8, k=(3, 3), s=1, d=1, pad="same", act="relu")),
    OpCase("conv3x3_valid_s2", "CONV_2D", ((11, 10, 4),), "conv", _k(f=6, k=(3, 3), s=2, d=1, pad="valid", act=None)),
    OpCase("conv5x3_same_s2_relu6", "CONV_2D", ((12, 9, 2),), "conv", _k(f=5, k=(5, 3), s=2, d=1, pad="same", act="relu6")),
    OpCase("conv3x3_dil2", "CONV_2D", ((10, 10, 3),), "conv", _k(f=4, k=(3, 3), s=1, d=2, pad="same", act="relu")),
    OpCase("conv1x1_pointwise", "CONV_2D", ((6, 5, 16),), "conv", _k(f=12, k=(1, 1), s=1, d=1, pad="valid", act="relu")),
    OpCase("conv1x1_s2_nobias", "CONV_2D", ((7, 7, 8),), "conv", _k(f=7, k=(1, 1), s=2, d=1, pad="same", act=None, bias=False)),
    OpCase("conv10x4_kws_like", "CONV_2D", ((25, 10, 1),), "conv", _k(f=16, k=(10, 4), s=2, d=1, pad="same", act="relu")),
    # DEPTHWISE_CONV_2D
    OpCase("dw3x3_same_relu", "DEPTHWISE_CONV_2D", ((8, 8, 6),), "dw", _k(dm=1, k=(3, 3), s=1, d=1, pad="same", act="relu")),
    OpCase("dw3x3_s2_valid", "DEPTHWISE_CONV_2D", ((9, 11, 5),), "dw", _k(dm=1, k=(3, 3), s=2, d=1, pad="valid", act=None)),
    OpCase("dw_mult2", "DEPTHWISE_CONV_2D", ((7, 6, 3),), "dw", _k(dm=2, k=(3, 3), s=1, d=1, pad="same", act="relu6")),
    OpCase("dw5x5_dil2", "DEPTHWISE_CONV_2D", ((12, 12, 4),), "dw", _k(dm=1, k=(5, 5), s=1, d=2, pad="same", act="relu")),
    OpCase("dw3x3_s2_same_odd", "DEPTHWISE_CONV_2D", ((10, 7, 8),), "dw", _k(dm=1, k=(3, 3), s=2, d=1, pad="same", act="relu")),
    # enough channel groups that the DSP kernel fills each group's padded rows once for the op
    OpCase("dw3x3_s2_many_channels", "DEPTHWISE_CONV_2D", ((9, 5, 18),), "dw", _k(dm=1, k=(3, 3), s=2, d=1, pad="same", act="relu")),
    OpCase("dw3x3_dil2_many_channels", "DEPTHWISE_CONV_2D", ((6, 6, 16),), "dw", _k(dm=1, k=(3, 3), s=1, d=2, pad="same", act="relu6")),
    # FULLY_CONNECTED
    OpCase("fc_relu", "FULLY_CONNECTED", ((40,),), "dense", _k(units=24, act="relu", bias=True)),
    OpCase("fc_nobias", "FULLY_CONNECTED", ((33,),), "dense", _k(units=7, act=None, bias=False)),
    OpCase("fc_3d_input", "FULLY_CONNECTED", ((5, 12),), "dense", _k(units=9, act="relu6", bias=True)),
    # pooling
    OpCase("avgpool2_valid", "AVERAGE_POOL_2D", ((8, 8, 4),), "avgpool", _k(p=(2, 2), s=2, pad="valid")),
    OpCase("avgpool3_same_s2", "AVERAGE_POOL_2D", ((9, 7, 3),), "avgpool", _k(p=(3, 3), s=2, pad="same")),
    OpCase("avgpool_global_like", "AVERAGE_POOL_2D", ((5, 4, 6),), "avgpool", _k(p=(5, 4), s=1, pad="valid")),
    OpCase("maxpool2_valid", "MAX_POOL_2D", ((8, 6, 4),), "maxpool", _k(p=(2, 2), s=2, pad="valid")),
    OpCase("maxpool3_same_s1", "MAX_POOL_2D", ((7, 7, 3),), "maxpool", _k(p=(3, 3), s=1, pad="same")),
    # element-wise
    OpCase("add_same", "ADD", ((6, 5, 4),), "add", _k(broadcast=False)),
    OpCase("add_broadcast_relu", "ADD", ((6, 5, 4),), "add", _k(broadcast=True)),
    OpCase("add_residual", "ADD", ((5, 5, 6),), "add", _k(broadcast=False, residual=True)),
    OpCase("mul_same", "MUL", ((4, 5, 3),), "mul", _k(broadcast=False)),
    OpCase("mul_broadcast_channels", "MUL", ((4, 5, 3),), "mul", _k(broadcast=True)),
    OpCase("mean_global", "MEAN", ((6, 5, 8),), "gap", _k(keepdims=False)),
    OpCase("mean_keepdims", "MEAN", ((4, 7, 5),), "gap", _k(keepdims=True)),
    OpCase("pad_zero", "PAD", ((5, 4, 3),), "pad", _k(p=((1, 2), (0, 1)))),
    OpCase("reshape_flatten", "RESHAPE", ((4, 3, 5),), "reshape", _k()),
    OpCase("concat_channels", "CONCATENATION", ((5, 4, 3),), "concat", _k()),
    OpCase("softmax", "SOFTMAX", ((20,),), "softmax", _k(units=10)),
    OpCase("softmax_wide", "SOFTMAX", ((16,),), "softmax", _k(units=100)),
    OpCase("logistic", "LOGISTIC", ((30,),), "sigmoid", _k(units=30)),
    OpCase("relu_standalone", "RELU", ((6, 5, 4),), "relu", _k(kind="relu")),
    OpCase("relu6_standalone", "RELU6", ((6, 5, 4),), "relu", _k(kind="relu6")),
    # float32 model I/O: QUANTIZE at the input, DEQUANTIZE at the output
    OpCase("float_io_conv", "QUANTIZE", ((6, 6, 2),), "conv", _k(f=4, k=(3, 3), s=1, d=1, pad="same", act="relu"),
           float_io=True),
    OpCase("float_io_dense", "DEQUANTIZE", ((12,),), "dense", _k(units=5, act=None, bias=True), float_io=True),
]


def build(case: OpCase):
    """The Keras model for a case."""
    import tensorflow as tf

    L = tf.keras.layers
    kw = case.kwargs()
    inputs = [tf.keras.Input(shape=s, batch_size=1) for s in case.input_shapes]
    x = inputs[0]
    if case.layers == "conv":
        y = L.Conv2D(kw["f"], kw["k"], strides=kw["s"], dilation_rate=kw["d"], padding=kw["pad"],
                     activation=kw["act"], use_bias=kw.get("bias", True),
                     bias_initializer="random_normal")(x)
    elif case.layers == "dw":
        y = L.DepthwiseConv2D(kw["k"], strides=kw["s"], dilation_rate=kw["d"], padding=kw["pad"],
                              depth_multiplier=kw["dm"], activation=kw["act"], bias_initializer="random_normal")(x)
    elif case.layers == "dense":
        y = L.Dense(kw["units"], activation=kw["act"], use_bias=kw["bias"], bias_initializer="random_normal")(x)
    elif case.layers == "avgpool":
        y = L.AveragePooling2D(kw["p"], strides=kw["s"], padding=kw["pad"])(x)
    elif case.layers == "maxpool":
        y = L.MaxPooling2D(kw["p"], strides=kw["s"], padding=kw["pad"])(x)
    elif case.layers == "add":
        a = L.Conv2D(x.shape[-1], (1, 1))(x)
        if kw["broadcast"]:
            b = L.GlobalAveragePooling2D(keepdims=True)(x)  # [1, 1, 1, C] broadcast over H, W
            y = L.ReLU()(L.Add()([a, b]))
        elif kw.get("residual"):
            y = L.Add()([x, a])
        else:
            y = L.Add()([a, L.Conv2D(x.shape[-1], (3, 3), padding="same")(x)])
    elif case.layers == "mul":
        a = L.Conv2D(x.shape[-1], (1, 1))(x)
        b = L.Conv2D(1 if kw["broadcast"] else x.shape[-1], (1, 1))(x)
        y = L.Multiply()([a, b])
    elif case.layers == "gap":
        y = L.GlobalAveragePooling2D(keepdims=kw["keepdims"])(x)
    elif case.layers == "pad":
        y = L.ZeroPadding2D(kw["p"])(x)
    elif case.layers == "reshape":
        y = L.Dense(6)(L.Flatten()(x))
    elif case.layers == "concat":
        a = L.Conv2D(4, (1, 1), activation="relu")(x)
        b = L.Conv2D(3, (3, 3), padding="same")(x)
        y = L.Concatenate(axis=-1)([a, b])
    elif case.layers == "softmax":
        y = L.Softmax()(L.Dense(kw["units"])(x))
    elif case.layers == "sigmoid":
        y = L.Activation("sigmoid")(L.Dense(kw["units"])(x))
    elif case.layers == "relu":
        y = L.ReLU(max_value=6.0)(x) if kw["kind"] == "relu6" else L.ReLU()(x)
        y = L.Conv2D(3, (1, 1))(y)
    else:
        raise ValueError(case.layers)
    return tf.keras.Model(inputs=inputs, outputs=y)
