"""Benchmarks side by side with plain PyFlink: ``python -m benchmarks [--quick]``."""
