"""The board runtime: sessions, health, profiling and sweeps."""
