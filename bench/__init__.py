"""Benchmarks of the duplicate finder: quality on labelled sets, speed and memory at registry sizes."""
