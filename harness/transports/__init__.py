"""Byte transports between the harness and a board console, and test tooling for them."""
