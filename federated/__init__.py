"""Federated training: FedDyn and baselines (FedAvg, FedProx, SCAFFOLD) over simulated devices,
in process or on Flower's simulation engine."""
