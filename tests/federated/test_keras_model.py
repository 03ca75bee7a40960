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


def test_search_space_spec_model_trains_on_mfcc_shaped_data():
    """``--model spec:kws-s`` builds the search_space KWS model (49x10x1 input, softmax head)."""
    pytest.importorskip("search_space.keras_builder")
    from datasets.federated_dataset import FederatedDataset
    from federated.experiment import run_experiment

    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(20, 490)).astype(np.float32) for _ in range(2)]
    ys = [rng.integers(0, 10, 20) for _ in range(2)]
    dataset = FederatedDataset("mfcc-like", xs, ys, n_classes=10)
    spec = ExperimentSpec(algorithm="feddyn", rounds=1, model="spec:kws-s", participation=Participation(1.0),
                          local=LocalTrainingConfig(learning_rate=0.05, batch_size=10, epochs=1))
    history = run_experiment(spec, dataset, progress=False)
    assert history[0].bytes_up > 2 * 8 * 50_000  # two devices sent the full ~61k-parameter model
    assert np.isfinite(history[0].loss)
    bad = FederatedDataset("wrong", [rng.normal(size=(4, 30))], [np.zeros(4, int)], n_classes=2)
    with pytest.raises(ValueError, match="input shape"):
        run_experiment(spec, bad, progress=False)
