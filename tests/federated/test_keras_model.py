"""A Keras model (given as a builder function) trained with FedDyn through the same loop, then
exported to a full-int8 .tflite whose accuracy matches the float model."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.synthetic_feddyn import SyntheticSpec, generate_synthetic
from federated.experiment import ExperimentSpec, build_server
from federated.local_sgd import LocalTrainingConfig
from federated.models import MLP, evaluate
from federated.participation import Participation

keras = pytest.importorskip("keras")


def builder():
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)])


@pytest.fixture(scope="module")
def keras_model():
    from federated.keras_model import KerasFlatModel

    return KerasFlatModel(builder)


def test_gradients_agree_with_numpy_mlp(keras_model):
    """Same architecture, same flat layout (W then b per layer): identical loss and gradient."""
    rng = np.random.default_rng(0)
    params = keras_model.init_params(rng)
    assert keras_model.n_params == 8 * 6 + 6 + 6 * 3 + 3
    x, y = rng.normal(size=(5, 8)), rng.integers(0, 3, 5)
    loss_k, grad_k = keras_model.loss_and_grad(params, x, y)
    loss_n, grad_n = MLP((8, 6, 3)).loss_and_grad(params, x, y)
    assert loss_k == pytest.approx(loss_n, rel=1e-5)
    np.testing.assert_allclose(grad_k, grad_n, rtol=1e-4, atol=1e-5)


def test_feddyn_trains_keras_model_and_exports_int8(keras_model, tmp_path):
    from federated.keras_model import export_int8_tflite, int8_tflite_accuracy

    dataset = generate_synthetic(SyntheticSpec(n_features=8, n_classes=3, n_devices=4, mean_size=60, seed=1))
    spec = ExperimentSpec(algorithm="feddyn", rounds=6, participation=Participation(1.0),
                          local=LocalTrainingConfig(learning_rate=0.1, batch_size=20, epochs=2))
    server, _, model = build_server(spec, dataset, model=keras_model)
    history = server.run(spec.rounds, progress=False)
    assert history[-1].accuracy > history[0].accuracy and history[-1].accuracy > 0.75
    params = server.algorithm.evaluation_params(server.state)
    x, y = dataset.union()
    _, float_acc = evaluate(model, params, x, y)
    path = export_int8_tflite(model, params, x, tmp_path / "fed.tflite")
    assert path.read_bytes()[4:8] == b"TFL3"
    assert abs(int8_tflite_accuracy(path, x, y) - float_acc) < 0.05
