"""Emulated twins: running firmware on QEMU machines that stand in for the boards."""
