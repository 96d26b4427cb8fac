"""`python -m ranks` runs the console script."""

from ranks.cli import main

main()
