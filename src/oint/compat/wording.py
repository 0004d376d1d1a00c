"""Words for what a parameter takes, derived from its kind and its declaration; shared by the
reference docs, the CLI help and the generated docstrings."""

from __future__ import annotations

import re

from oint.compat.registry import Param
from oint.compat.values import ArrayKind, CollectionKind, IdKind, NumberKind


def lower_first(text: str) -> str:
    """Lower-case the first letter: "Product filter" -> "product filter"; acronyms and names
    ("SKU", "OInt's") stay as written."""
    word = text.split(" ", 1)[0]
    if word[:1].isupper() and not any(c.isupper() for c in word[1:]):
        return text[0].lower() + text[1:]
    return text


SEE = re.compile(r"\s*\bSee (\w+)\.?")
MAP_DOC = re.compile(r"^(?:(?P<role>[^:]+):\s*)?Key > (?P<key>[^,]+), Value > (?P<value>.+)$")
ARRAY_OF = re.compile(r"^Array of (\(or one\) )?", re.I)
ID_FIELD = re.compile(r"^(?P<what>\w*?)_?(?P<id>ids?|skus?)$")


def item_noun(p: Param) -> str | None:
    """What the items of an id array are ("product ids", "SKUs", "cluster ids"), from its body
    field (or name) when that says so; None otherwise."""
    m = ID_FIELD.match(p.field or p.name) or ID_FIELD.match(p.name)
    if m is None:
        return None
    what = m["what"].replace("_", " ")
    noun = "SKUs" if m["id"].startswith("sku") else "ids"
    return f"{what} {noun}".strip()


def type_text(p: Param) -> str:
    """What an option takes, in words, from its kind and its declaration: "array of product ids
    (numbers or strings)", "object: product selection filter (see GetProductsFilterStructure)".
    (OInt's own type text, e.g. "Array Of String", stays in `Param.type_doc`.)"""
    kind = p.kind
    see = SEE.search(p.doc)
    role = lower_first(SEE.sub("", p.doc).strip().rstrip("."))
    if isinstance(kind, ArrayKind):
        item = kind.item
        if isinstance(item, CollectionKind):  # structures: say which
            text = f"{kind.text}: {lower_first(ARRAY_OF.sub('', role))}"
        elif isinstance(item, (IdKind, NumberKind)) and (noun := item_noun(p)):
            text = f"array of {noun} ({item.plural.removeprefix('ids ').strip('()')})"
        else:
            text = kind.text
    elif isinstance(kind, CollectionKind):
        pair = MAP_DOC.match(p.doc)
        if pair:  # OInt's maps: "Key > SKU, Value > quantity"
            prefix = f": {lower_first(pair['role'])}" if pair["role"] else ""
            text = f"object{prefix} {{{pair['key'].strip()}: {pair['value'].strip()}}}"
        elif kind.want == "object":
            text = f"{kind.text}: {role}" if role else kind.text
        else:
            text = kind.text
    else:
        text = kind.text
    return f"{text} (see {see[1]})" if see else text
