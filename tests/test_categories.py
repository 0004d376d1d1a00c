"""Categories, product types, attributes and attribute dictionaries (OInt group Attributes-and-features):
the request bodies OInt sends, the sandbox's reference data and lookups, and every function end to
end through the CLI and the sync/async clients against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Cli

import oint.ozon
from oint.compat.methods import REGISTRY
from oint.core.errors import UsageError
from oint.ozon import AsyncOzonClient, BadRequestError, NotFoundError, OzonClient
from oint.sandbox.model import categories
from oint.sandbox.model.products import DEMO_PRODUCTS

BRAND, COLOUR, TYPE, KIND, MODEL_NAME, HS_CODE = 85, 10096, 8229, 5076, 9048, 22232
BRAND_COUNT = 450
DEMO_PAIR = (17028922, 91565)  # the demo products' category and type
ATTRIBUTES_EXAMPLE = ("17029016", "970778135")  # OInt's GetCategoryAttributes example
VALUES_EXAMPLE = ("17054869", "97311")  # OInt's GetAttributeValues / SearchAttributeValue example
# /v1/description-category/attribute/values/search recorded by OInt for "Sunshine", in Ozon's order
RECORDED_SUNSHINE_IDS = [
    5055881,
    971026862,
    971719299,
    971818888,
    972176200,
    972202223,
    971227292,
    972029069,
    971168926,
    972173064,
    970974258,
    972066951,
    972172514,
    971110891,
    971896068,
    971967921,
    970712762,
    5115939,
    971303326,
    972131760,
    5142226,
    972026686,
    970954160,
    970697481,
    972077059,
]
ATTRIBUTE_KEYS = [
    "id",
    "attribute_complex_id",
    "name",
    "description",
    "type",
    "is_collection",
    "is_required",
    "is_aspect",
    "max_value_count",
    "group_name",
    "group_id",
    "dictionary_id",
    "category_dependent",
    "complex_is_collection",
]


def body(name: str, *values: Any) -> dict[str, Any]:
    sent = REGISTRY[name].build(list(values)).body
    assert sent is not None  # these methods all send a JSON body
    return sent


def value_of(attribute_id: int, value_id: int) -> Any:
    """The text of a dictionary value that must exist."""
    found = categories.dictionary_value(attribute_id, value_id)
    assert found is not None, (attribute_id, value_id)
    return found["value"]


def leaves(nodes: list[dict[str, Any]], parent: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(last-level category id, type node) for every product type of the tree."""
    for node in nodes:
        if "type_id" in node:
            yield parent, node
        else:
            yield from leaves(node["children"], node["description_category_id"])


def post(url: str, path: str, doc: dict[str, Any]) -> tuple[int, Any]:
    """A raw request to the sandbox, as any Ozon client would send it."""
    req = urllib.request.Request(
        url + path,
        data=json.dumps(doc).encode(),
        method="POST",
        headers={"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def type_options(category: object, type_id: object, attribute: object = None) -> list[str]:
    """The CLI options naming a product type (--categoryid, --typeid) and, if given, its --attributeid."""
    options = ["--categoryid", str(category), "--typeid", str(type_id)]
    if attribute is not None:
        options += ["--attributeid", str(attribute)]
    return options


def assert_usage_error(r: Any, *words: str) -> None:
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1
    for word in words:
        assert word in r.err


# ------------------------------------------------------------------ request building (pure)
def test_tree_body_sends_language() -> None:
    assert body("GetCategoriesAndProductTypesTree", "DEFAULT") == {"language": "DEFAULT"}
    assert body("ПолучитьДеревоКатегорийИТиповТоваров", "EN") == {"language": "EN"}
    params = REGISTRY["GetCategoriesAndProductTypesTree"].params
    assert [(p.name, p.cli, p.default) for p in params] == [("lang", "lang", "DEFAULT")]


def test_category_attributes_body_ids_as_strings() -> None:
    expected = {"description_category_id": "17029016", "type_id": "970778135", "language": "DEFAULT"}
    assert body("GetCategoryAttributes", 17029016, 970778135, "DEFAULT") == expected
    assert body("GetCategoryAttributes", "17029016", "970778135", "DEFAULT") == expected
    assert body("GetCategoryAttributes", 17029016.0, 970778135, "RU")["language"] == "RU"


def test_attribute_values_body_fixed_page_and_last_value_id() -> None:
    first = body("GetAttributeValues", 17054869, 97311, 85, 1, "DEFAULT")
    assert first == {
        "description_category_id": "17054869",
        "type_id": "97311",
        "attribute_id": "85",
        "limit": "200",
        "language": "DEFAULT",
    }  # start 1 -> last_value_id 0 -> left out
    later = body("GetAttributeValues", "17054869", "97311", "85", 5060051, "EN")
    assert later == {
        "description_category_id": "17054869",
        "type_id": "97311",
        "attribute_id": "85",
        "limit": "200",
        "last_value_id": "5060050",
        "language": "EN",
    }
    assert body("GetAttributeValues", 1, 2, 3, "2", "DEFAULT")["last_value_id"] == "1"
    assert "last_value_id" not in body("GetAttributeValues", 1, 2, 3, None, "DEFAULT")
    assert "language" not in body("GetAttributeValues", 1, 2, 3, 1, "")


@pytest.mark.parametrize("start", ["abc", -5, "1.5"])
def test_attribute_values_rejects_a_bad_start(start: Any) -> None:
    with pytest.raises(UsageError, match="--start"):
        REGISTRY["GetAttributeValues"].build([17054869, 97311, 85, start, "DEFAULT"])


def test_search_body_fixed_limit_no_language() -> None:
    assert body("SearchAttributeValue", 17054869, "97311", 85, "Sunshine") == {
        "description_category_id": "17054869",
        "type_id": "97311",
        "attribute_id": "85",
        "limit": "100",
        "value": "Sunshine",
    }


@pytest.mark.parametrize(
    "name, values, option",
    [
        ("GetCategoryAttributes", [None, 970778135, "DEFAULT"], "--categoryid"),
        ("GetAttributeValues", [17054869, 97311, None, 1, "DEFAULT"], "--attributeid"),
        ("SearchAttributeValue", [17054869, 97311, 85, ""], "--value"),
    ],
)
def test_required_values(name: str, values: list[Any], option: str) -> None:
    with pytest.raises(UsageError, match=option):
        REGISTRY[name].build(values)


def test_declarations_follow_the_catalogue() -> None:
    expected = {
        "GetCategoriesAndProductTypesTree": ("ПолучитьДеревоКатегорийИТиповТоваров", ["lang"]),
        "GetCategoryAttributes": ("ПолучитьХарактеристикиКатегории", ["categoryid", "typeid", "lang"]),
        "GetAttributeValues": (
            "ПолучитьЗначенияХарактеристики",
            ["categoryid", "typeid", "attributeid", "start", "lang"],
        ),
        "SearchAttributeValue": (
            "НайтиЗначенияХарактеристики",
            ["categoryid", "typeid", "attributeid", "value"],
        ),
    }
    for name_en, (name_ru, options) in expected.items():
        method = REGISTRY[name_en]
        assert REGISTRY[name_ru] is method and method.group == "Attributes-and-features"
        assert [p.cli for p in method.params] == options
        assert method.example.startswith(f'oint ozon {name_en} --clientid "***" --apikey "***"')
    assert REGISTRY["GetAttributeValues"].params[3].en == "CatalogID"


# ------------------------------------------------------------------ reference data and lookups (pure)
def test_find_type() -> None:
    found = categories.find_type(*DEMO_PAIR)
    assert found is not None and found["disabled"] is False
    assert found["type_id"] == 91565 and "пленка" in found["type_name"]
    assert found["path"][0] == "Электроника"
    assert categories.find_type(17029016, 970778135) is not None
    assert categories.find_type(17054869, 97311) is not None
    assert categories.find_type(17028922, 97311) is None  # a type of another category
    assert categories.find_type(17027495, 91565) is None  # not a last-level category
    assert categories.find_type(1, 2) is None
    jewellery = categories.find_type(17027900, 92590)
    assert jewellery is not None and jewellery["disabled"] is True
    found["path"].append("changed")  # callers get copies
    assert categories.find_type(*DEMO_PAIR) != found


def test_attributes_for_the_demo_category() -> None:
    attrs = {a["id"]: a for a in categories.attributes_for(*DEMO_PAIR)}
    # every attribute OInt's CreateUpdateProducts example sends for category 17028922
    assert {KIND, BRAND, COLOUR, TYPE, MODEL_NAME, 21841, 21837} <= set(attrs)
    assert all(list(a) == ATTRIBUTE_KEYS for a in attrs.values())
    assert attrs[BRAND]["is_required"] and attrs[BRAND]["dictionary_id"]
    assert attrs[HS_CODE]["is_required"] and attrs[HS_CODE]["dictionary_id"]
    assert attrs[MODEL_NAME]["is_required"] and attrs[MODEL_NAME]["dictionary_id"] == 0
    assert attrs[COLOUR]["is_required"]  # required in this category only
    assert (attrs[21841]["attribute_complex_id"], attrs[21837]["attribute_complex_id"]) == (100001, 100001)
    assert attrs[21845]["attribute_complex_id"] == 100002
    assert categories.attributes_for(1, 2) == []
    speaker = {a["id"]: a for a in categories.attributes_for(17029016, 970778135)}
    assert speaker[COLOUR]["is_required"] is False


def test_dictionary_values_of_oint_examples() -> None:
    assert categories.dictionary_value(BRAND, 5060050) == {
        "id": 5060050,
        "value": "Samsung",
        "info": "Электроника",
        "picture": "https://cdn1.ozone.ru/s3/multimedia-0/6011071140.jpg",
    }
    assert value_of(COLOUR, 61576) == "серый"
    assert value_of(TYPE, 971082156) == "Стойка для акустической системы"
    assert categories.dictionary_value(KIND, 971082156) == categories.dictionary_value(TYPE, 971082156)
    assert categories.dictionary_value(TYPE, 95911) is not None
    assert categories.dictionary_value(BRAND, 61576) is None  # a colour, not a brand
    assert categories.dictionary_value(MODEL_NAME, 1) is None  # no dictionary
    assert categories.dictionary_value(999999, 1) is None


def test_demo_products_use_an_existing_category() -> None:
    for product in DEMO_PRODUCTS:
        found = categories.find_type(product["description_category_id"], product["type_id"])
        assert found is not None and not found["disabled"], product["offer_id"]


# ------------------------------------------------------------------ tree
def test_tree_cli_both_names_and_languages(cli: Cli) -> None:
    ru = cli("ПолучитьДеревоКатегорийИТиповТоваров")
    assert ru.code == 0, ru.err
    tree = ru.json()["result"]
    assert 3 <= len(tree) <= 5
    assert set(tree[0]) == {"description_category_id", "category_name", "disabled", "children"}
    pairs = {(cat, t["type_id"]): t for cat, t in leaves(tree)}
    assert 10 <= len(pairs) <= 20
    assert {DEMO_PAIR, (17029016, 970778135), (17054869, 97311)} <= set(pairs)
    leaf = pairs[DEMO_PAIR]
    assert list(leaf) == ["type_name", "type_id", "disabled", "children"] and leaf["children"] == []
    assert tree[0]["category_name"] == "Электроника"

    en = cli("getcategoriesandproducttypestree", "--lang", "EN")
    assert en.code == 0, en.err
    en_tree = en.json()["result"]
    assert en_tree[0]["category_name"] == "Electronics"
    en_pairs = {(cat, t["type_id"]): t for cat, t in leaves(en_tree)}
    assert en_pairs.keys() == pairs.keys()
    assert en_pairs[(17029016, 970778135)]["type_name"] == "Speaker stand"
    # Turkish and Chinese fall back to Russian
    tr = cli("GetCategoriesAndProductTypesTree", "--lang", "TR")
    assert tr.json() == ru.json()


def test_tree_matches_the_lookups_and_the_products(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        tree = ozon.get_categories_and_product_types_tree()["result"]
        for category_id, node in leaves(tree):
            found = categories.find_type(category_id, node["type_id"])
            assert found is not None and found["type_name"] == node["type_name"]
        # the demo products' category is in the tree
        product = ozon.get_products_information(offer_id="143210609")["items"][0]
        pairs = {(c, t["type_id"]) for c, t in leaves(tree)}
        assert (product["description_category_id"], product["type_id"]) in pairs


def test_tree_bad_language_is_an_ozon_error(cli: Cli, sandbox_url: str) -> None:
    r = cli("GetCategoriesAndProductTypesTree", "--lang", "KLINGON")
    assert r.code == 1 and "Traceback" not in r.err
    error = r.json()
    assert error["code"] == 3 and "KLINGON" in error["message"] and error["details"] == []
    status, answer = post(sandbox_url, "/v1/description-category/tree", {"language": 2})  # enum by number
    assert status == 200 and answer["result"][0]["category_name"] == "Electronics"


# ------------------------------------------------------------------ attributes
def test_category_attributes_cli(cli: Cli) -> None:
    r = cli("GetCategoryAttributes", *type_options(*ATTRIBUTES_EXAMPLE))
    assert r.code == 0, r.err
    attrs = r.json()["result"]
    assert all(list(a) == ATTRIBUTE_KEYS for a in attrs)
    by_id = {a["id"]: a for a in attrs}
    assert by_id[BRAND]["name"] == "Бренд" and by_id[BRAND]["dictionary_id"] != 0
    assert by_id[TYPE]["name"] == "Тип" and by_id[TYPE]["is_required"] and by_id[TYPE]["category_dependent"]
    assert by_id[4180]["name"] == "Название" and by_id[4191]["name"] == "Аннотация"
    assert by_id[HS_CODE]["is_required"] and by_id[HS_CODE]["dictionary_id"] != 0
    assert by_id[COLOUR]["is_collection"] and by_id[COLOUR]["dictionary_id"] != 0
    assert by_id[21841]["complex_is_collection"] and by_id[21845]["attribute_complex_id"] == 100002
    assert any(a["is_required"] for a in attrs) and any(not a["is_required"] for a in attrs)
    assert by_id == {a["id"]: a for a in categories.attributes_for(17029016, 970778135)}

    ru = cli("ПолучитьХарактеристикиКатегории", *type_options("17029016", "970778135"), "--lang", "EN")
    assert {a["id"]: a["name"] for a in ru.json()["result"]}[BRAND] == "Brand"


def test_category_attributes_errors_cli(cli: Cli) -> None:
    unknown = cli("GetCategoryAttributes", *type_options("17029016", "91565"))  # a type of another category
    assert unknown.code == 1 and "Traceback" not in unknown.err
    assert unknown.json() == {
        "code": 5,
        "details": [],
        "message": "type 91565 not found in description category 17029016",
    }
    no_category = cli("GetCategoryAttributes", *type_options("123", "91565"))
    assert no_category.code == 1 and no_category.json()["code"] == 5

    not_a_number = cli("GetCategoryAttributes", *type_options("abc", "91565"))
    assert not_a_number.code == 1 and not_a_number.json()["code"] == 3

    missing = cli("GetCategoryAttributes", "--categoryid", "17029016")
    assert_usage_error(missing, "--typeid")


def test_category_attributes_library_ids_as_numbers_or_strings(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        by_number = ozon.get_category_attributes(*DEMO_PAIR)
        by_text = ozon.get_category_attributes("17028922", "91565", lang="RU")
        assert by_number == by_text
        with pytest.raises(NotFoundError) as info:
            ozon.get_category_attributes(17028922, 970778135)
        assert (info.value.status, info.value.code) == (404, 5)
        with pytest.raises(BadRequestError) as bad:
            ozon.get_category_attributes(17028922, 91565, lang="de")
        assert bad.value.code == 3
    status, answer = post(sandbox_url, "/v1/description-category/attribute", {"type_id": 91565})
    assert (status, answer["code"]) == (400, 3)
    assert "DescriptionCategoryId: value must be greater than 0" in answer["message"]


# ------------------------------------------------------------------ attribute values
def test_attribute_values_paging_cli_counts_every_brand_once(cli: Cli) -> None:
    seen: list[int] = []
    start = "1"
    for _ in range(10):
        r = cli("GetAttributeValues", *type_options(*VALUES_EXAMPLE, "85"), "--start", start)
        assert r.code == 0, r.err
        page = r.json()
        assert set(page) == {"result", "has_next"}
        assert 0 < len(page["result"]) <= 200
        assert all(set(v) == {"id", "value", "info", "picture"} for v in page["result"])
        seen += [v["id"] for v in page["result"]]
        if not page["has_next"]:
            break
        start = str(page["result"][-1]["id"] + 1)
    assert len(seen) == BRAND_COUNT == len(set(seen)) and seen == sorted(seen)
    # the page boundary is exact: --start at an id includes that value
    again = cli(
        "ПолучитьЗначенияХарактеристики", *type_options("17054869", "97311", "85"), "--start", str(seen[200])
    )
    assert [v["id"] for v in again.json()["result"]] == seen[200:400]


def test_attribute_values_paging_library(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        values: list[dict[str, Any]] = []
        start: int = 1
        pages = 0
        while True:
            page = ozon.get_attribute_values(17054869, 97311, BRAND, start=start)
            pages += 1
            values += page["result"]
            if not page["has_next"]:
                break
            start = page["result"][-1]["id"] + 1
        ids = [v["id"] for v in values]
        assert pages == 3 and len(ids) == BRAND_COUNT == len(set(ids))
        names = {v["id"]: v["value"] for v in values}
        assert names[5060050] == "Samsung" and names[5055881] == "Sunshine"
        # the first page keeps the order of Ozon's recorded answer (GetAttributeValues.json)
        recorded = [5056737, 5057962, 5058518, 5059837, 5062537, 5062790, 5064843, 5065236, 5066816]
        assert [i for i in ids[:40] if i in recorded] == recorded
        # the values' own lookups agree
        assert all(categories.dictionary_value(BRAND, v["id"]) == v for v in values)


def test_attribute_values_language_and_other_dictionaries(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        ru = {v["id"]: v["value"] for v in ozon.get_attribute_values(*DEMO_PAIR, COLOUR)["result"]}
        en = {v["id"]: v["value"] for v in ozon.get_attribute_values(*DEMO_PAIR, COLOUR, lang="EN")["result"]}
        assert (ru[61576], en[61576]) == ("серый", "gray")
        types = ozon.get_attribute_values(*DEMO_PAIR, TYPE)
        ids = {v["id"] for v in types["result"]}
        assert {971082156, 95911} <= ids and types["has_next"] is False
        kinds = ozon.get_attribute_values("17028922", "91565", "5076", start="971082156")
        assert kinds["result"][0]["value"] == "Стойка для акустической системы"


def test_attribute_values_errors_cli(cli: Cli) -> None:
    no_dictionary = cli("GetAttributeValues", *type_options("17054869", "97311", MODEL_NAME))
    assert no_dictionary.code == 1 and "Traceback" not in no_dictionary.err
    assert no_dictionary.json()["code"] == 3 and "no dictionary" in no_dictionary.json()["message"]

    # an attribute of phone accessories
    foreign = cli("GetAttributeValues", *type_options("17054869", "97311", "10015"))
    assert foreign.code == 1 and foreign.json()["code"] == 5

    bad_start = cli("GetAttributeValues", *type_options("17054869", "97311", "85"), "--start", "first")
    assert_usage_error(bad_start, "--start")


def test_attribute_values_limits_over_http(sandbox_url: str) -> None:
    path = "/v1/description-category/attribute/values"
    request = {"description_category_id": 17054869, "type_id": "97311", "attribute_id": 85}
    for limit in (None, 0, "0", 2001):
        status, answer = post(sandbox_url, path, {**request, "limit": limit})
        assert (status, answer["code"]) == (400, 3), limit
        assert "Limit: value must be inside range [1, 2000]" in answer["message"]
    status, answer = post(sandbox_url, path, {**request, "limit": 2000})
    assert status == 200 and len(answer["result"]) == BRAND_COUNT and answer["has_next"] is False
    ids = [v["id"] for v in answer["result"]]
    status, answer = post(sandbox_url, path, {**request, "limit": BRAND_COUNT})  # exactly what is left
    assert len(answer["result"]) == BRAND_COUNT and answer["has_next"] is False
    status, answer = post(sandbox_url, path, {**request, "limit": BRAND_COUNT - 1})
    assert answer["has_next"] is True
    status, answer = post(sandbox_url, path, {**request, "limit": 2, "last_value_id": ids[-3]})
    assert [v["id"] for v in answer["result"]] == ids[-2:] and answer["has_next"] is False
    status, answer = post(sandbox_url, path, {**request, "limit": "1", "last_value_id": "5060049"})
    assert answer == {"result": [categories.dictionary_value(BRAND, 5060050)], "has_next": True}
    status, answer = post(sandbox_url, path, {**request, "limit": 5, "last_value_id": 999999999999})
    assert answer == {"result": [], "has_next": False}
    without_attribute = {"description_category_id": 17054869, "type_id": 97311, "limit": 5}
    status, answer = post(sandbox_url, path, without_attribute)
    assert status == 400 and "AttributeId: value must be greater than 0" in answer["message"]


# ------------------------------------------------------------------ search
def test_search_cli_matches_ozons_recorded_order(cli: Cli) -> None:
    r = cli("SearchAttributeValue", *type_options(*VALUES_EXAMPLE, "85"), "--value", "Sunshine")
    assert r.code == 0, r.err
    answer = r.json()
    assert list(answer) == ["result"]
    assert [v["id"] for v in answer["result"]] == RECORDED_SUNSHINE_IDS
    assert all("sunshine" in v["value"].lower() for v in answer["result"])
    lower = cli(
        "НайтиЗначенияХарактеристики", *type_options("17054869", "97311", "85"), "--value", "sUNSHINE"
    )
    assert lower.json() == answer


def test_search_errors_cli(cli: Cli) -> None:
    short = cli("SearchAttributeValue", *type_options("17054869", "97311", "85"), "--value", "S")
    assert short.code == 1 and "Traceback" not in short.err
    assert short.json() == {
        "code": 3,
        "details": [],
        "message": "Request validation error: invalid "
        "SearchAttributeValuesRequest.Value: value length must be at least 2 runes",
    }
    missing = cli("SearchAttributeValue", *type_options("17054869", "97311", "85"))
    assert_usage_error(missing, "--value")
    nothing = cli(
        "SearchAttributeValue", *type_options("17054869", "97311", "85"), "--value", "no such brand"
    )
    assert nothing.code == 0 and nothing.json() == {"result": []}


def test_search_limits_over_http(sandbox_url: str) -> None:
    path = "/v1/description-category/attribute/values/search"
    request = {"description_category_id": "17054869", "type_id": 97311, "attribute_id": "85", "value": "IN"}
    status, answer = post(sandbox_url, path, {**request, "limit": 101})
    assert status == 400 and "Limit: value must be inside range [1, 100]" in answer["message"]
    status, answer = post(sandbox_url, path, {**request, "limit": 100})
    everything = [v["id"] for v in answer["result"]]
    assert status == 200 and 20 < len(everything) < 100 and len(set(everything)) == len(everything)
    status, answer = post(sandbox_url, path, {**request, "limit": 10})
    assert [v["id"] for v in answer["result"]] == everything[:10]  # capped at the limit, no paging
    status, answer = post(sandbox_url, path, {**request, "limit": 3, "value": "Sunshine"})
    assert [v["id"] for v in answer["result"]] == RECORDED_SUNSHINE_IDS[:3]


def test_search_library_and_module_function(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        found = [v["value"] for v in ozon.search_attribute_value(*DEMO_PAIR, COLOUR, "СЕРЫЙ")["result"]]
        assert found == ["серый", "светло-серый", "темно-серый"]  # the exact match first
        found = [v["value"] for v in ozon.search_attribute_value(*DEMO_PAIR, COLOUR, "сер")["result"]]
        assert found == ["серебристый", "серый", "светло-серый", "темно-серый"]  # prefixes first
        with pytest.raises(BadRequestError):
            ozon.search_attribute_value(*DEMO_PAIR, MODEL_NAME, "X3 NFC")
    samsung = oint.ozon.search_attribute_value(
        DEMO_CLIENT_ID, DEMO_API_KEY, 17054869, 97311, 85, "samsung", base_url=sandbox_url
    )
    assert samsung["result"][0]["id"] == 5060050


# ------------------------------------------------------------------ async and in-process sandbox
def test_async_client(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
            tree, attrs, search = await asyncio.gather(
                ozon.get_categories_and_product_types_tree(lang="EN"),
                ozon.get_category_attributes(*ATTRIBUTES_EXAMPLE),
                ozon.search_attribute_value(*VALUES_EXAMPLE, 85, "Sunshine"),
            )
            assert tree["result"][0]["category_name"] == "Electronics"
            assert any(a["id"] == BRAND for a in attrs["result"])
            assert [v["id"] for v in search["result"]] == RECORDED_SUNSHINE_IDS
            ids: list[int] = []
            start: int | str = 1
            while True:
                page = await ozon.get_attribute_values(*VALUES_EXAMPLE, "85", start=start)
                ids += [v["id"] for v in page["result"]]
                if not page["has_next"]:
                    break
                start = str(page["result"][-1]["id"] + 1)
            assert len(ids) == len(set(ids)) == BRAND_COUNT
            with pytest.raises(NotFoundError):
                await ozon.get_attribute_values(17054869, 97311, 10015)

    asyncio.run(go())


def test_cli_in_process_sandbox(run_cli: Any, sandbox_db: str) -> None:
    r = run_cli(
        "ozon",
        "GetAttributeValues",
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        DEMO_API_KEY,
        *type_options("17028922", "91565", "10096"),
        "--sandbox",
        env={"OINT_SANDBOX_DB": sandbox_db},
    )
    assert r.code == 0, r.err
    assert r.out.startswith('{\n "result": [')  # OInt's indentation
    assert {"id": 61576, "value": "серый", "info": "", "picture": ""} in r.json()["result"]
