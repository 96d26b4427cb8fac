"""Pure: turn what a cell of a CSV or Excel sheet holds into a typed value, or say why not.

Problems are codes with parameters; the engine words them in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from ranks.core.formulas import restore
from ranks.people.names import fold

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, allowing for its 1900 leap-year bug


class ValueProblem(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def as_text(raw) -> str:
    """The cell as text, as the user sees it: whole numbers without `.0`, dates as ISO, and the
    apostrophe an export put before `=`, `+`, `-`, `@` taken off again."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time(0) else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return restore(str(raw).strip())


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_SERIAL = re.compile(r"^\d{1,6}(\.0+)?$")


def parse_date(raw) -> dt.date:
    """ISO `YYYY-MM-DD`, `DD/MM/YYYY` as Vietnamese write it, an Excel date, or an Excel serial."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_serial(float(raw))
    text = as_text(raw)
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    match = _VN.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise ValueProblem("not_a_date")


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueProblem("not_a_date") from None


def _from_serial(serial: float) -> dt.date:
    if serial < 1 or serial > 2958465:
        raise ValueProblem("not_a_date")
    if 1900 <= serial <= 2100:
        raise ValueProblem("not_a_date")  # a year written alone, not a day of 1905
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


TRUE = {"true", "1", "yes", "y", "x", "có", "co", "đúng", "dung"}
FALSE = {"false", "0", "no", "n", "không", "khong", "sai", ""}


def parse_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = as_text(raw).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueProblem("not_a_bool")


def parse_int(raw) -> int:
    if isinstance(raw, bool):
        raise ValueProblem("not_a_number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = as_text(raw).replace(" ", "")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise ValueProblem("not_a_number")


def parse_list(raw) -> list[str]:
    return [part.strip() for part in as_text(raw).split(";") if part.strip()]


def parse_choice(raw, choices: Sequence[str], aliases: Mapping[str, str] | None = None) -> str:
    """A key of the list, or a name of one as clerks write it ("Nam", "Nông dân"): `aliases`
    maps folded names (no diacritics, lower case) to keys."""
    text = as_text(raw)
    if text in choices:
        return text
    lowered = text.lower().replace(" ", "_").replace("-", "_")
    if lowered in choices:
        return lowered
    if aliases and fold(text) in aliases:
        return aliases[fold(text)]
    raise ValueProblem("not_in_list", allowed=", ".join(choices))


def parse_choices(
    raw, choices: Sequence[str], aliases: Mapping[str, str] | None = None
) -> list[str]:
    return [parse_choice(part, choices, aliases) for part in parse_list(raw)]
