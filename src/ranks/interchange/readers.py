"""Reading a CSV or XLSX file row by row, without holding it in memory.

Problems with the file as a whole (empty, too large, not UTF-8, not a spreadsheet) raise
`FileProblem`; the engine words them in the user's language.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import charset_normalizer

SAMPLE = 64 * 1024
# What charset-normalizer calls the encodings Vietnamese files are saved in, in words for users.
ENCODING_NAMES = {
    "cp1258": "Windows-1258 (Vietnamese)",
    "windows-1258": "Windows-1258 (Vietnamese)",
    "utf_16": "UTF-16 (Excel's “Unicode text”)",
    "utf_16_le": "UTF-16 (Excel's “Unicode text”)",
    "utf_16_be": "UTF-16",
    "cp1252": "Windows-1252 (Western; a TCVN3 or VNI font file looks like this)",
    "latin_1": "ISO-8859-1 (Western; a TCVN3 or VNI font file looks like this)",
}


class FileProblem(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    size: int
    progress: Any  # () -> (done, total) in the same unit
    delimiter: str | None = None  # a CSV file's delimiter; None for a workbook
    release: Any = None  # () -> None: let go of the stream without closing it, to read it again

    def close(self) -> None:
        pass


# Windows-1258 writes Vietnamese tones as combining marks after the vowel: a vowel followed by
# one of them is Vietnamese, where charset-normalizer, on a short file, may guess Big5 or cp1250.
_CP1258_SYLLABLE = re.compile("[aăâeêioôơuưyAĂÂEÊIOÔƠUƯY][\u0300\u0301\u0303\u0309\u0323]")


def guess_encoding(sample: bytes) -> str:
    if _CP1258_SYLLABLE.search(sample.decode("cp1258", errors="replace")):
        return ENCODING_NAMES["cp1258"]
    best = charset_normalizer.from_bytes(sample).best()
    name = (best.encoding if best else "").lower()
    return ENCODING_NAMES.get(name, name or "unknown")


def _size(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


# Sheets of Ranks' own templates that hold no data (see ranks.interchange.xlsx_templates).
NOT_DATA_SHEETS = {"hướng dẫn - help", "lists"}


def open_table(
    stream: IO[bytes], filename: str, *, max_bytes: int, sheet: str | None = None
) -> Table:
    """The rows of a CSV file, or of an XLSX workbook's sheet named `sheet` (else its first data
    sheet, leaving out a template's help and lists sheets, wherever they were moved)."""
    size = _size(stream)
    if size > max_bytes:
        raise FileProblem("too_large", size=size, limit=max_bytes)
    head = stream.read(8)
    stream.seek(0)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FileProblem("empty")
    name = filename.lower()
    if head.startswith(b"PK") or name.endswith((".xlsx", ".xlsm")):
        return _open_xlsx(stream, size, sheet)
    if name.endswith((".xls", ".ods")) or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel")
    return _open_csv(stream, size)


def _open_csv(stream: IO[bytes], size: int) -> Table:
    sample = stream.read(SAMPLE)
    stream.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem("not_utf8", encoding=ENCODING_NAMES["utf_16"])
    # A multi-byte character may be cut at the end of the sample: decode incrementally.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SAMPLE)
    except UnicodeDecodeError:
        raise FileProblem("not_utf8", encoding=guess_encoding(sample)) from None
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", errors="strict")
    first_line = text.readline()
    text.seek(0)
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("empty") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for record in reader:
                number = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                yield number, record
        except UnicodeDecodeError:
            stream.seek(0)
            raise FileProblem(
                "not_utf8", encoding=guess_encoding(stream.read(SAMPLE * 4)), row=number + 1
            ) from None
        except csv.Error as error:
            raise FileProblem("bad_csv", row=reader.line_num, detail=str(error)) from None

    def progress() -> tuple[int, int]:
        try:
            return stream.tell(), size
        except (OSError, ValueError):
            return size, size

    return Table(
        header=[h.strip() for h in header],
        rows=rows(),
        size=size,
        progress=progress,
        delimiter=delimiter,
        release=text.detach,
    )


def _open_xlsx(stream: IO[bytes], size: int, wanted: str | None) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileProblem("not_xlsx", detail=str(error)) from None
    named = [
        ws for ws in workbook.worksheets if wanted and ws.title.strip().lower() == wanted.lower()
    ]
    data = [ws for ws in workbook.worksheets if ws.title.strip().lower() not in NOT_DATA_SHEETS]
    sheet = (named or data or workbook.worksheets)[0]
    total = sheet.max_row or 0
    state = {"row": 0}
    iterator = sheet.iter_rows(values_only=True)
    header_row = next(iterator, None)
    if header_row is None or not any(v is not None and str(v).strip() for v in header_row):
        workbook.close()
        raise FileProblem("empty")
    header = [("" if v is None else str(v)).strip() for v in header_row]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, row in enumerate(iterator, start=2):
                state["row"] = number
                values = list(row[: len(header)]) if row else []
                if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    continue
                yield number, values
        finally:
            workbook.close()

    def progress() -> tuple[int, int]:
        return state["row"], max(total, state["row"])

    return Table(
        header=header,
        rows=rows(),
        size=size,
        progress=progress,
    )
