"""The byte layout of the Kaggle Olist CSV files.

The real files quote every header name; in data rows a text value is quoted
only when it starts with a digit (which keeps the leading zeros of zip
prefixes and marks hex ids such as ``"06b8..."``) or when CSV requires it
(comma, quote or line break inside). Numbers and timestamps are bare, money
has two decimals, missing values are empty. The translation file is the odd
one: unquoted header, UTF-8 byte-order mark, CRLF endings, no final newline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

_CENTS = np.array([f"{i:02d}" for i in range(100)], dtype=object)
_NEEDS_QUOTES = re.compile(r'^[0-9]|[,"\r\n]')
BOM = "\ufeff"


def quote_ids(ids: np.ndarray) -> np.ndarray:
    """Hex ids (text or bytes) as written: quoted when the first character is a digit."""
    ids = np.asarray(ids).astype("U32")
    digit_first = ids.astype("U1") < "a"
    out = ids.astype(object)
    out[digit_first] = np.char.add(np.char.add('"', ids[digit_first]), '"').astype(object)
    return out


def quote_text(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """Free text as written: quoted (with doubled quotes) only where needed."""
    out = np.asarray(values, dtype=object).copy()
    for i, v in enumerate(out):
        if v and _NEEDS_QUOTES.search(v):
            out[i] = '"' + v.replace('"', '""') + '"'
    return out


def quote_codes(values: np.ndarray) -> np.ndarray:
    """Short codes known to start with a digit and hold no special character (zips)."""
    return np.char.add(np.char.add('"', np.asarray(values, dtype=str)), '"').astype(object)


def money(cents: np.ndarray) -> np.ndarray:
    """Integer cents as ``123.45`` (always two decimals)."""
    cents = np.asarray(cents, dtype=np.int64)
    whole = (np.abs(cents) // 100).astype(str).astype(object)
    text = whole + "." + _CENTS[np.abs(cents) % 100]
    negative = cents < 0
    if negative.any():
        text[negative] = "-" + text[negative]
    return text


def coordinates(values: np.ndarray) -> np.ndarray:
    """Degrees with up to 14 decimals, as the geocoder wrote them (``-23.54562128115268``).

    Built from integers: numpy's float-to-text is the slowest step otherwise.
    """
    scaled = np.round(np.abs(np.asarray(values, dtype=np.float64)) * 1e14).astype(np.int64)
    whole = (scaled // 10**14).astype(str).astype(object)
    padded = (scaled % 10**14 + 10**14).astype("U15")  # "1" + 14 digits keeps leading zeros
    frac = padded.view("U1").reshape(len(padded), 15)[:, 1:].copy().view("U14").ravel()
    frac = np.strings.rstrip(frac, "0")  # shortest form, like the real file
    frac[np.strings.str_len(frac) == 0] = "0"
    text = whole + "." + frac.astype(object)
    negative = np.asarray(values) < 0
    text[negative] = "-" + text[negative]
    return text


def integers(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Integers as text; ``missing`` rows become empty fields."""
    out = np.asarray(values, dtype=np.int64).astype(str).astype(object)
    if missing is not None:
        out[missing] = ""
    return out


def timestamps(ts: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS``; NaT becomes an empty field."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    text = np.datetime_as_string(ts, unit="s")
    chars = text.view("U1").reshape(len(text), -1)
    chars[:, 10] = " "
    out = text.astype(object)
    out[np.isnat(ts)] = ""
    return out


def spreadsheet_timestamps(ts: np.ndarray) -> np.ndarray:
    """``m/d/yyyy h:mm`` as spreadsheet tools re-save dates (seconds are lost)."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    out = np.full(len(ts), "", dtype=object)
    ok = ~np.isnat(ts)
    day = ts[ok].astype("datetime64[D]")
    year = day.astype("datetime64[Y]").astype(int) + 1970
    month = day.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (day - day.astype("datetime64[M]")).astype(int) + 1
    secs = (ts[ok] - day).astype(int)
    hour, minute = secs // 3600, secs % 3600 // 60
    out[ok] = [
        f"{m}/{d}/{y} {h}:{mi:02d}"
        for m, d, y, h, mi in zip(month, dom, year, hour, minute, strict=True)
    ]
    return out


def join_rows(columns: Sequence[np.ndarray]) -> list[str]:
    """Comma-join already formatted fields, one string per record."""
    return list(
        map(",".join, zip(*[np.asarray(c, dtype=object).tolist() for c in columns], strict=True))
    )


class CsvFile:
    """An output CSV opened for appending formatted records.

    Keeps the record count (a quoted line break inside a review message is
    still one record) and writes the header on open.
    """

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        *,
        crlf: bool = False,
        bom: bool = False,
        quote_header: bool = True,
        final_newline: bool = True,
    ) -> None:
        self.path = path
        self.columns = tuple(header)
        self.newline = "\r\n" if crlf else "\n"
        self.records = 0
        self._final_newline = final_newline
        self._pending_newline = False
        self._fh = path.open("w", encoding="utf-8", newline="")
        names = [f'"{h}"' if quote_header else h for h in header]
        self._fh.write((BOM if bom else "") + ",".join(names))
        self._pending_newline = True

    def write_records(self, records: Sequence[str]) -> None:
        """Append records (each a formatted line without its line ending)."""
        if not records:
            return
        nl = self.newline
        if nl != "\n":
            # Line breaks inside quoted fields follow the file's convention too.
            records = [r.replace("\r\n", "\n").replace("\n", nl) for r in records]
        self._fh.write(nl + nl.join(records))
        self.records += len(records)

    def write_columns(self, columns: Sequence[np.ndarray]) -> None:
        """Append records given as formatted columns."""
        self.write_records(join_rows(columns))

    def close(self) -> None:
        """Finish the file (final line ending unless told otherwise)."""
        if self._final_newline:
            self._fh.write(self.newline)
        self._fh.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
