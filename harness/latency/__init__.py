"""Latency models fitted on stored measurements, and the predictor DNAS uses."""
