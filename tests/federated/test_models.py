from __future__ import annotations

import numpy as np
import pytest

from federated.models import MLP, LogisticRegression, evaluate


def numeric_grad(model, p, x, y, eps=1e-6):
    g = np.zeros_like(p)
    for i in range(len(p)):
        d = np.zeros_like(p)
        d[i] = eps
        g[i] = (model.loss_and_grad(p + d, x, y)[0] - model.loss_and_grad(p - d, x, y)[0]) / (2 * eps)
    return g


@pytest.mark.parametrize("model", [LogisticRegression(6, 4, zero_init=False), MLP((6, 5, 3, 4))])
def test_gradients_match_finite_differences(model):
    rng = np.random.default_rng(3)
    p = model.init_params(rng) + rng.normal(0, 0.1, model.n_params)
    x = rng.normal(size=(7, 6))
    y = rng.integers(0, 4, 7)
    loss, g = model.loss_and_grad(p, x, y)
    np.testing.assert_allclose(g, numeric_grad(model, p, x, y), rtol=1e-5, atol=1e-7)
    logits = model.logits(p, x)
    expected = np.mean(np.log(np.exp(logits).sum(1)) - logits[np.arange(7), y])
    assert loss == pytest.approx(expected)


def test_evaluate_accuracy_and_loss():
    model = LogisticRegression(2, 2)
    p = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # identity W: predicts the larger coordinate
    x = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]])
    y = np.array([0, 1, 1])
    loss, acc = evaluate(model, p, x, y)
    assert acc == pytest.approx(2 / 3)
    assert loss > 0
