"""tinyhil: hardware-in-the-loop benchmarking of int8 TinyML models on microcontrollers."""

__version__ = "0.1.0"
