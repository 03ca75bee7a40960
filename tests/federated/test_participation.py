from __future__ import annotations

import numpy as np
import pytest

from federated.participation import Participation


def test_bernoulli_is_seeded_and_never_empty():
    p = Participation(0.1, seed=4)
    draws = [p.sample(r, 20) for r in range(1, 301)]
    assert all(len(d) >= 1 for d in draws)
    assert all(np.array_equal(d, p.sample(r, 20)) for r, d in enumerate(draws, 1))
    mean_active = np.mean([len(d) for d in draws])
    assert 1.9 < mean_active < 2.6  # about 2, slightly more because empty draws are redrawn
    assert not all(np.array_equal(draws[0], d) for d in draws[1:])
    other = Participation(0.1, seed=5)
    assert any(not np.array_equal(d, other.sample(r, 20)) for r, d in enumerate(draws, 1))


def test_per_device_probabilities_and_fixed_fraction():
    p = Participation((1.0, 0.0, 1.0, 0.0))
    assert [list(p.sample(r, 4)) for r in (1, 2)] == [[0, 2], [0, 2]]
    fixed = Participation(0.25, mode="fixed", seed=1)
    assert all(len(fixed.sample(r, 20)) == 5 for r in range(1, 20))


@pytest.mark.parametrize("bad", [Participation(0.0), Participation(1.5), Participation((0.5, 0.5)), Participation(0.1, mode="x")])
def test_invalid_participation_is_rejected(bad):
    with pytest.raises(ValueError):
        bad.sample(1, 3)
