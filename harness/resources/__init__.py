"""Resources: what exists on this machine (probes, serial ports), apart from the drivers that act on them."""
