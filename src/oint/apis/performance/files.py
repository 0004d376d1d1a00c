"""The Performance API's file answers, read into rows: a statistics report is a CSV (one campaign)
or a ZIP of CSVs (several); `rows(content)` gives one dict per line of data, whichever it is.

What the reader expects of a CSV (Ozon's reports are made this way): UTF-8 (a BOM allowed), fields
separated by `;` (or `,` / a tab, recognised), maybe title lines before the header line (a line
with fewer fields than the header), a header line, the data lines, maybe a totals line (first
field "Всего", "Итого" or "Total"). A campaign number in a title (`№ 123`) or, in a ZIP, in the
member's name is added to each row of that file as `campaign_id` when the rows lack one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

__all__ = ["is_total", "rows"]

ZIP_MAGIC = b"PK\x03\x04"
TOTALS = ("всего", "итого", "total")
CAMPAIGN_IN_TITLE = re.compile(r"№\s*(\d+)")
CAMPAIGN_IN_NAME = re.compile(r"(\d{3,})")


def is_total(row: dict[str, str]) -> bool:
    """Whether a row is a report's totals line (its first field says so)."""
    first = next(iter(row.values()), "")
    return isinstance(first, str) and first.strip().lower().startswith(TOTALS)


def rows(content: bytes, *, totals: bool = True) -> list[dict[str, str]]:
    """The data rows of a report file (CSV, or a ZIP of CSVs: the members in name order).
    `totals=False` leaves out the totals lines. ValueError for a file that is neither."""
    out: list[dict[str, str]] = []
    for name, text in _members(content):
        for row in _csv_rows(text, name):
            if totals or not is_total(row):
                out.append(row)
    return out


def _members(content: bytes) -> Iterator[tuple[str, str]]:
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = sorted(n for n in archive.namelist() if not n.endswith("/"))
                for name in names:
                    yield name, _text(archive.read(name))
        except zipfile.BadZipFile as e:
            raise ValueError(f"a report file that is not a readable ZIP ({e})") from None
        return
    yield "", _text(content)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("a report file that is not UTF-8 text (nor a ZIP)") from None


def _delimiter(lines: list[str]) -> str:
    sample = [line for line in lines[:20] if line.strip()]
    counts = {d: max((line.count(d) for line in sample), default=0) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _csv_rows(text: str, name: str) -> Iterator[dict[str, str]]:
    lines = text.splitlines()
    if not lines:
        return
    delimiter = _delimiter(lines)
    parsed = [r for r in csv.reader(lines, delimiter=delimiter) if any(cell.strip() for cell in r)]
    if not parsed:
        return
    widest = max(len(r) for r in parsed)
    start = next(i for i, r in enumerate(parsed) if len(r) == widest)  # the header line
    titles = " ".join(" ".join(r) for r in parsed[:start])
    found = CAMPAIGN_IN_TITLE.search(titles) or (CAMPAIGN_IN_NAME.search(name) if name else None)
    campaign = found.group(1) if found else None
    header = [cell.strip() for cell in parsed[start]]
    for record in parsed[start + 1 :]:
        row = {key: (record[i].strip() if i < len(record) else "") for i, key in enumerate(header)}
        if campaign is not None and "campaign_id" not in row:
            row["campaign_id"] = campaign
        yield row
