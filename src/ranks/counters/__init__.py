"""Period counters: the figures of every unit by month, kept as the records change (docs/counters.md)."""
