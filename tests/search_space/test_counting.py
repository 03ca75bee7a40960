"""Counting: the paper's Mops from Table 5 specs, the shared models' MACs, spec vs file agreement."""

from __future__ import annotations

import pytest

from harness.paths import SHARED_MODELS_DIR
from search_space.counting import count_spec, count_tflite
from search_space.fixed import fixed_spec
from search_space.graph import lower_spec
from search_space.spec import ArchSpec, Conv2D, DSBlock, InvertedBottleneck

SHARED = {
    "kws_ref_model.tflite": 2_656_768,
    "vww_96_int8.tflite": 7_489_664,
    "ad01_int8.tflite": 264_192,
}


@pytest.mark.parametrize(("name", "mops"), [("ad-s", 37.5), ("ad-m", 124.7), ("ad-l", 129.0)])
def test_ad_mops_match_table_5_exactly(name: str, mops: float) -> None:
    counts = count_spec(fixed_spec(name))
    assert round(counts.mops, 1) == mops
    assert counts.paper_ops == 2 * counts.macs


@pytest.mark.parametrize(("name", "mops"), [("kws-s", 16.4), ("kws-m", 30.6), ("kws-l", 129.0)])
def test_kws_mops_within_2_5_percent_of_table_5(name: str, mops: float) -> None:
    counts = count_spec(fixed_spec(name))
    assert abs(counts.mops - mops) / mops < 0.025, counts.mops


def test_kws_s_macs_by_hand() -> None:
    # Conv 10x4x1x84 on 49x10, then five DS blocks on 25x5, then FC 196x12.
    expected = 40 * 84 * 490
    widths = [84, 112, 84, 84, 84, 196]
    for cin, cout in zip(widths, widths[1:], strict=False):
        expected += 9 * cin * 125 + cin * cout * 125
    expected += 196 * 12
    assert count_spec(fixed_spec("kws-s")).macs == expected


@pytest.mark.parametrize(("filename", "macs"), sorted(SHARED.items()))
def test_shared_model_macs_from_tflite(filename: str, macs: int) -> None:
    counts = count_tflite(SHARED_MODELS_DIR / filename)
    assert counts.macs == macs
    assert counts.file_bytes == (SHARED_MODELS_DIR / filename).stat().st_size
    assert counts.weight_bytes < counts.file_bytes


def test_dscnn_s_spec_counts_like_the_mlperf_kws_model() -> None:
    spec_counts = count_spec(fixed_spec("dscnn-s"))
    file_counts = count_tflite(SHARED_MODELS_DIR / "kws_ref_model.tflite")
    assert spec_counts.macs == file_counts.macs == 2_656_768
    assert spec_counts.params == file_counts.params
    # Paper working-memory model; the MLPerf model's TFLM planned head is 16,000 bytes too.
    assert spec_counts.peak_sram_bytes == file_counts.peak_sram_bytes == 16_000
    # The reference file has an extra RESHAPE (older converter) whose shape constant is 8 bytes.
    assert file_counts.weight_bytes - spec_counts.weight_bytes == 8
    assert file_counts.op_counts.get("RESHAPE") == 1 and "RESHAPE" not in spec_counts.op_counts


def test_working_memory_is_max_of_inputs_plus_output() -> None:
    spec = ArchSpec((16, 16, 1), (Conv2D(8, 3), DSBlock(16, 2), InvertedBottleneck(32, 16)), 4)
    counts = count_spec(spec)
    by_op = [(layer.op, layer.working_bytes) for layer in counts.layers]
    assert by_op[0] == ("CONV_2D", 16 * 16 * 1 + 16 * 16 * 8)
    assert by_op[1] == ("DEPTHWISE_CONV_2D", 16 * 16 * 8 + 8 * 8 * 8)
    # The residual ADD reads both branches.
    add = [layer for layer in counts.layers if layer.op == "ADD"]
    assert len(add) == 1 and add[0].working_bytes == 3 * 8 * 8 * 16
    assert counts.peak_sram_bytes == max(w for _, w in by_op)
    assert counts.element_ops == sum(layer.element_ops for layer in counts.layers)
    assert counts.total_ops == counts.paper_ops + counts.element_ops


def test_params_and_flash() -> None:
    spec = ArchSpec((10, 10, 1), (Conv2D(8, 3), DSBlock(12)), 3)
    counts = count_spec(spec)
    conv = 8 * 9 * 1 + 8
    dw = 9 * 8 + 8
    pw = 12 * 8 + 12
    fc = 12 * 3 + 3
    assert counts.params == conv + dw + pw + fc
    # int8 weights, int32 biases
    assert counts.weight_bytes == (8 * 9 + 9 * 8 + 12 * 8 + 12 * 3) + 4 * (8 + 8 + 12 + 3)
    assert counts.flash_bytes == counts.weight_bytes + counts.metadata_bytes
    assert [op.op for op in lower_spec(spec).ops] == [
        "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX",
    ]
