"""The `ranks bench` command alone: the benchmarks themselves live in `benchmarks/`."""
