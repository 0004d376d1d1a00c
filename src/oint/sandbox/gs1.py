"""Честный знак marks: GS1 DataMatrix element strings, as a scanner gives them.

A mark is a run of GS1 application identifiers (AI) and their values: `01` and the 14 digits of
the GTIN first, then `21` and the unit's serial, then what the product group adds (`91`/`92`
verification key and code, `93` crypto tail, `8005` price, `17` expiry date, ...). A value of
variable length ends at the group separator GS (`\\x1d`, FNC1 in the symbol) or at the end of the
mark. Scanners may prefix the symbology identifier `]d2` or a leading GS; both are ignored.

Marks written without any GS (as many sellers type or store them) are taken as before: `01`,
the GTIN, `21` and a tail of printable GS1 characters, the serial and whatever follows it.

`parse_mark(text)` gives the elements ({AI: value}) or None: it never raises.
"""

from __future__ import annotations

import re

GS = "\x1d"
# GS1's character set 82 (General Specifications, figure 7.11-1): what an AI's text value may hold
_SET_82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_DIGITS = re.compile(r"[0-9]+")
MAX_MARK = 200  # characters: real marks are 31-150

# AI -> (numeric, shortest, longest, fixed): fixed-length values need no GS after them
_AIS: dict[str, tuple[bool, int, int, bool]] = {
    "01": (True, 14, 14, True),  # GTIN
    "21": (False, 1, 20, False),  # serial number
    "10": (False, 1, 20, False),  # batch or lot
    "11": (True, 6, 6, True),  # production date YYMMDD
    "17": (True, 6, 6, True),  # expiry date YYMMDD
    "240": (False, 1, 30, False),  # additional product identification
    "91": (False, 1, 90, False),  # company internal: verification key
    "92": (False, 1, 90, False),  # company internal: verification code
    "93": (False, 1, 90, False),  # company internal: crypto tail
    "7003": (True, 10, 10, True),  # expiration date and time
    "8005": (True, 6, 6, False),  # price per unit of measure (not a predefined length: GS follows)
    **{f"310{d}": (True, 6, 6, True) for d in "012345"},  # net weight, kg
}


def parse_mark(text: object) -> dict[str, str] | None:
    """The elements of a Честный знак mark ({"01": GTIN, "21": serial, ...}), or None when the
    text is no such mark."""
    if not isinstance(text, str) or not text or len(text) > MAX_MARK:
        return None
    text = text.removeprefix("]d2").removeprefix("]C1").lstrip(GS)
    if GS not in text:
        return _without_separators(text)
    elements: dict[str, str] = {}
    for segment in text.split(GS):
        if not segment or not _segment(segment, elements):
            return None
    return elements if next(iter(elements)) == "01" and "21" in elements else None


def is_mark(text: object) -> bool:
    """Whether `text` is a well-formed Честный знак mark (see `parse_mark`)."""
    return parse_mark(text) is not None


def _without_separators(text: str) -> dict[str, str] | None:
    match = re.fullmatch(r"01([0-9]{14})21(.+)", text, flags=re.S)
    if match is None or not _SET_82.fullmatch(match.group(2)):
        return None
    return {"01": match.group(1), "21": match.group(2)}


def _segment(segment: str, elements: dict[str, str]) -> bool:
    """Read the AIs of one GS-separated segment into `elements`; False when it is malformed."""
    at = 0
    while at < len(segment):
        ai = next((a for a in sorted(_AIS, key=len) if segment.startswith(a, at)), None)
        if ai is None or ai in elements:
            return False
        numeric, shortest, longest, fixed = _AIS[ai]
        at += len(ai)
        end = at + longest if fixed else len(segment)
        value = segment[at:end]
        if not shortest <= len(value) <= longest:
            return False
        if not (_DIGITS if numeric else _SET_82).fullmatch(value):
            return False
        elements[ai] = value
        at = end
    return True
