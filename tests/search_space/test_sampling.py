"""Sampling: seeded, uniform over each decision, budget-aware with a clear error below the minimum."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scipy.stats import chisquare

from search_space.counting import count_spec
from search_space.sampling import BudgetError, sample_choices, sample_specs, sample_within_budget
from search_space.spaces import get_space, list_spaces


def test_same_seed_same_specs_different_seed_different() -> None:
    kws = get_space("kws")
    a = [s.to_json() for s in sample_specs(kws, 20, seed=7)]
    b = [s.to_json() for s in sample_specs(kws, 20, seed=7)]
    c = [s.to_json() for s in sample_specs(kws, 20, seed=8)]
    assert a == b
    assert a != c


@pytest.mark.parametrize(("space_name", "decision"), [("kws", "stem.filters"), ("kws", "block4.keep"), ("vww50", "block9.expansion_width"), ("ad", "block2.filters")])
def test_option_frequencies_are_uniform(space_name: str, decision: str) -> None:
    space = get_space(space_name)
    options = space.decision_map()[decision].options
    rng = random.Random(1234)
    n = 60 * len(options)
    freq = Counter(sample_choices(space, rng)[decision] for _ in range(n))
    observed = [freq[o] for o in options]
    assert sum(observed) == n
    assert chisquare(observed).pvalue > 0.001


def test_chi_square_check_detects_a_skewed_sampler() -> None:
    # The same check on the 'bias' strategy (which narrows widths towards small ones) must reject.
    kws = get_space("kws")
    specs = sample_within_budget(kws, 300, seed=3, sram_bytes=30_000, strategy="bias")
    options = kws.decision_map()["stem.filters"].options
    freq = Counter(s.choices["stem.filters"] for s in specs)
    assert chisquare([freq[o] for o in options]).pvalue < 1e-6


def test_samples_are_members_of_the_space() -> None:
    for space in list_spaces():
        for spec in sample_specs(space, 5, seed=2):
            space.check_spec(spec)
            assert space.build(spec.choices).content_hash == spec.content_hash


@pytest.mark.parametrize("strategy", ["reject", "bias"])
def test_budget_sampling_meets_the_budget(strategy: str) -> None:
    kws = get_space("kws")
    specs = sample_within_budget(kws, 25, seed=5, sram_bytes=60_000, flash_bytes=120_000, strategy=strategy)
    assert len(specs) == 25
    for spec in specs:
        c = count_spec(spec)
        assert c.peak_sram_bytes <= 60_000 and c.flash_bytes <= 120_000
    # Unconstrained samples do break this budget, so the filter is doing something.
    free = [count_spec(s) for s in sample_specs(kws, 25, seed=5)]
    assert any(c.peak_sram_bytes > 60_000 or c.flash_bytes > 120_000 for c in free)


def test_budget_below_minimum_reports_the_minimum() -> None:
    ad = get_space("ad")
    minimum = count_spec(ad.minimum_spec())
    with pytest.raises(BudgetError, match=rf"below the minimum of space 'ad'.*peak SRAM {minimum.peak_sram_bytes} B") as info:
        sample_within_budget(ad, 1, sram_bytes=minimum.peak_sram_bytes - 1)
    assert info.value.minimum is not None and info.value.minimum.peak_sram_bytes == minimum.peak_sram_bytes
    # exactly the minimum is feasible
    assert sample_within_budget(ad, 1, sram_bytes=minimum.peak_sram_bytes, strategy="bias", max_tries=50000)


def test_minimum_spec_is_no_bigger_than_any_sample() -> None:
    for space in list_spaces():
        m = count_spec(space.minimum_spec())
        for spec in sample_specs(space, 30, seed=9):
            c = count_spec(spec)
            assert m.peak_sram_bytes <= c.peak_sram_bytes and m.flash_bytes <= c.flash_bytes and m.macs <= c.macs


def test_gives_up_with_a_clear_error() -> None:
    kws = get_space("kws")
    minimum = count_spec(kws.minimum_spec())
    with pytest.raises(BudgetError, match=r"found 0 of 3 specs .* after 10 draws"):
        sample_within_budget(kws, 3, seed=1, sram_bytes=minimum.peak_sram_bytes, max_tries=10)
