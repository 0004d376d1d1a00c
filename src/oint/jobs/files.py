"""Files in and out of bulk jobs and exports: CSV, XLSX (extra `oint[xlsx]`) and JSON lines.

Input: a header row names the columns as Ozon's fields (`offer_id`, `warehouse_id`,
`stock`); nested fields take dotted names (`price.price`, `attributes.0.id`); a list of
plain values may sit in one cell as JSON (`["https://a/1.jpg","https://a/2.jpg"]`). Each
cell is converted by the operation's request schema (the operation layer): whole numbers,
numbers, booleans, strings, JSON for lists and objects. Every bad cell is reported with
its row and column before anything is sent.

Output: streamed writers with a fixed header (CSV, XLSX in openpyxl's write-only mode)
or one JSON object per line; memory stays flat whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, Protocol

from oint.apis.seller.spec import Operation, resolve, schema
from oint.core.errors import UsageError

MAX_REPORTED = 20  # input errors printed (all are counted)
FORMATS = ("csv", "xlsx", "jsonl")


# file name endings, as a file is read and as it is written: tab-separated text is read as CSV
# (the delimiter is found from the header), but written CSV is comma-separated, so only .csv
READ_ENDINGS = (
    (".csv", "csv"),
    (".tsv", "csv"),
    (".xlsx", "xlsx"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
)
WRITE_ENDINGS = ((".csv", "csv"), (".xlsx", "xlsx"), (".jsonl", "jsonl"), (".ndjson", "jsonl"))


def file_format(path: str, option: str = "--file", *, writing: bool = False) -> str:
    """csv, xlsx or jsonl, from the file name (UsageError for any other ending: a .txt or .json
    file is refused, read or written, rather than guessed)."""
    name = path.lower()
    for ending, fmt in WRITE_ENDINGS if writing else READ_ENDINGS:
        if name.endswith(ending):
            return fmt
    raise UsageError(f"{option}: {path!r}: use a .csv, .xlsx or .jsonl file")


def check_output(path: str, option: str = "--out") -> str:
    """The format of a file to be written, once it is known that it can be written: checked
    before anything is sent (UsageError naming the problem)."""
    fmt = file_format(path, option, writing=True)
    check_writable(path, option)
    return fmt


def check_writable(path: str, option: str = "--out") -> None:
    """A file `option` names (`--out`, `--report`) must be writable before anything is sent:
    UsageError naming the problem. The one check, for a call's answer and a job's files."""
    if not path:
        raise UsageError(f"{option}: needs a file name")
    real = os.path.realpath(path)  # a symlink is written through to its target
    if os.path.isdir(real) or path.endswith(("/", os.sep)):
        raise UsageError(f"{option}: {path!r} is a folder, not a file")
    if os.path.exists(real):
        if not os.access(real, os.W_OK):
            raise UsageError(f"{option}: no permission to write {path!r}")
        return
    folder = os.path.dirname(real)
    if not os.path.exists(folder):
        raise UsageError(f"{option}: folder {folder!r} does not exist")
    if not os.path.isdir(folder):
        raise UsageError(f"{option}: {folder!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: no permission to create a file in {folder!r}")


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise UsageError("XLSX files need openpyxl: pip install 'oint[xlsx]'") from None
    return openpyxl


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# ------------------------------------------------------------------ reading rows
class Table(NamedTuple):
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, cells)


def read_table(path: str) -> Table:
    """The header and the rows of a file (rows streamed; row numbers as a spreadsheet shows them)."""
    fmt = file_format(path)
    try:
        if fmt == "csv":
            return _read_csv(path)
        if fmt == "xlsx":
            return _read_xlsx(path)
        return _read_jsonl(path)
    except FileNotFoundError:
        raise UsageError(f"--file: {path!r} does not exist") from None
    except OSError as e:
        raise UsageError(f"--file: cannot read {path!r}: {e.strerror}") from None


def _read_csv(path: str) -> Table:
    fh = open(path, encoding="utf-8-sig", newline="")
    first = fh.readline()
    if not first.strip():
        fh.close()
        raise UsageError(f"--file: {path!r} has no header row")
    delimiter = max((";", ",", "\t"), key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num + 1, cells

    return Table([h.strip() for h in header], rows())


def _read_xlsx(path: str) -> Table:
    openpyxl = _openpyxl()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise UsageError(f"--file: {path!r} is not a readable XLSX workbook: {e}") from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    first = next(it, None)
    if first is None:
        book.close()
        raise UsageError(f"--file: {path!r} has no header row")
    header = ["" if h is None else str(h).strip() for h in first]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(it, 2):
                values = ["" if c is None else c for c in cells]
                if any(str(v).strip() for v in values):
                    yield number, values
        finally:
            book.close()

    return Table(header, rows())


def _read_jsonl(path: str) -> Table:
    """JSON lines: each line an object (nested objects allowed); the header is the keys of the
    first line; a later line may leave keys out, or add fields (checked like columns)."""
    fh = open(path, encoding="utf-8-sig")
    lines = enumerate(fh, 1)
    first: tuple[int, dict[str, Any]] | None = None
    for number, line in lines:
        if line.strip():
            first = (number, _json_line(line, number))
            break
    if first is None:
        fh.close()
        raise UsageError(f"--file: {path!r} is empty")
    header = list(first[1])

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with fh:
            yield first[0], [JsonLine(first[1])]
            for number, line in lines:
                if line.strip():
                    yield number, [JsonLine(_json_line(line, number))]

    return Table(header, rows())


class JsonLine(NamedTuple):
    doc: dict[str, Any]


def rows_table(rows: Any, option: str = "rows") -> Table:
    """Items given as JSON objects (an MCP tool's `rows`), read like JSON lines: the header is the
    keys of the first, rows are numbered from 1."""
    if not isinstance(rows, list) or not rows:
        raise UsageError(f"{option}: expected a non-empty list of JSON objects")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise UsageError(f"{option}: row {number} is not a JSON object")
    return Table(list(rows[0]), ((number, [JsonLine(row)]) for number, row in enumerate(rows, 1)))


def _json_line(line: str, number: int) -> dict[str, Any]:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as e:
        raise UsageError(f"--file: line {number}: not JSON ({e.msg})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"--file: line {number}: each line must be a JSON object")
    return doc


# ------------------------------------------------------------------ cells to items
class Check(NamedTuple):
    """A rule a kind of job adds to the schema's: `field` `op` `value` (op: >, >=)."""

    field: str
    op: str
    value: float


class ItemSchema:
    """Converts rows into items of an operation's batch field, by its request schema."""

    def __init__(
        self,
        op: Operation,
        one_of: tuple[tuple[str, ...], ...] = (),
        checks: tuple[Check, ...] = (),
        decimals: tuple[str, ...] = (),
    ) -> None:
        self.op = op
        request = resolve(schema(op.request))
        field = op.batch.field if op.batch is not None else None
        node = resolve(request.get("properties", {}).get(field)) if field else request
        self.item = resolve(node.get("items")) if field else node
        self.scalar = self.item.get("type") not in (None, "object")  # archive: a list of product ids
        self.field = field or ""
        self.one_of = one_of
        self.checks = checks
        self.decimals = decimals

    def fields(self) -> list[str]:
        if self.scalar:
            return [self.field]
        return sorted(self.item.get("properties", {}))

    def node(self, dotted: str) -> dict[str, Any] | None:
        """The schema of a dotted column (None: not a field)."""
        if self.scalar:
            return self.item if dotted == self.field else None
        node: dict[str, Any] = self.item
        for part in dotted.split("."):
            if node.get("type") == "array":
                if not part.isdigit():
                    return None
                node = resolve(node.get("items"))
                continue
            props = node.get("properties")
            if not isinstance(props, dict) or part not in props:
                return None
            node = resolve(props[part])
        return node

    def check_header(self, header: list[str]) -> list[str]:
        problems = []
        seen: set[str] = set()
        for i, name in enumerate(header):
            where = f"column {column_letter(i)}"
            if not name:
                problems.append(f"header: {where} has no name")
            elif name in seen:
                problems.append(f"header: column {name!r} appears twice")
            elif self.node(name) is None:
                known = ", ".join(self.fields())
                problems.append(
                    f"header: {where} {name!r} is not a field of {self.op.path} items (fields: {known})"
                )
            seen.add(name)
        if self.scalar and self.field not in header:
            problems.append(f"header: a column {self.field!r} is needed")
        required = [] if self.scalar else self.item.get("required", [])
        for name in required:
            if name not in header and not any(h.startswith(name + ".") for h in header):
                problems.append(f"header: a column {name!r} is needed")
        for group in self.one_of:
            if not any(g in header for g in group):
                problems.append(f"header: one of the columns {', '.join(group)} is needed")
        return problems

    def item_of(self, header: list[str], cells: list[Any]) -> tuple[Any, list[str]]:
        """The item of one row and the problems of its cells ("column 'stock' (C): ...")."""
        problems: list[str] = []
        bad: set[str] = set()
        item: dict[str, Any] = {}
        if len(cells) == 1 and isinstance(cells[0], JsonLine):  # a JSON line: values typed already
            named = [(name, f"field {name!r}", value, True) for name, value in cells[0].doc.items()]
        else:
            named = [
                (name, f"column {name!r} ({column_letter(i)})", cells[i] if i < len(cells) else "", False)
                for i, name in enumerate(header)
            ]
            for i in range(len(header), len(cells)):  # a value under no column: refused, not dropped
                if str(cells[i]).strip():
                    problems.append(
                        f"column {column_letter(i)}: {cells[i]!r} is beyond the header's "
                        f"{len(header)} columns"
                    )
        for name, where, value, typed in named:
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            node = self.node(name)
            if node is None:
                problems.append(f"{where}: not a field of {self.op.path} items")
                continue
            try:
                converted = _convert(value, node, typed, name in self.decimals)
            except ValueError as e:
                problems.append(f"{where}: {e}")
                bad.add(name)
                continue
            if self.scalar:
                return converted, problems
            _put(item, name, converted)
        if self.scalar:
            return None, problems or [f"column {self.field!r}: empty"]
        for name in self.item.get("required", []):
            if name not in item and name not in bad:
                problems.append(f"column {name!r}: empty, but Ozon needs it")
        for group in self.one_of:
            if not any(item.get(g) not in (None, "", 0) for g in group):
                problems.append(f"columns {' / '.join(repr(g) for g in group)}: one of them must be filled")
        for check in self.checks:
            value = item.get(check.field)
            if isinstance(value, (int, float)) and not _passes(value, check):
                problems.append(f"column {check.field!r}: must be {check.op} {check.value:g}, got {value}")
        return item, problems


def _passes(value: float, check: Check) -> bool:
    return value > check.value if check.op == ">" else value >= check.value


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node: Any = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt_is_index = not last and parts[i + 1].isdigit()
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append(None)
            if last:
                node[index] = value
            else:
                if node[index] is None:
                    node[index] = [] if nxt_is_index else {}
                node = node[index]
        else:
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if nxt_is_index else {})


def _convert(value: Any, node: dict[str, Any], typed: bool, decimal: bool) -> Any:
    """A cell as the schema's type (`typed`: a JSON value, lists and objects taken as they are)."""
    kind = node.get("type")
    if typed and kind in ("array", "object"):
        if not isinstance(value, list if kind == "array" else dict):
            raise ValueError(f"expected a JSON {kind}, got {json.dumps(value, ensure_ascii=False)}")
        return value
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return int(text)
        raise ValueError(f"expected a whole number, got {text!r}")
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return float(str(value).strip())
        except ValueError:
            raise ValueError(f"expected a number, got {str(value)!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "y", "да"):
            return True
        if text in ("false", "0", "no", "n", "нет"):
            return False
        raise ValueError(f"expected true or false, got {str(value)!r}")
    if kind in ("array", "object"):
        text = str(value).strip()
        if kind == "array" and not text.startswith("["):
            item = resolve(node.get("items"))
            return [_convert(text, item, False, False)]
        try:
            doc = json.loads(text)
        except ValueError:
            raise ValueError(f"expected JSON ({kind}), got {text!r}") from None
        if not isinstance(doc, list if kind == "array" else dict):
            raise ValueError(f"expected a JSON {kind}, got {text!r}")
        return doc
    # strings: spreadsheets give numbers for offer ids and prices
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (dict, list)):
        raise ValueError(f"expected text, got {json.dumps(value, ensure_ascii=False)}")
    else:
        text = str(value).strip()
    enum = node.get("enum")
    if enum and text not in enum:
        raise ValueError(f"expected one of {', '.join(enum)}, got {text!r}")
    if decimal:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"expected a number with a point as decimal separator, got {text!r}") from None
        if not number.is_finite() or number < 0:
            raise ValueError(f"expected a non-negative number, got {text!r}")
    return text


# ------------------------------------------------------------------ writing rows
class Writer(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


def cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


class CsvWriter:
    def __init__(self, path: str, columns: list[str]) -> None:
        self._fh: io.TextIOWrapper = open(path, "w", encoding="utf-8", newline="")
        self._columns = columns
        self._csv = csv.writer(self._fh)
        self._csv.writerow(columns)

    def write(self, row: dict[str, Any]) -> None:
        self._csv.writerow([cell_text(row.get(c)) for c in self._columns])

    def close(self) -> None:
        self._fh.close()


class XlsxWriter:
    def __init__(self, path: str, columns: list[str]) -> None:
        openpyxl = _openpyxl()
        self._path = path
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet()
        self._columns = columns
        self._sheet.append(columns)

    def write(self, row: dict[str, Any]) -> None:
        self._sheet.append([cell_text(row.get(c)) for c in self._columns])

    def close(self) -> None:
        self._book.save(self._path)


class JsonlWriter:
    def __init__(self, path: str, columns: list[str] | None = None) -> None:
        self._fh = open(path, "w", encoding="utf-8")
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write(self, row: dict[str, Any]) -> None:
        self._fh.write(self._dumps(row) + "\n")

    def close(self) -> None:
        self._fh.close()


def open_writer(path: str, columns: list[str], option: str = "--out") -> Writer:
    """A streamed writer by file extension (JSON lines keep rows as given, nested)."""
    fmt = check_output(path, option)
    try:
        if fmt == "csv":
            return CsvWriter(path, columns)
        if fmt == "xlsx":
            return XlsxWriter(path, columns)
        return JsonlWriter(path, columns)
    except OSError as e:
        raise UsageError(f"{option}: cannot write {path!r}: {e.strerror}") from None


def flatten(doc: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested objects as dotted keys; lists stay whole (written as JSON in a cell)."""
    out = {} if out is None else out
    if isinstance(doc, dict):
        for k, v in doc.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                flatten(v, key, out)
            else:
                out[key] = v
    else:
        out[prefix or "value"] = doc
    return out


def schema_columns(node: dict[str, Any], prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted column names of an object schema (objects flattened, lists kept whole)."""
    node = resolve(node)
    props = node.get("properties")
    if not isinstance(props, dict) or depth > 4:
        return [prefix] if prefix else []
    out: list[str] = []
    for name in props:
        child = resolve(props[name])
        key = f"{prefix}.{name}" if prefix else name
        if child.get("type") == "object" or ("properties" in child and child.get("type") != "array"):
            out += schema_columns(child, key, depth + 1) or [key]
        else:
            out.append(key)
    return out
