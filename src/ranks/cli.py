"""The `ranks` console script: Django's command line with Ranks' settings and `--as USERNAME`."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ranks.settings")
    # `ranks --as alice tree` and `ranks tree --as alice` mean the same: Ranks' own commands take
    # --as as an option, so a leading one is moved behind the command name.
    if len(argv) > 2 and argv[1] == "--as":
        argv = [argv[0], *argv[3:4], "--as", argv[2], *argv[4:]]
    elif len(argv) > 1 and argv[1].startswith("--as="):
        argv = [argv[0], *argv[2:3], argv[1], *argv[3:]]
    # `ranks person-data` is the command `person_data` (a module's name cannot hold a hyphen).
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except BrokenPipeError:
        # `ranks tree | head`: the reader left; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
