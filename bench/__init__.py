"""The portal's benchmark: `make bench` (full) or `make bench-smoke`. See bench/run.py."""
