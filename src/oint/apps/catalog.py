"""The Seller API as a catalogue: the fields of a schema flattened into readable lines, and
operations found by word in English or Russian. Pure, derived from the operation layer
(`oint.apis.seller.spec`) and the OInt registry; used by `oint ozon ops` / help and by the MCP server."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation


def words(text: str) -> list[str]:
    """The words of a path or name: `/v1/product/update/offer-id` -> v1, product, update, offer, id."""
    return [w for w in re.split(r"[-_/]", text.lower()) if w]


# ------------------------------------------------------------------ fields of a schema
class Field(NamedTuple):
    path: str  # dotted; arrays of objects as `items[].name`
    type: str  # "string", "integer (int64)", "array of string", "object"...
    required: bool
    enum: tuple[str, ...]
    limits: str  # "max 1000", "1..100 items"...

    def line(self, max_enum: int = 12) -> str:
        text = f"{self.path}: {self.type}"
        if self.required:
            text += ", required"
        if self.limits:
            text += f", {self.limits}"
        if self.enum:
            shown = "|".join(self.enum[:max_enum])
            more = f"|…{len(self.enum) - max_enum} more" if len(self.enum) > max_enum else ""
            text += f", one of {shown}{more}"
        return text


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def _type_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "array":
        items = spec.resolve(node.get("items") or {})
        return f"array of {_type_text(items)}"
    if kind is None and "properties" in node:
        kind = "object"
    if kind is None and "anyOf" in node:
        return " or ".join(_type_text(spec.resolve(n)) for n in node["anyOf"])
    text = str(kind or "any")
    fmt = node.get("format")
    if fmt and fmt not in ("int32", "float", "double"):
        text += f" ({fmt})"
    return text


def _limits(node: dict[str, Any]) -> str:
    parts = []
    lo, hi = node.get("minItems"), node.get("maxItems")
    if lo is not None or hi is not None:
        parts.append(f"{lo if lo is not None else 0}..{hi if hi is not None else '∞'} items")
    lo, hi = node.get("minimum"), node.get("maximum")
    if lo is not None or hi is not None:
        parts.append(f"{lo if lo is not None else '−∞'}..{hi if hi is not None else '∞'}")
    if node.get("maxLength") is not None:
        parts.append(f"max length {node['maxLength']}")
    return ", ".join(parts)


def fields(schema_name: str | None, *, max_depth: int = 6) -> list[Field]:
    """The fields of a named schema, flattened (nested objects and arrays of objects followed,
    recursive references cut)."""
    if not schema_name:
        return []
    out: list[Field] = []
    _walk(spec.schema(schema_name), "", out, max_depth, frozenset({schema_name}))
    return out


def _walk(node: dict[str, Any], prefix: str, out: list[Field], depth: int, seen: frozenset[str]) -> None:
    if depth <= 0:
        return
    required = set(node.get("required") or ())
    for name, raw in (node.get("properties") or {}).items():
        ref = _ref_name(raw)
        child = spec.resolve(raw)
        path = f"{prefix}{name}"
        enum = child.get("enum") or (spec.resolve(child.get("items") or {}).get("enum") or ())
        out.append(Field(path, _type_text(child), name in required, tuple(map(str, enum)), _limits(child)))
        if ref is not None and ref in seen:
            continue
        inner, suffix = child, "."
        if child.get("type") == "array":
            items_raw = child.get("items") or {}
            ref = _ref_name(items_raw) or ref
            if ref is not None and ref in seen:
                continue
            inner, suffix = spec.resolve(items_raw), "[]."
        if inner.get("properties"):
            _walk(inner, path + suffix, out, depth - 1, seen | ({ref} if ref else set()))


# ------------------------------------------------------------------ search
# A few everyday words in both languages, so that an English query finds Russian titles and a
# Russian one finds path words. Stems: matched as prefixes.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("stock", "остат", "сток"),
    ("price", "цен"),
    ("product", "товар"),
    ("order", "заказ"),
    ("posting", "отправлен"),
    ("warehouse", "склад"),
    ("return", "возврат"),
    ("review", "отзыв"),
    ("question", "вопрос"),
    ("chat", "чат"),
    ("report", "отчёт", "отчет"),
    ("action", "promotion", "promo", "акци"),
    ("barcode", "штрихкод"),
    ("picture", "image", "photo", "изображен", "фото"),
    ("category", "категор"),
    ("attribute", "характеристик", "атрибут"),
    ("label", "этикет"),
    ("supply", "поставк"),
    ("finance", "финанс"),
    ("transaction", "транзакц"),
    ("invoice", "счёт-фактур", "счет-фактур"),
    ("certificate", "сертификат"),
    ("rating", "рейтинг"),
    ("cancel", "отмен"),
    ("delivery", "доставк"),
    ("cluster", "кластер"),
    ("discount", "скидк", "уцен"),
    ("strategy", "стратег"),
    ("archive", "архив"),
    ("analytics", "аналитик"),
    ("list", "список"),
    ("update", "обнов"),
    ("create", "созда"),
    ("delete", "удал"),
    ("info", "информац"),
    ("limit", "лимит"),
    ("description", "описан"),
    ("timeslot", "таймслот"),
    ("draft", "черновик"),
    ("seller", "продав"),
    ("courier", "курьер"),
    ("carriage", "перевоз", "отгруз"),
)


def _stem(word: str) -> str:
    return word[:-2] if len(word) > 5 else word


def _matches(query: str, token: str) -> bool:
    if query == token:
        return True
    if len(query) >= 4 and token.startswith(_stem(query)):
        return True
    return len(token) >= 4 and query.startswith(_stem(token))


class _Entry(NamedTuple):
    op: Operation
    tokens: dict[str, float]  # token -> weight
    oint: str | None  # the OInt function calling it


def _tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"\w+", text.lower().replace("ё", "е")) if len(t) > 1]


@lru_cache(maxsize=1)
def _index() -> tuple[_Entry, ...]:
    from oint.compat.methods import REGISTRY

    oint = {m.operation: m for m in REGISTRY if m.operation}
    entries = []
    for op in spec.operations().values():
        weights: dict[str, float] = {}

        def add(tokens: list[str], weight: float, weights: dict[str, float] = weights) -> None:
            for t in tokens:
                weights[t] = max(weights.get(t, 0.0), weight)

        for f in fields(op.request, max_depth=3):
            add(_tokens(f.path.replace("[]", "").replace("_", " ")), 1.0)
        for f in fields(op.response, max_depth=2):
            add(_tokens(f.path.replace("[]", "").replace("_", " ")), 0.5)
        add(_tokens(op.title), 3.0)
        add([w for w in words(op.path) if not w.startswith("v") or not w[1:].isdigit()], 3.0)
        method = oint.get(op.path)
        if method is not None:
            split = re.sub(r"(?<=[a-zа-я])(?=[A-ZА-Я])", " ", method.name_en + " " + method.name_ru)
            add(_tokens(split + " " + method.summary), 2.0)
        entries.append(_Entry(op, weights, method.name_en if method else None))
    return tuple(entries)


def _expand(word: str) -> list[str]:
    out = [word]
    for group in SYNONYMS:
        if any(_matches(word, g) for g in group):
            out += [g for g in group if g != word]
    return out


def ranked(query: str) -> list[tuple[float, int, Operation, str | None]]:
    """(score, terms matched of the query, operation, OInt function calling it), best first:
    words are matched in an operation's path, name, Russian title, OInt function and field names,
    in English or Russian (a few everyday words are translated); current before retired."""
    exact = spec.find(query.strip()) if query.strip() else None
    terms = [_expand(w) for w in _tokens(query.replace("/", " ").replace("_", " ").replace("-", " "))]
    scored: list[tuple[float, int, Operation, str | None]] = []
    for entry in _index():
        score, hits = 0.0, 0
        for variants in terms:
            best = 0.0
            for i, variant in enumerate(variants):
                for token, weight in entry.tokens.items():
                    if weight > best and _matches(variant, token):
                        best = weight * (1.0 if i == 0 else 0.8)
            score += best
            hits += best > 0
        if exact is not None and entry.op.path == exact.path:
            score += 100.0
            hits = len(terms)
        if score <= 0:
            continue
        if terms and hits == len(terms):
            score *= 1.5
        # the more of an operation's own words (path and title) the query covers, the closer it is
        own = [t for t, w in entry.tokens.items() if w >= 3.0]
        covered = sum(1 for t in own if any(_matches(v, t) for variants in terms for v in variants))
        score += 2.0 * covered / max(len(own), 1)
        if entry.op.retired or entry.op.deprecated:
            score *= 0.6
        scored.append((score, hits, entry.op, entry.oint))
    scored.sort(key=lambda s: (-s[0], _version(s[2].path), s[2].path))
    return scored


def matching(query: str) -> list[Operation]:
    """Every operation whose own words (path, name, Ozon's title, the OInt function calling it)
    match all the query's words, in path order (all operations with no words)."""
    terms = [_expand(w) for w in _tokens(query.replace("/", " ").replace("_", " ").replace("-", " "))]
    found = []
    for entry in _index():
        own = [t for t, w in entry.tokens.items() if w >= 2.0]
        if all(any(_matches(v, t) for v in variants for t in own) for variants in terms):
            found.append(entry.op)
    return sorted(found, key=lambda op: op.path)


def _version(path: str) -> int:
    m = re.match(r"/v(\d+)/", path)
    return -int(m.group(1)) if m else 0
