"""The one home of the benchmarks: the scripts and modules behind docs/benchmarks.md.

Every benchmark lives here, not in the `ranks` package: they are a developer's tools, not part
of what an installation runs, and most of them are run as scripts
(`.venv/bin/python benchmarks/search.py`) so that a parent process can stay free of Django and
measure its children. The one benchmark run as a command, `ranks bench progress`, keeps that
documented name: `src/ranks/bench/` holds only the command's arguments and calls `progress.run`
here. `measure.py` is the one timing helper (the median of timed runs after warm-ups) and the one
source of the database and machine facts every benchmark prints; `province.py` builds the bench
province and `sql.py` holds the hand-written SQL that `progress.py` and `counters.py` compare
with. Scripts put the repository and `src/` on `sys.path`, so they run from any directory.
"""
