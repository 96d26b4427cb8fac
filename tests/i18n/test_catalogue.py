"""The Vietnamese catalogue is complete: every string in the code is translated, none fuzzy, and
the compiled .mo says what the .po says.

Strings are extracted afresh from a copy of the source with Django's makemessages, so a string
added to a template or a module without a translation fails here even if nobody ran makemessages.
"""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import ranks

pytestmark = pytest.mark.pure

SRC = Path(ranks.__file__).parent
PO = SRC / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    if not shutil.which("xgettext"):
        pytest.fail(
            "GNU gettext (xgettext) is needed to check the catalogue: apt-get install gettext"
        )
    copy = tmp_path_factory.mktemp("src") / "ranks"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "vi", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "ranks.settings",
            "PATH": "/usr/bin:/bin",
            "RANKS_VAR_DIR": str(copy / "var"),
        },
    )
    return polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"))


def label(entry) -> str:
    return f"{entry.msgid!r} ({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:2])})"


def test_every_string_in_the_code_is_translated(extracted):
    untranslated = [label(e) for e in extracted if not e.obsolete and not e.translated()]
    assert not untranslated, f"{len(untranslated)} untranslated: " + "; ".join(untranslated[:20])


def test_no_fuzzy_entries():
    fuzzy = [label(e) for e in polib.pofile(str(PO)) if "fuzzy" in e.flags and not e.obsolete]
    assert not fuzzy, "fuzzy: " + "; ".join(fuzzy[:20])


def test_the_compiled_catalogue_matches_the_source():
    assert MO.exists(), "compile the catalogue: make messages"
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in polib.pofile(str(PO)).translated_entries():
        if entry.msgid_plural:
            assert (
                compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
            ), entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_proper_terms_of_the_glossary():
    """DESIGN.md §2: the Vietnamese terms officers use, not a literal translation."""
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(PO))}
    expected = {
        "probationary member": "đảng viên dự bị",
        "official member": "đảng viên chính thức",
        "Organisation tree": "Cây tổ chức",
        "Sign in": "Đăng nhập",
    }
    for msgid, msgstr in expected.items():
        assert catalogue.get(msgid) == msgstr, msgid
