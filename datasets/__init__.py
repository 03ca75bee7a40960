"""Data sets shared by DNAS and federated training: generators, partitions and loaders."""

from datasets.federated_dataset import FederatedDataset

__all__ = ["FederatedDataset"]
