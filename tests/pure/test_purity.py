"""The pure modules import no Django, so rules and tree arithmetic run anywhere."""

import subprocess
import sys

PURE_MODULES = [
    "ranks.org.tree",
    "ranks.people.names",
    "ranks.people.status",
    "ranks.core.formulas",
    "ranks.core.chain",
    "ranks.pipeline.rules",
    "ranks.reports.charts",
    "ranks.coverage.map",
]


def test_pure_modules_import_no_django():
    code = (
        f"import sys; import {', '.join(PURE_MODULES)}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
