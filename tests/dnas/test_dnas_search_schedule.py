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
    plain = SearchConfig(epochs=10, warmup_epochs=4, tau_start=5.0, tau_end=0.5)
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
