"""DNAS search mechanics: coarse width options, warm-up and temperature schedule, discrete samples."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from search_space.dnas.resources import structure_of
from search_space.dnas.search import SearchConfig
from search_space.dnas.supernet import Supernet, coarse_widths
from search_space.sampling import sample_specs
from search_space.spaces import get_space


def test_coarse_widths_are_an_evenly_spread_subset_with_both_ends() -> None:
    full = structure_of("kws").widths
    coarse = coarse_widths(full, 12)
    assert len(coarse) == 12 and list(coarse) == sorted(coarse)
    assert set(coarse) <= set(full)
    assert coarse[0] == min(full) and coarse[-1] == max(full)
    gaps = np.diff(coarse)
    assert gaps.max() - gaps.min() <= 2 * (full[1] - full[0])  # evenly spaced, up to the space's grid
    assert coarse_widths(full, 0) == tuple(sorted(full))
    assert coarse_widths(full, 1000) == tuple(sorted(full))
    with pytest.raises(ValueError, match="n >= 2"):
        coarse_widths(full, 1)


def test_temperature_holds_through_the_warm_up_then_decays_to_the_end_value() -> None:
    cfg = SearchConfig(epochs=10, warmup_epochs=4, tau_start=5.0, tau_end=0.5, hold_tau_in_warmup=True)
    assert cfg.first_arch_epoch == 4
    assert [cfg.tau(e) for e in range(5)] == [5.0] * 5
    assert cfg.tau(9) == pytest.approx(0.5)
    taus = [cfg.tau(e) for e in range(4, 10)]
    assert all(a > b for a, b in zip(taus, taus[1:], strict=False))
    # A warm-up as long as the search still leaves the last epoch for the architecture.
    short = SearchConfig(epochs=2, warmup_epochs=6)
    assert short.first_arch_epoch == 1 and short.tau(1) == short.tau_end
    # Without the hold, τ decays from the first epoch.
    plain = SearchConfig(epochs=10, warmup_epochs=4, tau_start=5.0, tau_end=0.5, hold_tau_in_warmup=False)
    assert plain.tau(0) == 5.0 and plain.tau(4) < 5.0 and plain.tau(9) == pytest.approx(0.5)


def test_unknown_warm_up_mode_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="warmup_subnets"):
        SearchConfig(warmup_subnets="smallest")
    with pytest.raises(ValueError, match="resource_terms"):
        SearchConfig(resource_terms="argmax")


def test_a_derived_architecture_only_uses_the_supernet_width_options() -> None:
    st = replace(structure_of("kws"), widths=coarse_widths(structure_of("kws").widths, 8))
    net = Supernet(st, seed=0)
    for a in net.arch_variables:
        a.assign(np.random.default_rng(len(a.name)).normal(size=a.shape).astype(np.float32))
    choices = net.argmax_choices()
    widths = [v for k, v in choices.items() if k.endswith(".filters")]
    assert set(widths) <= set(st.widths)
    get_space("kws").build(choices)  # a valid architecture of the full space


def test_hard_sample_is_one_hot_forward_and_passes_gradient_to_the_logits() -> None:
    import tensorflow as tf

    st = replace(structure_of("kws"), widths=coarse_widths(structure_of("kws").widths, 6))
    net = Supernet(st, seed=0)
    x = tf.random.normal((2, 49, 10, 1), seed=1)
    with tf.GradientTape() as tape:
        s = net.sample(tf.constant(1.0), hard=True)
        loss = tf.reduce_sum(net(x, s) ** 2)
    for z in [s.stem, *s.keep, *s.width]:
        v = z.numpy()
        assert sorted(v.tolist())[-1] == 1.0 and np.count_nonzero(v) == 1
    grads = tape.gradient(loss, net.arch_variables)
    assert all(g is not None for g in grads)
    assert any(float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_uniform_and_largest_samples_are_discrete_subnets_of_the_supernet() -> None:
    import tensorflow as tf

    from search_space.dnas.subnet import forward

    st = replace(structure_of("kws"), widths=coarse_widths(structure_of("kws").widths, 6))
    net = Supernet(st, seed=2)
    x = tf.random.normal((2, 49, 10, 1), seed=5)
    big = net.sample_largest()
    assert int(np.argmax(big.stem.numpy())) == len(st.widths) - 1
    assert all(float(k[0]) == 1.0 for k in big.keep)
    choices = net.argmax_choices()  # α = 0: the first option everywhere; overwrite with the largest
    choices = {k: (max(st.widths) if k.endswith(".filters") else True) for k in choices}
    spec = get_space("kws").build(choices)
    np.testing.assert_allclose(net(x, big).numpy(),
                               forward(spec, [tf.constant(w) for w in net.subnet_weights(choices)], x).numpy(),
                               rtol=1e-4, atol=1e-4)
    seen = set()
    for _ in range(6):
        u = net.sample_uniform()
        for z in [u.stem, *u.keep, *u.width]:
            assert np.count_nonzero(z.numpy()) == 1
        seen.add(int(np.argmax(u.stem.numpy())))
    assert len(seen) > 1  # random, not a fixed subnet


def test_fan_in_scaling_is_folded_into_the_derived_weights() -> None:
    """A narrow subnet's pointwise weights are the shared slice times sqrt(cmax / c_in)."""
    st = structure_of("kws")
    net = Supernet(st, seed=3)
    spec = sample_specs(get_space("kws"), 1, seed=4)[0]
    ch = {**spec.choices, "stem.filters": 40, "block1.keep": True, "block1.filters": 60}
    w = net.subnet_weights(ch)
    np.testing.assert_allclose(w[4], net.pw_w[0].numpy()[:, :, :40, :60] * np.sqrt(net.cmax / 40), rtol=1e-6)


def test_batch_norm_supernet_folds_into_a_subnet_that_computes_the_same_logits() -> None:
    """With batch norm, the derived weights (statistics of the subnet alone on the calibration
    batch, folded into conv weights and biases) reproduce the supernet's one-hot forward."""
    import tensorflow as tf

    from search_space.dnas.subnet import forward

    st = structure_of("kws")
    net = Supernet(st, seed=1, batch_norm=True)
    rng = np.random.default_rng(0)
    for v in net.weight_variables:  # move gamma, beta and biases off their initial values
        v.assign(v + rng.normal(0, 0.1, v.shape).astype(np.float32))
    x = rng.normal(size=(32, 49, 10, 1)).astype(np.float32)
    for spec in sample_specs(get_space("kws"), 3, seed=3):
        ch = spec.choices
        want = net(tf.constant(x), net.one_hot(ch)).numpy()
        got = forward(get_space("kws").build(ch), [tf.constant(w) for w in net.subnet_weights(ch, x)],
                      tf.constant(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="calibration"):
        net.subnet_weights(spec.choices)


def test_arch_init_largest_starts_the_distribution_at_the_largest_network() -> None:
    st = replace(structure_of("kws"), widths=coarse_widths(structure_of("kws").widths, 10))
    net = Supernet(st, seed=0)
    net.bias_towards_largest(8.0, 2.0)
    choices = net.argmax_choices()
    assert all(v == max(st.widths) for k, v in choices.items() if k.endswith(".filters"))
    assert all(v for k, v in choices.items() if k.endswith(".keep"))
    p = net.probabilities()
    assert np.all(np.diff(p.stem.numpy()) > 0)  # probability rises with the width
    assert float(p.keep[0][0]) == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-5)
    with pytest.raises(ValueError, match="arch_init"):
        SearchConfig(arch_init="smallest")


def test_shrink_schedule_goes_geometrically_from_the_start_usage_to_the_budget() -> None:
    from search_space.dnas.search import ShrinkSchedule

    s = ShrinkSchedule(0.5, latency_ratio=8.0, sram_ratio=0.5, flash_ratio=2.0)
    assert s.factors(0.0) == pytest.approx((8.0, 1.0, 2.0))  # SRAM already within budget: its target stays
    assert s.factors(0.25) == pytest.approx((8.0 ** 0.5, 1.0, 2.0 ** 0.5))
    assert s.factors(0.5) == (1.0, 1.0, 1.0) and s.factors(1.0) == (1.0, 1.0, 1.0)
    lat = [s.factors(t)[0] for t in np.linspace(0, 0.5, 11)]
    assert all(a > b for a, b in zip(lat, lat[1:], strict=False))
    assert ShrinkSchedule(0.0, 8.0, 8.0, 8.0).factors(0.0) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="shrink_fraction"):
        SearchConfig(shrink_fraction=1.5)


def test_augment_batch_shifts_and_masks_without_touching_the_input() -> None:
    from search_space.dnas.search import augment_batch

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 49, 10, 1)).astype(np.float32)
    before = x.copy()
    a = augment_batch(x, np.random.default_rng(1))
    b = augment_batch(x, np.random.default_rng(1))
    np.testing.assert_array_equal(x, before)  # a copy: the search data stay as they were
    np.testing.assert_array_equal(a, b)  # the generator decides everything
    assert a.shape == x.shape and a.dtype == np.float32
    assert not np.array_equal(a, x)
    # Shift only: each example is its input shifted by at most 4 frames, edge frames repeated.
    shifted = augment_batch(x, np.random.default_rng(2), max_time_mask=0, max_freq_mask=0)
    for i in range(len(x)):
        matches = [s for s in range(-4, 5) if np.array_equal(shifted[i], x[i][np.clip(np.arange(49) - s, 0, 48)])]
        assert matches, f"example {i} is not a shift of its input"
    # Time mask only: frames are the input's or all set to the example's mean.
    masked = augment_batch(x, np.random.default_rng(3), max_shift=0, max_freq_mask=0)
    for i in range(len(x)):
        changed = ~np.all(masked[i] == x[i], axis=(1, 2))
        assert changed.sum() <= 8
        np.testing.assert_allclose(masked[i][changed], x[i].mean(), rtol=1e-5)
    # No shift and no masks: unchanged.
    same = augment_batch(x, np.random.default_rng(1), max_shift=0, max_time_mask=0, max_freq_mask=0)
    np.testing.assert_array_equal(same, x)
