"""The TensorFlow path: Keras model -> TFLiteConverter int8 gives the fast path's graph and counts."""

from __future__ import annotations

import numpy as np
import pytest

from harness.engine.tflite_model import read_tflite
from search_space.counting import count_spec, count_tflite
from search_space.fastpath import spec_to_tflite
from search_space.fixed import fixed_spec
from search_space.graph import graph_from_tflite, lower_spec
from search_space.sampling import sample_specs
from search_space.spaces import get_space

pytestmark = pytest.mark.filterwarnings("ignore:Statistics for quantized inputs:UserWarning")


def _specs() -> list:
    return [
        fixed_spec("ad-s"),
        sample_specs(get_space("kws"), 1, seed=21)[0],
        sample_specs(get_space("vww50"), 1, seed=21)[0],
    ]


@pytest.fixture(scope="module")
def converted() -> list:
    from search_space.tf_convert import spec_to_tflite_via_tf

    return [(spec, spec_to_tflite_via_tf(spec, seed=1)) for spec in _specs()]


def test_converter_graph_equals_spec_and_fast_path(converted, graph_sig, counts_sig) -> None:
    for spec, tf_bytes in converted:
        fast = spec_to_tflite(spec, seed=1)
        assert graph_sig(graph_from_tflite(tf_bytes)) == graph_sig(lower_spec(spec)) == graph_sig(graph_from_tflite(fast))
        assert counts_sig(count_tflite(tf_bytes)) == counts_sig(count_spec(spec)), spec.name


def test_converter_quantisation_layout_equals_fast_path(converted) -> None:
    def layout(data: bytes) -> list[tuple]:
        model = read_tflite(data)
        rows = []
        for op in model.operators:
            ins = [model.tensors[i] for i in op.inputs if i >= 0]
            rows.append(
                (
                    op.op_name,
                    op.version,
                    tuple((t.dtype, t.shape, len(t.quant.scales) if t.quant else 0, t.quant.quantized_dimension if t.quant else 0) for t in ins),
                    model.tensors[op.outputs[0]].dtype,
                    op.options.get("fused_activation_function"),
                    op.options.get("padding"),
                )
            )
        return rows

    for spec, tf_bytes in converted:
        assert layout(tf_bytes) == layout(spec_to_tflite(spec)), spec.name


def test_converted_model_runs_in_tflm(converted) -> None:
    from tflite_micro.python.tflite_micro import runtime

    for spec, tf_bytes in converted:
        interp = runtime.Interpreter.from_bytes(tf_bytes, arena_size=4 * 1024 * 1024)
        x = np.random.default_rng(1).integers(-128, 128, size=(1, *spec.input_shape), dtype=np.int8)
        interp.set_input(x, 0)
        interp.invoke()
        y = interp.get_output(0)
        assert y.shape == (1, spec.num_classes) and y.dtype == np.int8


def test_engine_plans_converter_files_like_fast_path_files(converted) -> None:
    compiler = pytest.importorskip("harness.engine.compiler", reason="engine compiler not in this tree")
    for spec, tf_bytes in converted:
        from_tf = compiler.compile_model(tf_bytes)
        from_fast = compiler.compile_model(spec_to_tflite(spec, seed=1))
        assert from_tf.arena_bytes == from_fast.arena_bytes >= count_spec(spec).peak_sram_bytes
        assert [op.op_name for op in read_tflite(tf_bytes).operators] == [op.op for op in lower_spec(spec).ops]


def test_any_converter_file_is_counted_with_unknown_ops_listed() -> None:
    import tensorflow as tf

    from search_space.tf_convert import convert_keras_to_int8, random_representative_dataset

    keras = tf.keras
    keras.utils.set_random_seed(0)
    inp = keras.Input((12, 12, 2), batch_size=1)
    x = keras.layers.Conv2D(8, 3, padding="same")(inp)
    x = keras.layers.LeakyReLU(negative_slope=0.1)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(3)(x)
    data = convert_keras_to_int8(keras.Model(inp, out), random_representative_dataset((12, 12, 2)))
    counts = count_tflite(data)
    names = [op.op_name for op in read_tflite(data).operators]
    assert "LEAKY_RELU" in names and "MEAN" in names
    assert counts.uncounted_ops == ["LEAKY_RELU"]
    assert counts.macs == 12 * 12 * 8 * 9 * 2 + 8 * 3
    assert counts.element_ops == 12 * 12 * 8  # the MEAN reads every input element once
    assert counts.peak_sram_bytes == 2 * 12 * 12 * 8  # LEAKY_RELU: 1152 in + 1152 out
    assert counts.peak_sram_op.startswith("LEAKY_RELU")
