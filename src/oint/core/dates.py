"""Dates as OInt's users write them: ISO 8601 or OInt's RU/1C forms (shared by the parameter kinds
of `oint.compat.values` and the sandbox's clock)."""

from __future__ import annotations

import datetime as dt

_DATE_FORMATS = (
    "%m/%d/%Y %H:%M:%S",  # OInt RU CLI example: 07/29/2025 21:23:13
    "%d.%m.%Y %H:%M:%S",  # 1C presentation
    "%d.%m.%Y",
    "%m/%d/%Y",
)


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 (fractions of any length, optional Z/offset) or OInt's RU/1C date forms."""
    s = text.strip()
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    frac = iso.find(".")
    if frac != -1:  # Python < 3.11 accepts only 3 or 6 digits of fractions; .NET prints 7
        end = frac + 1
        while end < len(iso) and iso[end].isdigit():
            end += 1
        digits = iso[frac + 1 : end][:6].ljust(6, "0")
        iso = iso[:frac] + "." + digits + iso[end:]
    try:
        return dt.datetime.fromisoformat(iso)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(text)
