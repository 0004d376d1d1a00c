"""Answers of the operations that have no model yet: generated from the operation layer's schemas.

`answer(op, body, ids)` is pure: the same operation, body and ids give the same answer. Every
answer conforms to the operation's response schema (types, formats, enums, limits, required
fields), with plausible values chosen by field name and format — ids, SKUs and offer ids of the
account's real products and warehouses (`Ids`, read from the store by the caller; the ones the
request names come first), posting numbers like `12345678-0001-1`, ISO dates inside the
request's period, `RUB`, prices as the schema types them — and, for paged operations, a finite
list of a few items served page by page until each style's end (`has_next: false`, an empty
`last_id`/`cursor`, the page count, a short page), so that the clients' iterators end with every
item once. An operation whose answer is a file gets a small valid PDF or PNG (`file_answer`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation

MAX_DEPTH = 8  # nested objects deeper than this are left out (recursive schemas)
PAGE_SIZE = 3  # items per page of an operation whose request has no page size
ITEM_ID_BASE = 1_000_000  # ids of the items of lists whose next position is the last item's id
DEFAULT_DAY = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)  # dates when the request gives none
ID_KEYS = {
    "product": ("product_id", "product_ids"),
    "offer": ("offer_id", "offer_ids"),
    "sku": ("sku", "skus", "sku_id", "sku_ids"),
    "warehouse": ("warehouse_id", "warehouse_ids"),
    "posting": ("posting_number", "posting_numbers"),
}
MEASURES = ("height", "length", "width", "depth", "weight", "volume", "quantity", "count")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


class Product(NamedTuple):
    id: int
    offer_id: str
    sku: int


class Ids(NamedTuple):
    """The account's real ids the answers use."""

    products: tuple[Product, ...] = ()
    warehouses: tuple[int, ...] = ()


# ------------------------------------------------------------------ the answer
def answer(op: Operation, body: Mapping[str, Any], ids: Ids, *, defs: Mapping[str, Any] | None = None) -> Any:
    """The answer of `op` to `body`: a JSON document conforming to its response schema ({} when
    the operation answers nothing). `defs`: the schemas of another API's layer (default: the
    Seller API's)."""
    if op.response is None:
        return {}
    gen = _Generator(op, body, ids, defs=defs)
    doc = gen.value({"$ref": "#/schemas/" + op.response}, "", 0, frozenset(), 0)
    if op.paging is not None:
        gen.page(doc)
    return doc


def request_example(op: Operation, ids: Ids | None = None, *, full: bool = False) -> dict[str, Any]:
    """A request body the operation's schema accepts: its required fields (one of each set of
    alternatives), or every field with `full`, with the same plausible values as the answers."""
    if op.request is None:
        return {}
    gen = _Generator(op, {}, ids or Ids(), required_only=not full)
    value = gen.value({"$ref": "#/schemas/" + op.request}, "", 0, frozenset(), 0)
    return value if isinstance(value, dict) else {}


def file_answer(op: Operation, body: Mapping[str, Any]) -> tuple[str, bytes]:
    """(media type, content) of an operation that answers a file."""
    media = op.file or "application/octet-stream"
    if media == "image/png":
        return media, png_image()
    return media, pdf_document(f"oint sandbox: {op.path}")


class _Generator:
    def __init__(
        self,
        op: Operation,
        body: Mapping[str, Any],
        ids: Ids,
        *,
        required_only: bool = False,
        defs: Mapping[str, Any] | None = None,
    ) -> None:
        self.op = op
        self.required_only = required_only
        self.body = body
        self.defs = spec.schemas() if defs is None else defs
        paging = op.paging
        skip = {paging.position, paging.size} if paging else set()
        self.base = f"{op.path}|{_canonical({k: v for k, v in body.items() if k not in skip})}"
        self.asked = _asked(body)
        named = _match(ids.products, self.asked)
        # the products the request names, else the catalogue's on sale (with a SKU) when there are some
        self.products = named or tuple(p for p in ids.products if p.sku) or ids.products
        self.warehouses = tuple(_ints(self.asked["warehouse"])) or ids.warehouses
        self.postings = tuple(str(p) for p in self.asked["posting"])
        self.start, self.end = _period(body)

    # -- values
    def value(self, node: Mapping[str, Any], where: str, depth: int, seen: frozenset[str], k: int) -> Any:
        """A value for schema `node` at `where` (a path like `/result/items/0/sku`); `k` picks the
        product/warehouse the enclosing object is about."""
        name = None
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            node = self.defs[name]
        if "anyOf" in node and "properties" not in node:
            return self.value(node["anyOf"][0], where, depth, seen, k)
        kind = node.get("type") or ("object" if "properties" in node else None)
        field = where.rsplit("/", 1)[-1]
        if depth > MAX_DEPTH + 4 and kind in ("object", "array"):  # a recursive chain of required fields
            return {} if kind == "object" else []
        if kind == "object":
            props: dict[str, Any] = node.get("properties") or {}
            k = _hash(self.base, where, "entity")
            out = {}
            inner = seen | ({name} if name else set())
            required = set(node.get("required") or ())
            for branch in node.get("anyOf") or ():  # one of several sets of fields: the first
                required.update(branch.get("required", ()))
                break
            for key, sub in props.items():
                ref = sub.get("$ref", "").rsplit("/", 1)[-1] or None
                items_ref = (sub.get("items") or {}).get("$ref", "").rsplit("/", 1)[-1] or None
                recursive = ref in inner or items_ref in inner
                optional = key not in required
                if optional and (
                    recursive or depth >= MAX_DEPTH or self.required_only or sub.get("deprecated")
                ):
                    continue
                out[key] = self.value(sub, f"{where}/{key}", depth + 1, inner, k)
            return out
        if kind == "array":
            items = node.get("items") or {}
            low, high = node.get("minItems") or 0, node.get("maxItems")
            spread = 3 if depth < 3 else 1  # 1-3 items near the top, 1 deeper down
            count = 0 if depth >= MAX_DEPTH else 1 + _hash(self.base, where, "count") % spread
            count = max(low, count if high is None else min(count, high))
            return [self.value(items, f"{where}/{i}", depth + 1, seen, k + i) for i in range(count)]
        if node.get("enum"):
            return node["enum"][_hash(self.base, where) % len(node["enum"])]
        if kind == "integer":
            return self.integer(node, field, where, k)
        if kind == "number":
            return self.number(node, field, where)
        if kind == "boolean":
            return _hash(self.base, where) % 2 == 0
        if kind == "string":
            return self.string(node, _singular(field, where), where, k)
        return {}  # free form

    def product(self, k: int) -> Product | None:
        return self.products[k % len(self.products)] if self.products else None

    def integer(self, node: Mapping[str, Any], field: str, where: str, k: int) -> int:
        field = _singular(field, where)
        h = _hash(self.base, where)
        product = self.product(k)
        if field in ID_KEYS["product"] and product:
            value = product.id
        elif field in ID_KEYS["sku"] and product and product.sku:
            value = product.sku
        elif field in ID_KEYS["warehouse"] and self.warehouses:
            value = self.warehouses[k % len(self.warehouses)]
        elif field.endswith(("_id", "_ids")) or field in ("id", "sku", "skus"):
            value = 100_000_000 + h % 900_000_000
        elif node.get("format") == "int64" and field.endswith(("_at", "time", "timestamp")):
            value = int(self.moment(where).timestamp())
        else:
            value = 1 + h % 50
        return int(_bounded(node, value))

    def number(self, node: Mapping[str, Any], field: str, where: str) -> float:
        h = _hash(self.base, where)
        low, high = node.get("minimum"), node.get("maximum")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)):  # somewhere in the range
            return float(round(low + (high - low) * (h % 1001) / 1000, 2))
        if any(w in field for w in ("percent", "rate", "ratio", "rating", "index", "coefficient")):
            value = round((h % 1000) / 100, 2)
        else:
            value = float(100 + h % 4900)
        return float(_bounded(node, value))

    def string(self, node: Mapping[str, Any], field: str, where: str, k: int) -> str:
        h = _hash(self.base, where)
        fmt = node.get("format")
        product = self.product(k)
        template = node.get("x-template")
        text: str
        if fmt == "date-time":
            text = _iso(self.moment(where))
        elif fmt == "date" or (isinstance(template, str) and "YYYY-MM-DD" == template):
            text = self.moment(where).date().isoformat()
        elif isinstance(template, str) and "YYYY" not in template:  # `+7(XXX)XXX-XX-XX`: digits for the X
            digits = iter(f"{h:020d}")
            text = re.sub("X", lambda _: next(digits), template)
        elif isinstance(template, str) or _is_moment(field):
            text = _iso(self.moment(where))
        elif field in REQUISITES:
            text = _requisite(field, h)
        elif field in ID_KEYS["offer"] and product:
            text = product.offer_id
        elif field in ID_KEYS["product"] and product:
            text = str(product.id)
        elif field in ID_KEYS["sku"] and product and product.sku:
            text = str(product.sku)
        elif field in ID_KEYS["warehouse"] and self.warehouses:
            text = str(self.warehouses[k % len(self.warehouses)])
        elif field in ID_KEYS["posting"]:
            text = self.postings[k % len(self.postings)] if self.postings else _posting(h)
        elif field == "order_number":
            text = f"{10_000_000 + h % 90_000_000}-{1 + h % 9:04d}"
        elif fmt in ("int64", "uint64", "int32"):
            big = field.endswith(("_id", "_ids")) or field in ("id", "sku", "skus")
            text = str(int(_bounded(node, 100_000_000 + h % 900_000_000 if big else 1 + h % 50)))
        elif field.endswith(("_id", "_ids")) or field == "id":
            text = str(100_000_000 + h % 900_000_000)
        elif "currency" in field:
            text = "RUB"
        elif field == "vat":
            text = "0.2"
        elif any(w in field for w in ("price", "amount", "cost", "sum", "commission", "payout")):
            text = f"{100 + h % 4900}.00"
        elif field in MEASURES or field.endswith(tuple("_" + m for m in MEASURES)):
            text = str(1 + h % 500)
        elif "barcode" in field:
            text = f"46{h % 10**11:011d}"
        elif any(w in field for w in ("url", "link", "image", "picture", "photo", "file")):
            text = f"https://example.com/oint-sandbox/{field}/{h % 100_000}.jpg"
        elif "email" in field:
            text = f"seller{h % 1000}@example.com"
        elif "phone" in field:
            text = f"+7999{h % 10**7:07d}"
        elif field in ("language", "country_code", "country_iso_code"):
            text = "RU"
        elif field.endswith(("guid", "uuid")) or field == "cursor":
            text = _uuid(h)
        elif field in ("latitude", "lat"):
            text = f"{55 + h % 1000 / 1000:.6f}"
        elif field in ("longitude", "lon", "lng"):
            text = f"{37 + h % 1000 / 1000:.6f}"
        elif any(w in field for w in ("zipcode", "zip_code", "postcode", "postal_code")):
            text = f"{101000 + h % 800000}"
        elif any(w in field for w in ("percent", "share", "rate", "ratio", "points", "coefficient")):
            text = f"{h % 10000 / 100:.2f}"
        else:
            text = _text(field, h)
        low, high = node.get("minLength"), node.get("maxLength")
        if isinstance(high, int):
            text = text[:high]
        if isinstance(low, int) and len(text) < low:
            text = text + "x" * (low - len(text))
        return text

    def moment(self, where: str) -> dt.datetime:
        """A moment in the request's period (or a fixed month when it gives none), whole seconds."""
        span = max(int((self.end - self.start).total_seconds()), 1)
        return self.start + dt.timedelta(seconds=_hash(self.base, where, "moment") % span)

    # -- paging
    def page(self, doc: Any) -> None:
        """Make `doc` one page of a finite list: the items from the request's position on, and the
        fields that tell the next page or the end."""
        p = self.op.paging
        assert p is not None
        total = 3 + _hash(self.base, "total") % 5
        size = _int(self.body.get(p.size)) if p.size else None
        if not size or size <= 0:
            size = (p.max or 100) if p.size else PAGE_SIZE
        position = self.body.get(p.position)
        if p.style == "offset":
            start = max(_int(position) or 0, 0)
        elif p.style == "page":
            start = (max(_int(position) or 1, 1) - 1) * size
        elif p.next is None and p.next_item:  # the position is the last item's id (see below)
            start = min(max((_int(position) or ITEM_ID_BASE) - ITEM_ID_BASE, 0), total)
        else:
            start = _decode_token(position)
        stop = min(start + size, total)
        more = stop < total
        items_at = p.items
        if items_at:
            schema = _field_schema(self.defs, self.op.response, items_at)
            items = (schema or {}).get("items") or {}
            values = [
                self.value(items, f"/{items_at.replace('.', '/')}/{i}", 1, frozenset(), i)
                for i in range(start, max(start, stop))
            ]
            if p.next is None and p.next_item:  # each item's id says where the list goes on after it
                for i, value in zip(range(start, stop), values, strict=False):
                    if isinstance(value, dict):
                        n = ITEM_ID_BASE + i + 1
                        value[p.next_item] = str(n) if isinstance(value.get(p.next_item), str) else n
            _put(doc, items_at, values)
            parent = _dig(doc, items_at.rpartition(".")[0]) if "." in items_at else doc
            for holder in (doc, parent):
                if isinstance(holder, dict):
                    for key in ("total", "total_items", "total_count"):
                        if isinstance(holder.get(key), int) and not isinstance(holder.get(key), bool):
                            holder[key] = total
        if p.has_next:
            _put(doc, p.has_next, more)
        if p.pages:
            _put(doc, p.pages, max(1, math.ceil(total / size)))
        if p.next:
            current = _dig(doc, p.next)
            if p.style == "page":  # next_page_number: the number of the next page, 0 at the end
                nxt: Any = (start // size) + 2 if more else 0
                _put(doc, p.next, str(nxt) if isinstance(current, str) else nxt)
            elif isinstance(current, int) and not isinstance(current, bool):
                _put(doc, p.next, stop if more else 0)
            else:
                _put(doc, p.next, _encode_token(stop) if more else "")


# ------------------------------------------------------------------ request helpers
def asked_ids(body: Any) -> dict[str, list[Any]]:
    """The ids a request names, by kind (product, offer, sku, warehouse, posting); product ids,
    SKUs and warehouse ids as positive integers."""
    asked = _asked(body)
    for kind in ("product", "sku", "warehouse"):
        asked[kind] = _ints(asked[kind])
    return asked


def _asked(body: Any) -> dict[str, list[Any]]:
    """The ids the request names, by kind (product, offer, sku, warehouse, posting)."""
    out: dict[str, list[Any]] = {kind: [] for kind in ID_KEYS}
    for key, value in _fields(body):
        for kind, keys in ID_KEYS.items():
            if key in keys:
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, (int, str)) and not isinstance(v, bool) and v not in ("", 0):
                        out[kind].append(v)
    return out


def _fields(node: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _fields(value)


def _match(products: tuple[Product, ...], asked: dict[str, list[Any]]) -> tuple[Product, ...]:
    """The account's products the request names (by product id, offer id or SKU), in its order."""
    wanted: list[tuple[str, object]] = [("id", v) for v in _ints(asked["product"])]
    wanted += [("offer_id", str(v)) for v in asked["offer"]]
    wanted += [("sku", v) for v in _ints(asked["sku"])]
    found: list[Product] = []
    for attr, value in wanted:
        for p in products:
            if getattr(p, attr) == value and p not in found:
                found.append(p)
    return tuple(found)


def _ints(values: Iterable[Any]) -> list[int]:
    out = []
    for v in values:
        n = _int(v)
        if n is not None and n > 0:
            out.append(n)
    return out


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value.strip()):
        return int(value)
    return None


def _period(body: Any) -> tuple[dt.datetime, dt.datetime]:
    """The period the request names (its earliest and latest date-times), else a fixed month."""
    moments = []
    for _, value in _fields({"": body}):
        if isinstance(value, str) and _DATE_TIME.fullmatch(value):
            try:
                moments.append(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                continue
    moments = [m if m.tzinfo else m.replace(tzinfo=dt.timezone.utc) for m in moments]
    if len(moments) >= 2 and min(moments) < max(moments):
        return min(moments).replace(microsecond=0), max(moments).replace(microsecond=0)
    start = moments[0].replace(microsecond=0) if moments else DEFAULT_DAY
    if start.year > 9000:  # a month after it must still be a date
        start = DEFAULT_DAY
    return start, start + dt.timedelta(days=30)


# ------------------------------------------------------------------ helpers
def _hash(*parts: Any) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _singular(field: str, where: str) -> str:
    """The name a value goes by: an array item's is its array's (`skus/0` -> `skus`)."""
    if field.isdigit():
        parts = where.split("/")
        names = [p for p in parts if p and not p.isdigit()]
        return names[-1] if names else ""
    return field


def _bounded(node: Mapping[str, Any], value: float) -> float:
    low, high = node.get("minimum"), node.get("maximum")
    if isinstance(high, (int, float)) and value > high:
        value = high
    if isinstance(low, (int, float)) and value < low:
        value = low
    return value


def _iso(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, the year in four digits (strftime leaves years before 1000 short)."""
    m = moment.astimezone(dt.timezone.utc)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


_MOMENT_WORDS = {"date", "time", "datetime", "timestamp", "deadline", "moment", "timeslot", "dt"}
_NOT_MOMENT_WORDS = {"zone", "timezone", "days", "hours", "minutes", "seconds", "type", "id", "name"}
_BOUNDS = {"from", "to", "since", "till", "until"}
_PLACES = {
    "cluster",
    "warehouse",
    "city",
    "region",
    "address",
    "country",
    "place",
    "point",
    "zone",
    "district",
}


def _is_moment(field: str) -> bool:
    """Whether a text field's name says it holds a moment (`created_at`, `date`, `period_from`,
    `delivery_date_begin`, `timeslot_start`), not a duration, a zone, a name or a place
    (`cluster_from`)."""
    words = field.lower().split("_")
    if words[-1] == "at" or (words[-1] in _BOUNDS and not _PLACES & set(words)):
        return True
    return bool(_MOMENT_WORDS & set(words)) and not (_NOT_MOMENT_WORDS & set(words))


# Russian company and bank requisites, by field name: (digits, prefix)
REQUISITES = {
    "inn": 10,
    "payer_inn": 10,
    "seller_inn": 10,
    "buyer_inn": 10,
    "receiver_inn": 10,
    "inn_kio": 10,
    "kpp": 9,
    "payer_kpp": 9,
    "seller_kpp": 9,
    "buyer_kpp": 9,
    "receiver_kpp": 9,
    "ogrn": 13,
    "ogrnip": 15,
    "bik": 9,
    "bic": 9,
    "okpo": 8,
    "correspondent_account": 20,
    "checking_account": 20,
    "account_number": 20,
    "settlement_account": 20,
}


def _requisite(field: str, h: int) -> str:
    """An INN (10 digits), KPP (9), OGRN (13), BIK (9, `04…`), account number (20) of the right length."""
    size = REQUISITES[field]
    digits = f"{h:020d}"[-size:]
    if field in ("bik", "bic"):
        return "04" + digits[2:]
    return str(7 if digits[0] == "0" else digits[0]) + digits[1:]


_WORDS = (
    "north", "river", "garden", "amber", "harbour", "maple", "summit", "cedar", "silver", "meadow",
    "falcon", "willow", "granite", "orchid", "coral", "aspen",
)  # fmt: skip


def _text(field: str, h: int) -> str:
    """Readable text for a field the name says nothing more about: `Warehouse name: amber 4661`."""
    label = (field or "value").replace("_", " ").strip().capitalize()
    return f"{label}: {_WORDS[h % len(_WORDS)]} {h % 10_000}"


def _posting(h: int) -> str:
    return f"{10_000_000 + h % 90_000_000}-{1 + h % 9:04d}-{1 + h % 3}"


def _uuid(h: int) -> str:
    text = hashlib.blake2b(str(h).encode(), digest_size=16).hexdigest()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _encode_token(index: int) -> str:
    """A page token as Ozon's look: base64 of a JSON array."""
    return base64.b64encode(json.dumps([index]).encode()).decode()


def _decode_token(token: Any) -> int:
    """The position a token stands for (0, the first page, for none or one this sandbox never gave)."""
    number = _int(token)
    if number is not None:
        return max(number, 0)
    if isinstance(token, str) and token:
        try:
            decoded = json.loads(base64.b64decode(token, validate=True))
        except ValueError:
            return 0
        if isinstance(decoded, list) and decoded and isinstance(decoded[0], int):
            return max(decoded[0], 0)
    return 0


def _dig(doc: Any, dotted: str) -> Any:
    for key in dotted.split(".") if dotted else ():
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _put(doc: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        if not isinstance(doc, dict):
            return
        doc = doc.setdefault(key, {})
    if isinstance(doc, dict):
        doc[last] = value


def _field_schema(defs: Mapping[str, Any], root: str | None, dotted: str) -> Mapping[str, Any] | None:
    node: Mapping[str, Any] = {"$ref": "#/schemas/" + root} if root else {}
    for key in dotted.split("."):
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        node = (node.get("properties") or {}).get(key) or {}
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    return node or None


# ------------------------------------------------------------------ files
def pdf_document(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII), valid enough for any reader."""
    from oint.sandbox.model.labels_pdf import pdf_escape, pdf_file  # the model's PDF writer

    stream = f"BT /F1 12 Tf 72 770 Td ({pdf_escape(text)}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)


def png_image() -> bytes:
    """A 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
