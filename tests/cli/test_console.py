"""The real `ranks` console script in a subprocess: `--as` in front, exit statuses, output.

It runs against its own file-based SQLite database, migrated and filled here, whatever database
the rest of the test run uses.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RANKS = Path(sys.executable).parent / "ranks"


def _env(database: Path, var: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "RANKS_VAR_DIR": str(var),
        "PYTHONIOENCODING": "utf-8",
    }


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """A function running `ranks ARGS…` on a migrated database holding the test world."""
    tmp = tmp_path_factory.mktemp("console")
    database = tmp / "ranks.sqlite3"
    env = _env(database, tmp)
    subprocess.run([RANKS, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=tmp)
    fill = "import django; django.setup(); from tests.factories import build_world; build_world()"
    subprocess.run([sys.executable, "-c", fill], env=env, check=True, cwd=REPO)

    def run(*args: str, database: Path = database) -> subprocess.CompletedProcess:
        return subprocess.run(
            [RANKS, *args],
            env=_env(database, tmp),
            cwd=tmp,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    run.database = database
    return run


ALICE_2024 = [
    "C1  Đảng bộ xã Một  (grassroots_committee)",
    "  C1-A  Chi bộ thôn Đông  (cell)",
    "  C1-B  Chi bộ trường Tiểu học  (cell)",
]
BOB_2024 = ["C2  Đảng bộ xã Hai  (grassroots_committee)", "  C2-A  Chi bộ bản Nà  (cell)"]


@pytest.mark.parametrize(
    "args, lines",
    [
        (["--as", "alice", "tree", "--on", "2024-01-01"], ALICE_2024),
        (["--as=bob", "tree", "--on", "01/01/2024"], BOB_2024),
        (["tree", "--as", "bob", "--on", "2024-01-01"], BOB_2024),
    ],
)
def test_as_in_front_or_behind_narrows_the_tree(console, args, lines):
    result = console(*args, "--lang", "en")
    assert (result.returncode, result.stdout.splitlines(), result.stderr) == (0, lines, "")


def test_bad_input_exits_2_with_the_message_on_stderr(console):
    result = console("tree", "--on", "2024-13-01", "--lang", "en")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Not a date: 2024-13-01. Write YYYY-MM-DD or DD/MM/YYYY." in result.stderr


def test_an_unknown_user_exits_2(console):
    result = console("--as", "nobody", "tree", "--lang", "en")
    assert (result.returncode, result.stdout) == (2, "")
    assert "Unknown user: nobody." in result.stderr


def test_an_officer_cannot_grant_outside_and_sees_not_found(console):
    result = console("--as", "alice", "grant", "bob", "viewer", "C2", "--lang", "en")
    assert result.returncode == 2
    assert "Unknown unit code: C2." in result.stderr


def test_people_search_through_the_console(console):
    result = console("--as", "bob", "people", "search", "nguyen van", "--lang", "en")
    assert (result.returncode, result.stdout) == (0, "P-LAN\tNguyễn Văn Lan\t1988-08-08\n")


def test_audit_verify_exits_0_then_1_once_a_row_is_altered(console, tmp_path):
    intact = console("audit", "verify", "--lang", "en")
    assert intact.returncode == 0
    assert intact.stdout.startswith("The audit log is intact: ")

    copy = tmp_path / "tampered.sqlite3"
    source, target = sqlite3.connect(console.database), sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("UPDATE core_auditentry SET object_id = 'forged' WHERE seq = 7")
        target.commit()
    finally:
        source.close()
        target.close()
    broken = console("audit", "verify", "--lang", "en", database=copy)
    assert broken.returncode == 1
    assert "The audit log is broken at entry 7: altered" in broken.stderr


@pytest.mark.parametrize(
    "command, option",
    [("tree", "--depth"), ("grant", "--revoke"), ("audit", "--object-type"), ("people", "--limit")],
)
def test_help_of_each_command(console, command, option):
    result = console(command, "--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert option in result.stdout and "--as USERNAME" in result.stdout
