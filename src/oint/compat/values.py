"""Value kinds of method parameters: how a Python or CLI value becomes a body value.

Each kind normalises what a Python caller passes (native lists, dicts, datetimes,
or OInt's JSON text) and parses what the CLI passes (text, JSON with single
quotes, or a path to a JSON file). Pure functions, no I/O except reading a file
path given on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from typing import Any

from oint.core.dates import parse_datetime as parse_datetime  # OInt's DATE kind reads dates with it
from oint.core.errors import UsageError


def is_filled(value: Any) -> bool:
    """OInt's `ЗначениеЗаполнено`: "", 0, False, None, empty list/dict are not filled."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, tuple, dict, set)):
        return len(value) > 0
    if isinstance(value, (int, float)):
        return value != 0
    return True


# ----------------------------------------------------------------- JSON with single quotes
def relaxed_json(text: str) -> Any:
    """Parse JSON that may use single-quoted strings, as OInt's CLI examples do.

    `"['a','b']"` and `"{'k': 'it''s'}"`-style pseudo-JSON become real JSON: single-quoted
    strings are re-quoted, double quotes inside them escaped. Raises ValueError.
    """
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    return json.loads(_requote(text), strict=False)


def _requote(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':  # copy a double-quoted string verbatim
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif ch == "'":
            j = i + 1
            buf: list[str] = ['"']
            while j < n and text[j] != "'":
                c = text[j]
                if c == "\\" and j + 1 < n:
                    nxt = text[j + 1]
                    buf.append("'" if nxt == "'" else c + nxt)
                    j += 2
                    continue
                buf.append('\\"' if c == '"' else c)
                j += 1
            if j >= n:
                raise ValueError("unterminated single-quoted string")
            buf.append('"')
            out.append("".join(buf))
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_ESCAPES = {"n": "\n", "r": "\r", "v": "\v", "f": "\f", "t": "\t", "\\": "\\"}


def unescape(text: str) -> str:
    """OInt's CLI escapes in plain strings: \\n \\r \\v \\f (and \\t, \\\\)."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _looks_like_json(text: str) -> bool:
    s = text.lstrip()
    return s.startswith(("[", "{"))


def _load_json_file(path: str, option: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return relaxed_json(fh.read())
    except ValueError as e:
        raise UsageError(f"--{option}: file {path!r} is not valid JSON: {e}") from None
    except OSError as e:
        raise UsageError(f"--{option}: cannot read {path!r}: {e.strerror}") from None


def parse_number(text: str) -> int | float:
    """A number from text: int when integral, else float. Raises ValueError."""
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        f = float(s.replace(",", "."))
        if f != f or f in (float("inf"), float("-inf")):
            raise ValueError(text) from None
        return int(f) if f.is_integer() and "e" not in s.lower() and "." not in s else f


def parse_bool(text: str) -> bool:
    s = text.strip().lower()
    if s in ("true", "1", "yes", "y", "истина", "да"):
        return True
    if s in ("false", "0", "no", "n", "ложь", "нет", ""):
        return False
    raise ValueError(text)


# ----------------------------------------------------------------- kinds
class Kind:
    """How one parameter's value is accepted (Python and CLI) and shaped for the body."""

    name = "value"
    py_type = "Any"
    text = "any value"  # what it takes, in words (the docs' Type column)
    plural = "values"  # the same, as the items of an array

    def normalise(self, value: Any, option: str) -> Any:
        """Accept a Python value (native or OInt's text form); raise UsageError naming `option`."""
        return value

    def parse_cli(self, text: str, option: str) -> Any:
        """Turn command-line text into a Python value."""
        return self.normalise(text, option)


class StringKind(Kind):
    name = "string"
    py_type = "str"
    text, plural = "string", "strings"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            raise UsageError(f"--{option}: expected text, got a boolean")
        if isinstance(value, (int, float)):
            return str(value)
        raise UsageError(f"--{option}: expected text, got {type(value).__name__}")

    def parse_cli(self, text: str, option: str) -> Any:
        return unescape(text)


class IdKind(Kind):
    """A string or a number (OInt's "String, Number"); kept as given, digits become int on the CLI."""

    name = "string|number"
    py_type = "int | str"
    text, plural = "id (number or string)", "ids (numbers or strings)"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise UsageError(f"--{option}: expected an identifier (number or text), got {value!r}")

    def parse_cli(self, text: str, option: str) -> Any:
        s = text.strip()
        return int(s) if s.isdigit() else unescape(text)


class NumberKind(Kind):
    name = "number"
    py_type = "int | float | str"
    text, plural = "number", "numbers"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return parse_number(value)
            except ValueError:
                raise UsageError(f"--{option}: expected a number, got {value!r}") from None
        raise UsageError(f"--{option}: expected a number, got {value!r}")


class BoolKind(Kind):
    name = "boolean"
    py_type = "bool"
    text, plural = "boolean (true or false)", "booleans"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return parse_bool(value)
            except ValueError:
                raise UsageError(f"--{option}: expected true or false, got {value!r}") from None
        if isinstance(value, int):
            return bool(value)
        raise UsageError(f"--{option}: expected true or false, got {value!r}")


class ArrayKind(Kind):
    """An array; a single value becomes a one-item list (OInt's rule). JSON text accepted."""

    name = "array"

    def __init__(self, item: Kind) -> None:
        self.item = item
        self.py_type = f"{item.py_type} | Sequence[{item.py_type}] | None"
        self.text = f"array of {item.plural}"
        self.plural = f"arrays of {item.plural}"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            if _looks_like_json(value):
                try:
                    value = relaxed_json(value)
                except ValueError as e:
                    raise UsageError(f"--{option}: malformed JSON array: {e}") from None
            elif not value:
                return []
            else:
                return [self.item.normalise(value, option)]
        if isinstance(value, (list, tuple)):
            return [self.item.normalise(v, option) for v in value]
        if isinstance(value, Mapping):
            return [value]
        return [self.item.normalise(value, option)]

    def parse_cli(self, text: str, option: str) -> Any:
        if _looks_like_json(text):
            return self.normalise(text, option)
        if text.lower().endswith(".json") or (text and os.path.isfile(text)):
            return self.normalise(_load_json_file(text, option), option)
        return [self.item.parse_cli(text, option)]


class CollectionKind(Kind):
    """A JSON object or array (OInt's "Коллекция"); Python dicts/lists or JSON text."""

    name = "collection"
    py_type = "Mapping[str, Any] | Sequence[Any] | str | None"
    text, plural = "object or array", "objects or arrays"

    def __init__(self, want: str = "any") -> None:
        self.want = want  # "any", "object" or "array"
        if want == "object":
            self.name, self.py_type = "object", "Mapping[str, Any] | str | None"
            self.text, self.plural = "object", "objects"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = relaxed_json(value)
            except ValueError as e:
                raise UsageError(f"--{option}: malformed JSON: {e}") from None
        if isinstance(value, tuple):
            value = list(value)
        if self.want == "object" and not isinstance(value, Mapping):
            raise UsageError(f"--{option}: expected a JSON object {{...}}, got {type(value).__name__}")
        if not isinstance(value, (Mapping, list)):
            raise UsageError(f"--{option}: expected a JSON object or array, got {type(value).__name__}")
        return dict(value) if isinstance(value, Mapping) else value

    def parse_cli(self, text: str, option: str) -> Any:
        if _looks_like_json(text) or not text.strip():
            return self.normalise(text, option)
        if os.path.isfile(text) or text.lower().endswith(".json"):
            return self.normalise(_load_json_file(text, option), option)
        raise UsageError(f"--{option}: expected JSON text or a path to a JSON file, got {text!r}")


class DateKind(Kind):
    name = "date"
    py_type = "dt.datetime | dt.date | str"
    text, plural = "date (ISO 8601, or MM/DD/YYYY HH:MM:SS)", "dates"

    def normalise(self, value: Any, option: str) -> Any:
        if value is None or isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return parse_datetime(value)
            except ValueError:
                raise UsageError(
                    f"--{option}: expected a date such as 2025-07-05T12:47:44 or 07/29/2025 21:23:13, "
                    f"got {value!r}"
                ) from None
        raise UsageError(f"--{option}: expected a date, got {value!r}")


STRING = StringKind()
ID = IdKind()
NUMBER = NumberKind()
BOOL = BoolKind()
DATE = DateKind()
ANY = CollectionKind()
OBJECT = CollectionKind("object")


def array_of(item: Kind) -> ArrayKind:
    return ArrayKind(item)


STRINGS = array_of(STRING)
IDS = array_of(ID)
NUMBERS = array_of(NUMBER)


# ----------------------------------------------------------------- body converters
def as_int(value: Any) -> Any:
    """Number for the body: ints stay, digit strings become int, others are left to Ozon to judge."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_str(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def as_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_number(value)
        except ValueError:
            return value
    return value


def xml_datetime_z(value: Any) -> str:
    """OInt's `XMLString(date) + "Z"`: the datetime as written, seconds precision, 'Z' appended.

    Aware datetimes are converted to UTC first (OInt has no time zones; a Python caller's
    aware datetime means what it says).
    """
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0).isoformat() + "Z"
    return str(value)


def without_blanks(value: Any) -> Any:
    """A structure without its unfilled fields: keys whose value is "" (what the Get…Structure
    templates leave) are dropped, recursively, so a partly filled template can be sent as is."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value
