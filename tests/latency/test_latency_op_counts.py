from __future__ import annotations

from pathlib import Path

import pytest

from harness.latency import counts_from
from harness.latency.op_counts import breakdown_from_layers, layer_type_of
from harness.paths import SHARED_MODELS_DIR


def test_layer_types_of_tflite_ops():
    assert layer_type_of("CONV_2D", kernel=(1, 1)) == "pointwise"
    assert layer_type_of("CONV_2D", kernel=(10, 4)) == "conv"
    assert layer_type_of("CONV_2D", name="layers[3].pw") == "pointwise"
    assert layer_type_of("CONV_2D", name="layers[0]") == "conv"
    assert layer_type_of("DEPTHWISE_CONV_2D") == "depthwise"
    assert layer_type_of("FULLY_CONNECTED") == "fully_connected"
    assert layer_type_of("AVERAGE_POOL_2D") == "pool_elementwise"
    assert layer_type_of("RESHAPE") is None


def test_breakdown_from_per_layer_rows():
    rows = [
        {"op": "CONV_2D", "name": "layers[0]", "macs": 1000, "element_ops": 0},
        {"op": "DEPTHWISE_CONV_2D", "name": "layers[1].dw", "macs": 100, "element_ops": 0},
        {"op": "CONV_2D", "name": "layers[1].pw", "macs": 400, "element_ops": 0},
        {"op": "AVERAGE_POOL_2D", "name": "head.pool", "macs": 0, "element_ops": 50},
        {"op": "RESHAPE", "name": "r", "macs": 0, "element_ops": 0},
        {"op": "FULLY_CONNECTED", "name": "head.fc", "macs": 12, "element_ops": 0},
    ]
    ops, layers = breakdown_from_layers(rows)
    assert ops == {"conv": 2000, "depthwise": 200, "pointwise": 800, "fully_connected": 24, "pool_elementwise": 50}
    assert layers == 5
    counts = counts_from({"paper_ops": 3024, "layers": rows})
    assert counts.ops == 3024 and counts.layers == 5 and counts.ops_by_layer_type == ops
    with pytest.raises(ValueError, match=r"counts.layers\[0\].op"):
        breakdown_from_layers([{"macs": 1}])


def test_counts_of_a_real_tflite_model_from_search_space_counting():
    """The counting module's result for a real MLPerf Tiny model is readable as-is."""
    counting = pytest.importorskip("search_space.counting")
    path = Path(SHARED_MODELS_DIR) / "kws_ref_model.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    resources = counting.count_tflite(path)
    counts = counts_from(resources)
    assert counts.ops == 2 * 2_656_768  # the model's MACs, as listed in the shared models' README
    mac_types = ("conv", "depthwise", "pointwise", "fully_connected")
    assert sum(counts.ops_by_layer_type[t] for t in mac_types) == counts.ops
    assert counts.ops_by_layer_type["depthwise"] > 0 and counts.ops_by_layer_type["fully_connected"] > 0
    assert counts.layers >= 11  # 5 conv + 4 depthwise + pool + FC (+ softmax)
