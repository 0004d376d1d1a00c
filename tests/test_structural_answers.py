"""Answers built from structure alone hold plausible, valid values (issue 15.6).

For every structural operation (no model route, a JSON answer), answers to a few bodies — its
required fields, every field, a period in an odd year — are checked against both documents: the
operation layer's response schema and Ozon's own (the OpenAPI document of 2026-05, else the
autumn-2026 structure for the operations it lacks), strictly (types, formats, enums, ranges,
required fields); and by name: dates look like dates, an INN has 10 or 12 digits, and so on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from oint.apis.seller import spec
from oint.apis.seller.spec import Operation
from oint.core.validate import answer_problems
from oint.sandbox import structural
from oint.sandbox.model import load_all

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "reference" / "openapi-en-2026-05.structure.json"
STRUCTURE = ROOT / "reference" / "operations.json"
ROUTES = load_all()
STRUCTURAL = [
    op
    for op in spec.operations().values()
    if ("POST", op.path) not in ROUTES and (op.method, op.path) not in ROUTES and op.response and not op.file
]
IDS = structural.Ids(
    (
        structural.Product(1111588191, "SEED-000100", 1626044001),
        structural.Product(1111588192, "SEED-000101", 0),
    ),
    (1020005000050693,),
)
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# what a field's name says its text is (the field, or the array it is an item of)
BY_NAME: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = (
    (re.compile(r"^inn$|_inn$"), re.compile(r"\d{10}|\d{12}"), "an INN of 10 or 12 digits"),
    (re.compile(r"^kpp$|_kpp$"), re.compile(r"\d{9}"), "a KPP of 9 digits"),
    (re.compile(r"^ogrn$|_ogrn$"), re.compile(r"\d{13}|\d{15}"), "an OGRN of 13 or 15 digits"),
    (re.compile(r"^bik$|_bik$"), re.compile(r"\d{9}"), "a BIK of 9 digits"),
    (re.compile(r"(^|_)email$"), re.compile(r"[^@\s]+@[^@\s]+\.[a-z]+"), "an e-mail address"),
    (re.compile(r"(^|_)currency(_code)?$"), re.compile(r"[A-Z]{3}"), "a currency code"),
    (re.compile(r"(^|_)(url|link)$"), re.compile(r"https?://\S+"), "a URL"),
)
DATE_NAME = re.compile(r"(^|_)(date|at|since|from|to|till|until|deadline|timestamp)$|^date_|_date_")
PLACE_NAME = re.compile(r"^(cluster|warehouse|city|region|address|country|place|point)_")
PLACEHOLDER = re.compile(r"[a-z_]+-\d+")  # `date-877`, `inn-7501`: a field's name and a number


def regex(node: Any) -> Any:
    """The document with its patterns that are forms in words (`+7(XXX)XXX-XX-XX`, ` YYYY-MM-DD`)
    as regular expressions; where such a form contradicts the field's format, the format holds."""
    if isinstance(node, list):
        return [regex(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: regex(v) for k, v in node.items()}
    form = out.get("pattern")
    if isinstance(form, str) and re.search("YYYY|XXX", form):
        del out["pattern"]
        if "format" not in out:
            text = re.escape(form.strip()).replace(r"\.mcs", "(MCS)?").replace("X", "D")
            for word in ("YYYY", "MM", "DD", "hh", "mm", "ss", "MCS", "D"):
                text = text.replace(word, {"YYYY": "D" * 4, "MCS": ".D+", "D": "D"}.get(word, "DD"))
            out["pattern"] = "^" + text.replace(".D+", r"\.\d+").replace("D", r"\d") + "$"
    return out


@lru_cache(maxsize=1)
def documents() -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        regex(json.loads(DOCUMENT.read_text(encoding="utf-8"))),
        json.loads(STRUCTURE.read_text(encoding="utf-8")),
    )


def ozon_schema(op: Operation) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The answer's schema in Ozon's document (the newer structure for operations it lacks)."""
    document, structure = documents()
    found = document["paths"].get(op.path, {}).get(op.method.lower())
    if found is not None:
        schema = (
            found["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        return None if schema is None else (schema, document["components"]["schemas"])
    for entry in structure["operations"]:
        if entry["path"] == op.path and entry.get("response"):
            return entry["response"], structure["components"]["schemas"]
    return None


def bodies(op: Operation) -> Iterator[dict[str, Any]]:
    yield structural.request_example(op, IDS)
    full = structural.request_example(op, IDS, full=True)
    yield full
    odd = json.loads(re.sub(r'"\d{4}-(\d\d-\d\dT)', r'"0553-\1', json.dumps(full)))  # year 553
    if odd != full:
        yield odd


def by_name(doc: Any, where: str = "", field: str = "") -> Iterator[str]:
    """Problems of the values whose names say what they are."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from by_name(value, f"{where}/{key}", key)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from by_name(value, f"{where}/{i}", field)
    elif field == "coefficient" and isinstance(doc, (int, float)) and not 0.5 <= doc <= 1.2:
        yield f"{where}: a competitor's price coefficient of {doc}, outside 0.5-1.2"  # facts.json
    elif isinstance(doc, str):
        if PLACEHOLDER.fullmatch(doc) and doc.rsplit("-", 1)[0] == field:
            yield f"{where}: a placeholder {doc!r}"
        if RFC3339.fullmatch(doc):
            try:
                dt.datetime.fromisoformat(doc.replace("Z", "+00:00"))
            except ValueError:
                yield f"{where}: {doc!r} is no date-time"
        elif (
            DATE_NAME.search(field)
            and not PLACE_NAME.match(field)
            and doc
            and not DAY.match(doc)
            and not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", doc)
        ):
            yield f"{where}: {doc!r} does not look like a date or time"
        for name, shape, what in BY_NAME:
            if name.search(field) and doc and not shape.fullmatch(doc):
                yield f"{where}: {doc!r} is not {what}"


def test_every_structural_answer_conforms_to_both_documents_and_is_plausible() -> None:
    assert len(STRUCTURAL) > 300
    failures: list[str] = []
    layer = spec.schemas()
    for op in STRUCTURAL:
        ozon = ozon_schema(op)
        for body in bodies(op):
            answer = structural.answer(op, body, IDS)
            found = [
                f"layer {p}"
                for p in answer_problems({"$ref": "#/schemas/" + str(op.response)}, answer, layer)
            ]
            if ozon is not None:
                found += [f"Ozon's {p}" for p in answer_problems(ozon[0], answer, ozon[1])]
            found += list(by_name(answer))
            if found:
                failures.append(
                    f"{op}: " + "; ".join(found[:4]) + (f" (+{len(found) - 4})" if len(found) > 4 else "")
                )
                break
    assert not failures, f"{len(failures)} operation(s):\n" + "\n".join(failures)


def test_declared_price_is_a_money_object_as_the_layer_says() -> None:
    """The product info model answered `declared_price: ""` where the layer has an object."""
    from conftest import sandbox_client

    from oint.sandbox.core import Sandbox

    sandbox = Sandbox(":memory:", rate_limits=False)
    try:
        with sandbox_client(sandbox) as ozon:
            listed = ozon.call("/v3/product/list", {"filter": {}, "limit": 5})["result"]["items"]
            info = ozon.call("/v3/product/info/list", {"product_id": [p["product_id"] for p in listed]})
    finally:
        sandbox.close()
    item_schema = {"$ref": "#/schemas/ProductDeclaredPriceMoney"}
    for item in info["items"]:
        assert isinstance(item["declared_price"], dict), item["declared_price"]
        assert not answer_problems(item_schema, item["declared_price"], spec.schemas())
