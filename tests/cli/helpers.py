"""Running Ranks' commands in-process, in English, the way a user reads their output."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def ranks(*args: str) -> list[str]:
    """The lines a command prints on stdout."""
    out = io.StringIO()
    call_command(*args, "--lang", "en", stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def ranks_fails(*args: str) -> tuple[int, str]:
    """The exit status and message of a command that fails."""
    with pytest.raises(CommandError) as error:
        ranks(*args)
    return error.value.returncode, str(error.value)
