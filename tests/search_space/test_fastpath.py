"""Fast-path .tflite: same graph as the spec, counts agree, runs in TFLM and TFLite."""

from __future__ import annotations

import numpy as np
import pytest

from harness.engine.tflite_model import read_tflite
from search_space.counting import count_spec, count_tflite
from search_space.fastpath import LayerWeights, spec_to_tflite, write_tflite
from search_space.fixed import FIXED_SPECS, fixed_spec
from search_space.graph import graph_from_tflite, lower_spec
from search_space.sampling import sample_specs
from search_space.spaces import get_space, list_spaces


@pytest.mark.parametrize("space_name", [s.name for s in list_spaces()])
def test_spec_and_tflite_counts_agree_on_100_samples(space_name: str, graph_sig, counts_sig) -> None:
    specs = sample_specs(get_space(space_name), 100, seed=11)
    assert len({s.content_hash for s in specs}) > 90
    for spec in specs:
        data = spec_to_tflite(spec, seed=3)
        assert graph_sig(graph_from_tflite(data)) == graph_sig(lower_spec(spec)), spec.name
        assert counts_sig(count_tflite(data)) == counts_sig(count_spec(spec)), spec.name


@pytest.mark.parametrize("name", sorted(FIXED_SPECS))
def test_fixed_specs_agree_too(name: str, counts_sig) -> None:
    spec = FIXED_SPECS[name]
    assert counts_sig(count_tflite(spec_to_tflite(spec))) == counts_sig(count_spec(spec))


def _run_tflm(data: bytes, x: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data, arena_size=4 * 1024 * 1024)
    interp.set_input(x, 0)
    interp.invoke()
    return np.array(interp.get_output(0))


def _run_tflite(data: bytes, x: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    interp = tf.lite.Interpreter(
        model_content=data, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF
    )
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def _specs_to_run() -> list:
    out = [fixed_spec("kws-s"), fixed_spec("ad-s"), fixed_spec("dscnn-s")]
    for name in ("kws", "vww50", "vww160", "ad"):
        out += sample_specs(get_space(name), 2, seed=5)
    return out


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
@pytest.mark.parametrize("spec", _specs_to_run(), ids=lambda s: s.name)
def test_fast_path_runs_in_tflm_and_tflite_with_identical_outputs(spec) -> None:
    data = spec_to_tflite(spec, seed=2)
    x = np.random.default_rng(0).integers(-128, 128, size=(1, *spec.input_shape), dtype=np.int8)
    y_micro = _run_tflm(data, x)
    y_lite = _run_tflite(data, x)
    assert y_micro.dtype == np.int8 and y_micro.shape == (1, spec.num_classes)
    np.testing.assert_array_equal(y_micro, y_lite)
    # plausible quantisation: the softmax output is a distribution, not one saturated class
    probs = (y_micro.astype(np.float64) + 128) / 256
    assert 0.9 < probs.sum() < 1.1
    assert probs.max() < 0.99


def test_quantisation_layout_matches_the_converter_conventions() -> None:
    spec = sample_specs(get_space("vww50"), 1, seed=1)[0]
    model = read_tflite(spec_to_tflite(spec))
    assert model.tensors[model.inputs[0]].dtype == "int8"
    out = model.tensors[model.outputs[0]]
    assert out.dtype == "int8" and out.quant.scales == (1 / 256,) and out.quant.zero_points == (-128,)
    seen = set()
    for op in model.operators:
        if op.op_name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            x, w, b = (model.tensors[i] for i in op.inputs)
            out_c = w.shape[3] if op.op_name == "DEPTHWISE_CONV_2D" else w.shape[0]
            assert w.dtype == "int8" and b.dtype == "int32" and b.shape == (out_c,)
            assert set(w.quant.zero_points) == {0} and int(np.abs(w.data).max()) == 127
            if op.op_name == "FULLY_CONNECTED":
                assert len(w.quant.scales) == 1
            else:
                assert len(w.quant.scales) == out_c
                assert w.quant.quantized_dimension == (3 if op.op_name == "DEPTHWISE_CONV_2D" else 0)
            np.testing.assert_allclose(b.quant.scales, np.asarray(w.quant.scales) * x.quant.scales[0], rtol=1e-6)
            seen.add((op.op_name, op.options["fused_activation_function"]))
        if op.op_name == "AVERAGE_POOL_2D":
            assert model.tensors[op.inputs[0]].quant == model.tensors[op.outputs[0]].quant
    # ReLU6 fused into expansion/depthwise convs (3), projections linear (0)
    assert {("CONV_2D", 3), ("CONV_2D", 0), ("DEPTHWISE_CONV_2D", 3), ("FULLY_CONNECTED", 0)} <= seen


def test_seeded_weights_are_reproducible() -> None:
    spec = fixed_spec("kws-s")
    assert spec_to_tflite(spec, seed=4) == spec_to_tflite(spec, seed=4)
    assert spec_to_tflite(spec, seed=4) != spec_to_tflite(spec, seed=5)


def test_given_weights_are_quantised_per_channel() -> None:
    spec = fixed_spec("dscnn-s")
    rng = np.random.default_rng(0)
    graph = lower_spec(spec)
    weights = {
        op.name: LayerWeights(
            rng.normal(0, 0.1, op.filter_shape).astype(np.float32),
            rng.normal(0, 0.01, op.filter_shape[3] if op.op == "DEPTHWISE_CONV_2D" else op.filter_shape[0]),
        )
        for op in graph.ops
        if op.filter_shape
    }
    model = read_tflite(spec_to_tflite(spec, weights=weights, input_scale=0.5, input_zero_point=10))
    stem = model.operators[0]
    w = model.tensors[stem.inputs[1]]
    real = weights["layers[0]"].filter
    dequant = w.data.astype(np.float64) * np.asarray(w.quant.scales)[:, None, None, None]
    np.testing.assert_allclose(dequant, real, atol=float(np.max(w.quant.scales)) / 2 + 1e-7)
    assert model.tensors[model.inputs[0]].quant.scales == (0.5,)
    bad = dict(weights)
    bad["layers[0]"] = LayerWeights(np.zeros((3, 3)), np.zeros(64))
    with pytest.raises(ValueError, match=r"weights\['layers\[0\]'\]\.filter: expected shape \[64, 10, 4, 1\]"):
        spec_to_tflite(spec, weights=bad)


def test_write_tflite_is_atomic(tmp_path) -> None:
    path = write_tflite(spec_to_tflite(fixed_spec("dscnn-s")), tmp_path / "sub" / "m.tflite")
    assert path.read_bytes()[4:8] == b"TFL3"
    assert [p.name for p in path.parent.iterdir()] == ["m.tflite"]
