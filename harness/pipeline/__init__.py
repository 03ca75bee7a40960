"""The end-to-end pipeline (GitHub issue 10): budget, latency fit, DNAS, federated training, int8,
twin verification and measurement, HTML report. See :mod:`harness.pipeline.run`."""
