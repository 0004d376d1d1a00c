"""OInt's 11 local structure helpers: templates (both `empty` modes, EN and RU descriptions) and the
attribute builders, against OInt's recorded outputs (results/local), through the library, the
client classes and the CLI (EN and RU names)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID

import oint.ozon
from oint.compat.methods import REGISTRY
from oint.compat.registry import GROUPS
from oint.compat.structures import (
    ARBITRARY,
    attribute_values,
    clear_values,
    complete_complex_attribute,
    language,
)
from oint.ozon import AsyncOzonClient, OzonClient, UsageError

REFERENCE = Path(__file__).parent / "data" / "oint-ozon"  # copied from OInt's catalogue: data/README.md
LOCAL_RESULTS = REFERENCE / "results" / "local"

# OInt name -> Python name of the eight template helpers
TEMPLATES = {
    "GetProductStructure": "get_product_structure",
    "GetSimplifiedProductStructure": "get_simplified_product_structure",
    "GetAttributesUpdateStructure": "get_attributes_update_structure",
    "GetProductsFilterStructure": "get_products_filter_structure",
    "GetProductStocksStructure": "get_product_stocks_structure",
    "GetProductPriceStructure": "get_product_price_structure",
    "GetShipmentAdditionalFields": "get_shipment_additional_fields",
    "GetShipmentsFilterStructure": "get_shipments_filter_structure",
}
BUILDERS = ("AddProductVideo", "AddProductVideoCover", "CompleteComplexAttribute")

VIDEO_URL = "https://rutube.ru/video/c6cc4d620b1d4338901770a44b3e82f4/"


def recorded(name: str, lang: str = "en") -> dict[str, Any]:
    """OInt's recorded output: EN docs, RU docs, or (for RU placeholders) rebuilt from the RU source."""
    for suffix in (".en.json",) if lang == "en" else (".ru.json", ".ru.from_source.json"):
        path = LOCAL_RESULTS / f"{name}{suffix}"
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise FileNotFoundError(f"{name} {lang}")


def catalogue() -> dict[str, dict[str, Any]]:
    entries = json.loads((REFERENCE / "catalogue.json").read_text(encoding="utf-8"))
    return {e["name_en"]: e for e in entries}


def product_without_attributes() -> dict[str, Any]:
    """The product of OInt's RU examples (the recorded results minus what the helpers add)."""
    item = recorded("AddProductVideo", "ru")
    del item["complex_attributes"]
    return item


def all_leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in all_leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in all_leaves(v)]
    return [value]


# ----------------------------------------------------------------- declarations vs. OInt's catalogue
@pytest.mark.parametrize("name", [*TEMPLATES, *BUILDERS])
def test_declaration_matches_catalogue(name: str) -> None:
    entry = catalogue()[name]
    m = REGISTRY[name]
    assert (m.name_en, m.name_ru, m.group) == (entry["name_en"], entry["name_ru"], entry["group"])
    assert m.group in GROUPS
    assert m.endpoint is None and m.local is not None and not m.calls_api
    assert REGISTRY[entry["name_ru"]] is m and REGISTRY[m.python] is m
    oint_params = [p for p in m.params if p.cli != "lang"]
    assert [p.cli for p in oint_params] == [p["cli"] for p in entry["params"]]
    for p, c in zip(oint_params, entry["params"], strict=True):
        assert (p.ru, p.en, p.type_doc, p.required, p.doc) == (
            c["name_ru"],
            c["name_en"],
            c["type"],
            c["required"],
            c["description"],
        )
    assert m.example in entry["cli_en"] + entry["cli_ru"] or m.example == f"oint ozon {name} --empty false"
    assert m.summary and m.notes


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_take_empty_and_the_extra_lang_option(name: str) -> None:
    m = REGISTRY[name]
    expected = [("empty", False, False), ("lang", "en", False)]
    assert [(p.cli, p.default, p.required) for p in m.params] == expected


# ----------------------------------------------------------------- templates
@pytest.mark.parametrize("name", TEMPLATES)
def test_template_english_descriptions_are_oints(name: str) -> None:
    result = REGISTRY[name].run_local([False, "en"])
    expected = recorded(name, "en")
    assert result == expected
    assert list(result) == list(expected)  # OInt's key order


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_russian_descriptions_are_oints(name: str) -> None:
    result = REGISTRY[name].run_local([False, "ru"])
    expected = recorded(name, "ru")
    assert result == expected and list(result) == list(expected)


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_template_empty_clears_every_value(name: str, lang: str) -> None:
    result = REGISTRY[name].run_local([True, lang])
    assert list(result) == list(recorded(name, lang))
    assert all_leaves(result) == [""] * len(result)


@pytest.mark.parametrize(("name", "python"), TEMPLATES.items())
def test_template_module_function_and_clients(name: str, python: str) -> None:
    module_function = getattr(oint.ozon, python)
    assert module_function() == recorded(name)
    assert module_function(True) == dict.fromkeys(recorded(name), "")
    assert module_function(empty=True) == dict.fromkeys(recorded(name), "")
    assert module_function(lang="RU") == recorded(name, "ru")
    assert module_function(empty="false", lang="default") == recorded(name)  # OInt's text forms
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY) as ozon:  # local: no request, no server needed
        assert getattr(ozon, python)(empty=True) == dict.fromkeys(recorded(name), "")
        assert getattr(ozon, python)() == recorded(name)
    assert getattr(OzonClient, python)(lang="ru") == recorded(name, "ru")


def test_templates_through_async_client() -> None:
    async def go() -> dict[str, Any]:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY) as ozon:
            # local helpers are plain calls on the async client too (nothing to await)
            return {
                "filled": ozon.get_product_price_structure(),
                "empty": ozon.get_shipment_additional_fields(empty=True),
                "ru": ozon.get_product_stocks_structure(lang="ru"),
            }

    out = asyncio.run(go())
    assert out["filled"] == recorded("GetProductPriceStructure")
    assert out["empty"] == {"analytics_data": "", "financial_data": ""}
    assert out["ru"] == recorded("GetProductStocksStructure", "ru")


def test_templates_are_fresh_objects() -> None:
    first = oint.ozon.get_product_structure()
    first["name"] = "changed"
    assert oint.ozon.get_product_structure()["name"] == "<product name>"


def test_bad_template_arguments() -> None:
    with pytest.raises(UsageError, match="--lang: expected en or ru"):
        oint.ozon.get_product_structure(lang="de")
    with pytest.raises(UsageError, match="--empty: expected true or false"):
        oint.ozon.get_product_structure(empty="perhaps")


def test_clear_values_is_recursive_and_language_parsing() -> None:
    nested = {"a": "x", "b": {"c": 1, "d": [True, {"e": None}]}, "f": []}
    assert clear_values(nested) == {"a": "", "b": {"c": "", "d": ["", {"e": ""}]}, "f": []}
    assert [language(x) for x in (None, "", "EN", "Default", " ru ")] == ["en", "en", "en", "en", "ru"]


# ----------------------------------------------------------------- templates through the CLI
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("GetProductStructure", ["--empty", "true"]),
        ("ПолучитьСтруктуруТовара", ["--empty", "true"]),
        ("getproductstructure", ["--empty"]),  # a lone --empty means true
        ("GetProductStructure", ["--EMPTY=истина"]),
    ],
)
def test_cli_empty_template(run_cli: Any, name: str, args: list[str]) -> None:
    r = run_cli("ozon", name, *args)
    assert r.code == 0, r.err
    assert r.json() == dict.fromkeys(recorded("GetProductStructure"), "")
    assert r.out.startswith('{\n "description_category_id": ""')  # OInt's indentation and key order


@pytest.mark.parametrize("name", ["GetProductPriceStructure", "ПолучитьСтруктуруЦеныТовара"])
def test_cli_described_template(run_cli: Any, name: str) -> None:
    r = run_cli("ozon", name, "--empty", "false")
    assert r.code == 0, r.err
    assert r.json() == recorded("GetProductPriceStructure")
    ru = run_cli("ozon", name, "--empty", "false", "--lang", "ru")
    assert ru.code == 0, ru.err
    assert ru.json() == recorded("GetProductPriceStructure", "ru")
    assert "<валюта>" in ru.out  # UTF-8 text, not \u escapes


def test_cli_every_template_by_russian_name(run_cli: Any) -> None:
    for name in ("GetShipmentsFilterStructure", "GetShipmentAdditionalFields", "GetProductsFilterStructure"):
        r = run_cli("ozon", REGISTRY[name].name_ru, "--empty", "false")
        assert r.code == 0, r.err
        assert r.json() == recorded(name)


def test_cli_out_file(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "stocks.json"
    r = run_cli("ozon", "GetProductStocksStructure", "--empty", "--out", str(out))
    assert r.code == 0 and r.out == "", r.err
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "offer_id": "",
        "product_id": "",
        "stock": "",
        "warehouse_id": "",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--empty", "maybe"], "--empty: expected true or false"),
        (["--lang", "de"], "--lang: expected en or ru"),
        (["--empty", "true", "--clientid", "1"], "unknown option --clientid"),
        (["--empty", "true", "--empty", "false"], "given twice"),
    ],
)
def test_cli_template_usage_errors(run_cli: Any, args: list[str], message: str) -> None:
    r = run_cli("ozon", "GetProductStructure", *args)
    assert r.code == 2 and r.out == ""
    assert message in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err


# ----------------------------------------------------------------- AddProductVideo / AddProductVideoCover
def test_add_product_video_matches_oint() -> None:
    item = product_without_attributes()
    before = copy.deepcopy(item)
    result = oint.ozon.add_product_video(item, VIDEO_URL, "viedo1")  # OInt's recorded title
    assert result == recorded("AddProductVideo", "ru")
    assert item == before  # the caller's structure is not changed


def test_add_product_video_appends_to_existing_videos() -> None:
    once = oint.ozon.add_product_video(product_without_attributes(), VIDEO_URL, "first")
    twice = oint.ozon.add_product_video(once, "https://example.com/v2.mp4", "second")
    assert len(once["complex_attributes"]) == 1
    videos = twice["complex_attributes"]
    assert len(videos) == 2
    assert videos[1] == {
        "attributes": [
            {"id": 21841, "complex_id": 100001, "values": [{"value": "https://example.com/v2.mp4"}]},
            {"id": 21837, "complex_id": 100001, "values": [{"value": "second"}]},
        ]
    }
    # the copy does not share nested objects with its source
    twice["complex_attributes"][0]["attributes"][0]["values"][0]["value"] = "x"
    assert once["complex_attributes"][0]["attributes"][0]["values"][0]["value"] == VIDEO_URL


def test_add_product_video_cover_matches_oint() -> None:
    item = product_without_attributes()
    result = OzonClient.add_product_video_cover(item, VIDEO_URL)
    assert result == recorded("AddProductVideoCover", "ru")
    assert "complex_attributes" not in item


def test_video_and_cover_on_a_json_text_item() -> None:
    text = json.dumps(product_without_attributes(), ensure_ascii=False)
    with_video = oint.ozon.add_product_video(text, VIDEO_URL, "viedo1")
    both = oint.ozon.add_product_video_cover(with_video, VIDEO_URL)
    assert both["complex_attributes"][0] == recorded("AddProductVideo", "ru")["complex_attributes"][0]
    assert both["complex_attributes"][1] == recorded("AddProductVideoCover", "ru")["complex_attributes"][0]


def test_video_builders_reject_bad_items() -> None:
    with pytest.raises(UsageError, match="--item: expected a JSON object"):
        oint.ozon.add_product_video([{"offer_id": "1"}], VIDEO_URL, "t")
    with pytest.raises(UsageError, match="missing required option --title"):
        oint.ozon.add_product_video({"offer_id": "1"}, VIDEO_URL, "")
    with pytest.raises(UsageError, match="'complex_attributes' must be an array"):
        oint.ozon.add_product_video_cover({"complex_attributes": {"a": 1}}, VIDEO_URL)


def test_cli_add_product_video_both_names(run_cli: Any, tmp_path: Path) -> None:
    item = json.dumps(product_without_attributes(), ensure_ascii=False).replace('"', "'")
    for name in ("AddProductVideo", "ДобавитьВидеоТовара"):
        r = run_cli("ozon", name, "--item", item, "--url", VIDEO_URL, "--title", "viedo1")
        assert r.code == 0, r.err
        assert r.json() == recorded("AddProductVideo", "ru")
    # the output of one helper, saved with --out, is the --item of the next
    saved = tmp_path / "item.json"
    r = run_cli(
        "ozon",
        "AddProductVideo",
        "--item",
        item,
        "--url",
        VIDEO_URL,
        "--title",
        "viedo1",
        "--out",
        str(saved),
    )
    assert r.code == 0 and r.out == "", r.err
    cover = run_cli("ozon", "ДобавитьВидеообложкуТовара", "--item", str(saved), "--url", VIDEO_URL)
    assert cover.code == 0, cover.err
    videos = cover.json()["complex_attributes"]
    assert [v["attributes"][0]["id"] for v in videos] == [21841, 21845]


def test_cli_add_product_video_cover_usage_errors(run_cli: Any, tmp_path: Path) -> None:
    r = run_cli("ozon", "AddProductVideoCover", "--item", "{'offer_id': '1'}")
    assert r.code == 2 and "missing required option --url" in r.err and "Traceback" not in r.err
    r = run_cli("ozon", "AddProductVideoCover", "--item", "{'offer_id': ", "--url", VIDEO_URL)
    assert r.code == 2 and "--item: malformed JSON" in r.err and r.err.count("\n") == 1
    r = run_cli("ozon", "AddProductVideoCover", "--item", str(tmp_path / "missing.json"), "--url", VIDEO_URL)
    assert r.code == 2 and "cannot read" in r.err and r.out == ""


# ----------------------------------------------------------------- CompleteComplexAttribute
STAND = {"dictionary_value_id": 971082156, "value": "Стойка для акустической системы"}


def test_complete_complex_attribute_matches_oint() -> None:
    product = product_without_attributes()
    once = oint.ozon.complete_complex_attribute(product, 5076, 0, STAND)
    twice = oint.ozon.complete_complex_attribute(once, 9048, 0, {"value": product["name"]})
    assert twice == recorded("CompleteComplexAttribute", "ru")
    assert "attributes" not in product and len(once["attributes"]) == 1


def test_complete_complex_attribute_values_forms() -> None:
    base = {"offer_id": "143210609"}
    many = oint.ozon.complete_complex_attribute(base, "85", "0", ["Samsung", 5, 0.5, True, {"value": "x"}])
    assert many["attributes"] == [
        {
            "id": "85",
            "complex_id": "0",
            "values": [
                {"value": "Samsung"},
                {"value": "5"},
                {"value": "0.5"},
                {"value": "true"},
                {"value": "x"},
            ],
        }
    ]
    text = "[{'dictionary_value_id':61576,'value':'red'}]"
    from_text = oint.ozon.complete_complex_attribute(base, 10096, 0, text)
    assert from_text["attributes"][0]["values"] == [{"dictionary_value_id": 61576, "value": "red"}]
    zero = oint.ozon.complete_complex_attribute(base, 4191, 0, 0)
    assert zero["attributes"][0]["values"] == [{"value": "0"}]
    with pytest.raises(UsageError, match="--values: each value must be"):
        attribute_values([["nested"]])
    with pytest.raises(UsageError, match="--values: each value must be"):
        attribute_values([None])
    with pytest.raises(UsageError, match="missing required option --values"):
        oint.ozon.complete_complex_attribute(base, 85, 0, [])


def test_complete_complex_attribute_fills_the_update_template() -> None:
    for empty in (True, False):  # the template's placeholder becomes a real array
        item = oint.ozon.get_attributes_update_structure(empty=empty)
        item["offer_id"] = "143210609"
        samsung = {"dictionary_value_id": 5060050, "value": "Samsung"}
        item = oint.ozon.complete_complex_attribute(item, 85, 0, samsung)
        assert item == {
            "offer_id": "143210609",
            "attributes": [
                {"id": 85, "complex_id": 0, "values": [{"dictionary_value_id": 5060050, "value": "Samsung"}]}
            ],
        }
    with pytest.raises(UsageError, match="--object: field 'attributes' must be an array"):
        oint.ozon.complete_complex_attribute({"attributes": 5}, 85, 0, "x")


def test_complete_complex_attribute_on_a_video_object() -> None:
    # the pure function (as AddProductVideo uses it) starts from an empty object
    video = complete_complex_attribute({}, 21841, 100001, {"value": VIDEO_URL})
    assert video == {"attributes": [{"id": 21841, "complex_id": 100001, "values": [{"value": VIDEO_URL}]}]}


def test_cli_complete_complex_attribute_chain(run_cli: Any, tmp_path: Path) -> None:
    product = json.dumps(product_without_attributes(), ensure_ascii=False).replace('"', "'")
    first = run_cli(
        "ozon",
        "CompleteComplexAttribute",
        "--object",
        product,
        "--attributeid",
        "5076",
        "--complexid",
        "0",
        "--values",
        json.dumps(STAND, ensure_ascii=False).replace('"', "'"),
    )
    assert first.code == 0, first.err
    step = tmp_path / "step.json"
    step.write_text(first.out, encoding="utf-8")
    values = tmp_path / "values.json"
    name = product_without_attributes()["name"]
    values.write_text(json.dumps({"value": name}, ensure_ascii=False), "utf-8")
    second = run_cli(
        "ozon",
        "ДополнитьКомплексныйАтрибут",
        "--object",
        str(step),
        "--attributeid",
        "9048",
        "--complexid",
        "0",
        "--values",
        str(values),
    )
    assert second.code == 0, second.err
    assert second.json() == recorded("CompleteComplexAttribute", "ru")


def test_cli_complete_complex_attribute_plain_value(run_cli: Any) -> None:
    r = run_cli(
        "ozon",
        "completecomplexattribute",
        "--object",
        "{'offer_id': 'A'}",
        "--attributeid",
        "4180",
        "--complexid",
        "0",
        "--values",
        "Line\\nbreak",
    )
    assert r.code == 0, r.err
    assert r.json() == {
        "offer_id": "A",
        "attributes": [{"id": 4180, "complex_id": 0, "values": [{"value": "Line\nbreak"}]}],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--object", "{'a': 1}", "--attributeid", "85", "--complexid", "0"],
            "missing required option --values",
        ),
        (
            ["--object", "[1]", "--attributeid", "85", "--complexid", "0", "--values", "x"],
            "--object: expected a JSON object",
        ),
        (
            ["--object", "{'a': 1}", "--attributeid", "85", "--complexid", "0", "--values", "[{'value':"],
            "--values: malformed JSON",
        ),
        (
            [
                "--object",
                "{'attributes': 'x'}",
                "--attributeid",
                "85",
                "--complexid",
                "0",
                "--values",
                "[[1]]",
            ],
            "--values: each value must be",
        ),
        (
            [
                "--object",
                "{'a': 1}",
                "--attributeid",
                "85",
                "--complexid",
                "0",
                "--values",
                "nothing-here.json",
            ],
            "--values: cannot read",
        ),
    ],
)
def test_cli_complete_complex_attribute_usage_errors(run_cli: Any, args: list[str], message: str) -> None:
    r = run_cli("ozon", "CompleteComplexAttribute", *args)
    assert r.code == 2 and r.out == ""
    assert message in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_arbitrary_kind_parsing(tmp_path: Path) -> None:
    assert ARBITRARY.parse_cli("red", "values") == "red"
    assert ARBITRARY.parse_cli("5", "values") == "5"
    assert ARBITRARY.parse_cli("{'value': 'a'}", "values") == {"value": "a"}
    path = tmp_path / "v.json"
    path.write_text("[{'value': 'b'}]", encoding="utf-8")
    assert ARBITRARY.parse_cli(str(path), "values") == [{"value": "b"}]
    assert ARBITRARY.normalise(("a", "b"), "values") == ["a", "b"]
    assert ARBITRARY.normalise("plain text", "values") == "plain text"
