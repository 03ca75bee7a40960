"""Flashing real boards (pyOCD). Twins are "flashed" by launching QEMU with the image."""
