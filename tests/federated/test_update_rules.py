"""Update rules checked against hand-computed closed forms on quadratic local losses."""

from __future__ import annotations

import numpy as np
import pytest
from quadratic import QuadraticModel, quadratic_dataset

from federated.experiment import ExperimentSpec, build_server
from federated.local_sgd import LocalTrainingConfig, local_sgd
from federated.participation import Participation

TARGETS = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 4.0]])
# Many small exact steps: the local SGD converges to the closed-form argmin to ~1e-12.
CONVERGE = LocalTrainingConfig(learning_rate=0.5, batch_size=100, epochs=120, weight_decay=0.0, clip_norm=0.0)


def make(algorithm: str, sizes=(4, 4, 4), probability=(1.0, 1.0, 0.0), local=CONVERGE, **hp):
    dataset = quadratic_dataset(TARGETS, list(sizes))
    spec = ExperimentSpec(algorithm=algorithm, rounds=2, local=local,
                          participation=Participation(tuple(probability)), hyperparameters=hp)
    server, algo, _ = build_server(spec, dataset, model=QuadraticModel(2))
    return server


def test_feddyn_two_rounds_match_closed_form():
    alpha = 0.3
    server = make("feddyn", alpha=alpha)
    a = TARGETS
    # Round 1: theta_k = argmin 0.5||t - a_k||^2 - <0, t> + alpha/2 ||t - 0||^2 = a_k / (1 + alpha)
    theta0 = np.zeros(2)
    th = {k: (a[k] + alpha * theta0) / (1 + alpha) for k in (0, 1)}
    g = {k: -alpha * (th[k] - theta0) for k in (0, 1)}
    h = -alpha / 3 * sum(th[k] - theta0 for k in (0, 1))  # divided by m = 3 devices, not 2 active
    theta1 = (th[0] + th[1]) / 2 - h / alpha
    server.run_round()
    states = server.dispatcher.export_device_states()
    np.testing.assert_allclose(server.state["h"], h, atol=1e-10)
    np.testing.assert_allclose(server.state["model"], theta1, atol=1e-10)
    np.testing.assert_allclose(server.state["active_mean"], (th[0] + th[1]) / 2, atol=1e-10)
    for k in (0, 1):
        np.testing.assert_allclose(states[k]["g"], g[k], atol=1e-10)
    assert 2 not in states  # the inactive device never trained and holds no state
    # Round 2: the linear term -<g_k, t> moves the local minimum to (a_k + g_k + alpha theta1)/(1 + alpha)
    th2 = {k: (a[k] + g[k] + alpha * theta1) / (1 + alpha) for k in (0, 1)}
    g2 = {k: g[k] - alpha * (th2[k] - theta1) for k in (0, 1)}
    h2 = h - alpha / 3 * sum(th2[k] - theta1 for k in (0, 1))
    server.run_round()
    states = server.dispatcher.export_device_states()
    np.testing.assert_allclose(server.state["h"], h2, atol=1e-10)
    np.testing.assert_allclose(server.state["model"], (th2[0] + th2[1]) / 2 - h2 / alpha, atol=1e-10)
    for k in (0, 1):
        np.testing.assert_allclose(states[k]["g"], g2[k], atol=1e-10)


def test_feddyn_scales_alpha_by_device_size():
    alpha = 0.2
    server = make("feddyn", sizes=(10, 30, 20), alpha=alpha)
    mean_n = 20.0
    server.run_round()
    states = server.dispatcher.export_device_states()
    for k, n in ((0, 10), (1, 30)):
        alpha_k = alpha * mean_n / n
        theta_k = TARGETS[k] / (1 + alpha_k)
        np.testing.assert_allclose(states[k]["g"], -alpha_k * theta_k, atol=1e-10)
    # the server state still uses the global alpha and all m devices
    h = -alpha / 3 * (TARGETS[0] / (1 + 2 * alpha) + TARGETS[1] / (1 + alpha * 2 / 3))
    np.testing.assert_allclose(server.state["h"], h, atol=1e-10)


def test_feddyn_fixed_point_is_global_minimum():
    """With full participation FedDyn's server model converges to the minimiser of the sum of the
    device losses (the mean of the targets) although every device's own minimum differs: the
    device states g_k cancel the drift (FedAvg with exact local solves would also land there only
    because the problem is symmetric, so also check the device states sum to zero)."""
    server = make("feddyn", probability=(1.0, 1.0, 1.0), alpha=0.5,
                  local=LocalTrainingConfig(0.5, 100, 60, weight_decay=0.0, clip_norm=0.0))
    for _ in range(60):
        server.run_round()
    np.testing.assert_allclose(server.state["model"], TARGETS.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(server.state["active_mean"], TARGETS.mean(axis=0), atol=1e-6)
    states = server.dispatcher.export_device_states()
    # at the fixed point g_k = grad L_k(theta*) = theta* - a_k, so they sum to zero and h -> 0
    for k in range(3):
        np.testing.assert_allclose(states[k]["g"], TARGETS.mean(axis=0) - TARGETS[k], atol=1e-6)
    np.testing.assert_allclose(server.state["h"], 0.0, atol=1e-6)


def test_fedavg_weighted_mean_and_fedprox_closed_form():
    server = make("fedavg", sizes=(10, 30, 20))
    server.run_round()
    # local minimum is a_k itself; the server weights by n_k
    np.testing.assert_allclose(server.state["model"], (10 * TARGETS[0] + 30 * TARGETS[1]) / 40, atol=1e-10)
    mu = 0.7
    server = make("fedprox", sizes=(10, 30, 20), mu=mu)
    server.run_round()
    local = [TARGETS[k] / (1 + mu) for k in (0, 1)]  # argmin 0.5||t-a||^2 + mu/2||t - 0||^2
    np.testing.assert_allclose(server.state["model"], (10 * local[0] + 30 * local[1]) / 40, atol=1e-10)


def test_scaffold_control_variates_closed_form():
    lr, steps = 0.1, 5
    local = LocalTrainingConfig(learning_rate=lr, batch_size=4, epochs=5, weight_decay=0.0, clip_norm=0.0)
    server = make("scaffold", local=local, global_lr=0.5)
    server.run_round()
    # with c = c_k = 0, K plain steps on 0.5||t - a||^2 from 0: t_K = a (1 - (1 - lr)^K)
    shrink = 1 - (1 - lr) ** steps
    th = {k: TARGETS[k] * shrink for k in (0, 1)}
    c_k = {k: (0 - th[k]) / (steps * lr) for k in (0, 1)}
    states = server.dispatcher.export_device_states()
    for k in (0, 1):
        np.testing.assert_allclose(states[k]["c"], c_k[k], atol=1e-12)
    np.testing.assert_allclose(server.state["c"], (c_k[0] + c_k[1]) / 3, atol=1e-12)
    np.testing.assert_allclose(server.state["model"], 0.5 * (th[0] + th[1]) / 2, atol=1e-12)
    # round 2: every step uses grad + c - c_k, a constant shift of the quadratic's minimum
    theta1, c = server.state["model"].copy(), server.state["c"].copy()
    server.run_round()
    for k in (0, 1):
        target = TARGETS[k] - (c - c_k[k])
        t_k = target + (1 - lr) ** steps * (theta1 - target)
        expected = c_k[k] - c + (theta1 - t_k) / (steps * lr)
        np.testing.assert_allclose(server.dispatcher.export_device_states()[k]["c"], expected, atol=1e-12)


def test_clipping_applies_before_weight_decay():
    model = QuadraticModel(2)
    x = np.tile([100.0, 0.0], (5, 1))
    cfg = LocalTrainingConfig(learning_rate=0.1, batch_size=5, epochs=1, weight_decay=0.5, clip_norm=10.0)
    start = np.array([0.0, 2.0])
    out = local_sgd(model, start, x, np.zeros(5, np.int64), cfg, np.random.default_rng(0),
                    linear=np.array([0.0, 1.0]))
    raw = start - x[0] + np.array([0.0, 1.0])  # gradient 0.5||t-x||^2 plus the linear term
    clipped = raw * 10.0 / (np.linalg.norm(raw) + 1e-6)
    np.testing.assert_allclose(out.params, start - 0.1 * (clipped + 0.5 * start))
    assert out.steps == 1


@pytest.mark.parametrize("name", ["feddyn", "fedavg", "fedprox", "scaffold"])
def test_bytes_counted_each_way(name):
    server = make(name)
    record = server.run_round()
    per_model = 2 * 8
    factor = 2 if name == "scaffold" else 1  # SCAFFOLD sends (model, c) down and (model, delta c) up
    assert record.bytes_down == 2 * factor * per_model
    assert record.bytes_up == 2 * factor * per_model
    assert record.active_devices == [0, 1]
