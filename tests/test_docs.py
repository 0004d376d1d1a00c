"""The generated reference docs/reference.md: up to date with the registry, and what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tools import docs

from oint.compat import wording
from oint.compat.methods import REGISTRY
from oint.compat.registry import GROUPS, Method, P
from oint.compat.values import ANY, IDS, STRING, as_str


@pytest.fixture(scope="module")
def text() -> str:
    return docs.generate()


def section_of(text: str, name_en: str) -> str:
    start = text.index(f"\n### {name_en}\n")
    end = text.find("\n### ", start + 1)
    end2 = text.find("\n## ", start + 1)
    ends = [e for e in (end, end2) if e != -1]
    return text[start : min(ends) if ends else len(text)]


def test_reference_is_up_to_date() -> None:
    assert docs.main(["--check"]) == 0, "docs/reference.md is out of date: run python -m tools.docs"


def test_check_mode_detects_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reference.md"
    assert docs.main(["--check"], target=target) == 1  # missing
    assert docs.main([], target=target) == 0
    assert target.read_text(encoding="utf-8") == docs.generate()
    assert docs.main(["--check"], target=target) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert docs.main(["--check"], target=target) == 1
    assert "out of date" in capsys.readouterr().err


def test_command_line_usage_error() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tools.docs", "--bogus"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and "usage:" in r.stderr


def test_index_lists_every_registered_function_in_oints_groups(text: str) -> None:
    index = text[text.index("## Index") : text.index("\n## ", text.index("## Index") + 1)]
    rows = re.findall(r"^\| (\d+) \| \[(\w+)\]\(#(\w+)\) \| (\S+) \| ", index, flags=re.M)
    assert [name for _, name, _, _ in rows] == [m.name_en for m in REGISTRY]
    assert [int(n) for n, _, _, _ in rows] == list(range(1, len(REGISTRY) + 1))
    assert all(anchor == name.lower() for _, name, anchor, _ in rows)
    assert [ru for _, _, _, ru in rows] == [m.name_ru for m in REGISTRY]
    headings = re.findall(r"^### (.+) / (.+)$", index, flags=re.M)
    expected = [titles for slug, titles in GROUPS.items() if any(m.group == slug for m in REGISTRY)]
    assert headings == expected
    api = sum(1 for m in REGISTRY if m.calls_api)
    counts = f"{len(REGISTRY)} functions of OpenIntegrations' Ozon library: {api} call the Ozon Seller API"
    assert counts in text


def test_every_function_has_a_section(text: str) -> None:
    for m in REGISTRY:
        part = section_of(text, m.name_en)
        assert f"`{m.name_en}` / `{m.name_ru}`; Python `{m.python}`" in part
        for p in m.params:
            assert f"| `--{p.cli}` | `{p.name}` |" in part
        if m.example:
            assert m.example in part
        if m.endpoint is not None:
            assert f"`{m.endpoint}`" in part and "| `--clientid` | `client_id` |" in part


def test_local_helper_section(text: str) -> None:
    part = section_of(text, "GetProductStructure")
    assert "**ПолучитьСтруктуруТовара**" in part
    assert "Endpoint: none: a local helper" in part
    assert "oint.ozon.get_product_structure(empty: bool = False, lang: str = 'en') -> Any" in part
    assert "| `--empty` | `empty` | boolean (true or false) | no | `false` | True > structure with" in part
    assert "--clientid" not in part and "Body field" not in part
    assert "```sh\noint ozon GetProductStructure --empty false\n```" in part
    assert "- The first image in images becomes the main image." in part


def test_api_method_section_shows_signatures_endpoint_and_retirement(text: str) -> None:
    part = section_of(text, "UpdateProductImages")
    assert (
        "`POST /v1/product/pictures/import` (off at Ozon from 2026-10-01; "
        "successor `/v2/product/pictures/import`)"
    ) in part
    assert "OzonClient(client_id, api_key).update_product_images(product_id: int | str," in part
    assert "await AsyncOzonClient(client_id, api_key).update_product_images(" in part
    assert "oint.ozon.update_product_images(client_id: str | int, api_key: str, product_id" in part
    assert "| `--color` | `color` | string | no |  | `color_image` | Marketing colour |" in part
    assert "[UpdateProductImages](#updateproductimages): `POST /v1/product/pictures/import`" in text


def test_generator_handles_any_registry() -> None:
    odd = Method(
        name_en="DoOddThing",
        name_ru="СделатьСтранное",
        group="Not-a-group",
        python="do_odd_thing",
        summary="Uses a | pipe and <angle> text.",
        params=(
            P(
                "ids",
                "ids",
                IDS,
                ru="ID",
                en="IDs",
                doc="Ids | more",
                type_doc="Array Of Number",
                required=True,
                field="ids",
            ),
            P("mode", "mode", STRING, ru="Режим", en="Mode", doc="Mode", type_doc="String", default="FAST"),
            P(
                "last",
                "last",
                STRING,
                ru="Последний",
                en="Last",
                doc="Last id",
                type_doc="String",
                field="last_id",
                convert=as_str,
            ),
            P(
                "filter",
                "filter",
                ANY,
                ru="Фильтр",
                en="Filter",
                doc="Filter",
                type_doc="Structure",
                field="filter",
                empty=dict,
            ),
        ),
        operation="/v1/barcode/add",  # a real operation: its limit comes from the operation layer
        fixed={"limit": "200"},
        notes=("Note with `<code>` and <text>.",),
    )
    plain = Method(
        name_en="NoParams",
        name_ru="БезПараметров",
        group="Barcodes",
        python="no_params",
        summary="Nothing.",
        params=(),
        local=dict,
    )
    out = docs.generate([odd, plain])
    assert "2 functions of OpenIntegrations' Ozon library: 1 call the Ozon Seller API, 1 are local" in out
    assert out.index("## Barcodes / Штрихкоды") < out.index("## Other / Другое")
    assert "Uses a \\| pipe and &lt;angle> text." in out
    assert "| `--ids` | `ids` | array of ids (numbers or strings) | yes |  | `ids` | Ids \\| more |" in out
    assert "| `--mode` | `mode` | string | no | `FAST` |  | Mode |" in out  # not sent: no body field
    assert "| `--last` | `last` | string | no |  | `last_id` (as text) | Last id |" in out
    assert "| `filter` | object or array | no |  | `filter`; `{}` when empty | Filter |" in out
    assert "- Ozon's limit: 20 requests per minute per account" in out
    assert '- Always sent: `limit: "200"`' in out
    assert "- Note with `<code>` and &lt;text>." in out
    assert "Parameters: none." in out
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_markdown_helpers() -> None:
    assert docs.cell("a | b\n c") == "a \\| b c"
    assert docs.code("x`y") == "``x`y``"
    assert docs.rate_limit_text((80, 60)) == "80 requests per minute"
    assert docs.rate_limit_text((1, 120)) == "1 request per 120 seconds"


# ----------------------------------------------------------------- parameter tables
def table_rows(text: str) -> list[list[str]]:
    """The cells of every parameter row (`| `--option` | ...`), `\\|` kept inside cells."""
    return [
        [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in text.splitlines()
        if line.startswith("| `--")
    ]


def type_cell(text: str, name_en: str, option: str) -> str:
    for row in table_rows(section_of(text, name_en)):
        if row[0] == f"`--{option}`":
            return row[2]
    raise AssertionError(f"{name_en} has no --{option}")


def test_types_say_what_an_option_takes(text: str) -> None:
    expected = {
        ("ArchiveProducts", "products"): "array of product ids (numbers or strings)",
        ("GetProductsInformation", "sku"): "array of SKUs (numbers or strings)",
        ("GetFBOTimeslots", "whs"): "array of warehouse ids (numbers)",
        ("GetProductList", "filter"): "object: product selection filter (see GetProductsFilterStructure)",
        ("UpdateProductsStocks", "stocks"): "array of objects: stock entries (see GetProductStocksStructure)",
        ("CreateUpdateProducts", "items"): "array of objects: product description structures",
        ("CreateFBODraft", "items"): "object: items {SKU: quantity}",
        ("BindBarcodes", "barcodes"): "object {product SKU: barcode}",
        ("UpdateProductImages", "images"): "array of strings",
        ("GetCategoryAttributes", "categoryid"): "id (number or string)",
        ("GetFBOTimeslots", "from"): "date (ISO 8601, or MM/DD/YYYY HH:MM:SS)",
        ("GetFBOShipmentsList", "trlt"): "boolean (true or false)",
        ("CompleteComplexAttribute", "values"): "any value, or an array of values",
    }
    for (name, option), words in expected.items():
        assert type_cell(text, name, option) == words, (name, option)
    # OInt's own type texts ("Array Of String" for product structures...) are not the docs' words,
    # but stay in the declarations (`Param.type_doc`, checked against OInt's catalogue elsewhere)
    oint_types = {p.type_doc for m in REGISTRY for p in m.params}
    assert "Array Of String" in oint_types
    for m in REGISTRY:
        for p in m.params:
            assert type_cell(text, m.name_en, p.cli) == docs.cell(wording.type_text(p))
            assert wording.type_text(p) not in oint_types


def test_no_cell_is_cut(text: str) -> None:
    """Every cell is whole: brackets and code spans balanced, converter hints never cut mid-sentence."""
    for row in table_rows(text):
        for c in row:
            bare = re.sub(r"`[^`]*`", "", c)  # code spans may hold anything
            assert c.count("`") % 2 == 0, row
            for o, e in ("()", "[]", "{}"):
                assert bare.count(o) == bare.count(e), (c, row)
    for m in REGISTRY:
        for p in m.params:
            if p.convert is not None and id(p.convert) not in docs.CONVERSION_HINTS and p.convert.__doc__:
                hint = wording.lower_first(docs.first_paragraph(p.convert.__doc__))
                assert docs.cell(hint) in section_of(text, m.name_en), (m.name_en, p.name)


def test_first_paragraph_is_whole() -> None:
    doc = """A structure without its blanks: keys whose value is "" (what the Get…Structure
    templates leave) are dropped.

    More detail."""
    assert docs.first_paragraph(doc) == (
        'A structure without its blanks: keys whose value is "" (what the Get…Structure templates leave) '
        "are dropped"
    )
    assert wording.lower_first("A filter") == "a filter" and wording.lower_first("OInt's map") == "OInt's map"
    assert wording.lower_first("SKU of products") == "SKU of products"
