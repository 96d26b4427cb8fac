"""Benchmarks run as commands (`ranks bench progress`): a large province built in bulk, timed."""
