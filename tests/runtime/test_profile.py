"""Profiling real models on a real twin: outputs checked against the oracle, repeatable cycles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.runtime.model_prep import prepare_model
from harness.runtime.profiler import (
    ModelDoesNotFit,
    OutputMismatch,
    ProfileSettings,
    profile_model,
    store_records,
)
from harness.store.results_store import ResultsStore
from search_space.fastpath import spec_to_tflite
from search_space.fixed import fixed_spec


def test_profile_is_bit_exact_and_repeatable(f446_twin, kws01, ad01, tmp_path):
    settings = ProfileSettings(repeats=2, check_inputs=2, seed=3)
    first = profile_model(f446_twin, kws01, settings)
    assert first.outputs_checked == 2 and first.source == "emulated" and first.target == "nucleo-f446re@twin"
    assert len(set(first.cycles)) == 1  # deterministic twin: every repeat gives the same count
    assert first.instructions and first.cycles_median > first.instructions  # M4 CPI > 1
    profile_model(f446_twin, ad01, ProfileSettings())  # another plan in between
    again = profile_model(f446_twin, kws01, settings)
    assert again.cycles == first.cycles and again.instructions == first.instructions
    # latency at the board's clock
    assert again.latency_ms == pytest.approx(again.cycles_median / 180e6 * 1e3)

    with ResultsStore(tmp_path / "r.db") as store:
        run = store.begin_run("profile", {"t": 1})
        board, fw, plan = store_records(f446_twin, kws01)
        rec = store.record_measurement(run, kws01.record(), board, first.cycles, instructions=first.instructions,
                                       firmware=fw, plan=plan, outputs_checked=True)
        assert rec.board == "nucleo-f446re@twin" and rec.source == "emulated" and rec.plan_hash == kws01.plan.plan_hash
        stored = store.get_model(kws01.hash)
        assert stored.macs == 2_656_768 and stored.ops == 2 * 2_656_768 and stored.arena_bytes == kws01.plan.arena_bytes


def test_wrong_output_is_an_error_naming_the_element(f446_twin):
    # Same architecture, different weights: the plan of one, the oracle of the other.
    spec = fixed_spec("dscnn-s")
    a = prepare_model(spec_to_tflite(spec, seed=1), name="dscnn-a")
    b = prepare_model(spec_to_tflite(spec, seed=2), name="dscnn-b")
    swapped = replace(b, plan=a.plan)
    with pytest.raises(OutputMismatch, match=r"dscnn-b on nucleo-f446re@twin: output differs .* input #0: first at element \d+"):
        profile_model(f446_twin, swapped, ProfileSettings())


def test_model_that_does_not_fit_is_refused_with_numbers(f446_twin):
    big = prepare_model(spec_to_tflite(fixed_spec("kws-l"), seed=0), name="kws-l")
    problem = f446_twin.fit_problem(big)
    assert problem and "needs" in problem and "131072 B SRAM" in problem
    with pytest.raises(ModelDoesNotFit, match="kws-l needs"):
        profile_model(f446_twin, big)
