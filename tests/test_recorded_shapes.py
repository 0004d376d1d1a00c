"""Conformance of the sandbox's answers with the shapes of real, recorded Ozon answers.

For every API-calling OInt function whose recorded answer (OInt's docs, see
`tests/data/oint-ozon/catalogue.json`: `result_file`, `result_note`,
`result_truncated_in_docs`) is a success body, the function is called through `OzonClient`
against the HTTP sandbox with demo-account arguments that give a non-empty answer, and the
answer's *shape* is compared with the recording's:

- every key path of the recording must be in the sandbox answer; extra sandbox keys are fine;
- JSON types must be compatible: number (int and float alike), string, bool, object, array;
  a `null` in the recording matches anything; a `null` in the sandbox where the recording has
  a value is a mismatch;
- arrays: the shapes of *all* elements are merged, on both sides. A key found in every complete
  recorded element is required in every sandbox element; a key found in only some recorded
  elements (an optional field) must occur in at least one sandbox element; the types of all
  elements must be compatible. Comparing only first elements would be weaker both ways: a
  truncated first element (the category tree) would under-constrain, optional fields seen in
  later elements would be ignored, and later sandbox elements could drift unnoticed (e.g. the
  unavailable warehouses of an FBO draft come last). An array that is empty in the sandbox
  while the recording has elements is a mismatch (its element shape cannot be verified);
- truncated recordings (`result_truncated_in_docs`): the docs cut them with "..." and the
  catalogue closed the brackets after the last complete line, so the trailing spine (the last
  value of each object, the last element of each array, from the root down) may be partial.
  Keys of a partial object are real, but a key *missing* from it is no evidence of an optional
  field: partial objects add keys to the union and never narrow "present in every element".

Recorded Ozon errors (a top-level `code` + `message` body) have no success shape to compare
and are skipped, each with its reason in `SKIPPED`. Per-item errors inside a 200 answer
(BindBarcodes, UpdateProductsStocks) are success bodies and are compared.

Known differences between a recording and Ozon's current API (per the facts file) are encoded
in `EXPECTED_DIFFERENCES`; known sandbox gaps are `xfail(strict=True)` with the exact mismatch
paths in `KNOWN_GAPS` (any other mismatch fails the test outright).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import BRAND, FILM_CATEGORY, FILM_TYPE, TNVED, attribute, film_product

from oint.ozon import OzonClient

REFERENCE = Path(__file__).parent / "data" / "oint-ozon"  # copied from OInt's catalogue: data/README.md
CATALOGUE: dict[str, dict[str, Any]] = {
    e["name_en"]: e for e in json.loads((REFERENCE / "catalogue.json").read_text(encoding="utf-8"))
}
API_FUNCTIONS = [name for name, e in CATALOGUE.items() if e["calls_api"]]


def recording(name: str) -> Any:
    return json.loads((REFERENCE / CATALOGUE[name]["result_file"]).read_text(encoding="utf-8"))


def is_error_body(doc: Any) -> bool:
    """Ozon's error answer: a top-level {code, message[, details]} instead of a result."""
    return isinstance(doc, dict) and "code" in doc and "message" in doc


# ------------------------------------------------------------------ shapes
def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


@dataclass
class Shape:
    """The merged shape of all values found at one path.

    `objects` counts the complete objects merged, `present[k]` how many of them had key k;
    `keys` also holds keys seen only in partial (truncated) objects.
    """

    kinds: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    objects: int = 0
    present: dict[str, int] = field(default_factory=dict)
    item: Shape | None = None

    def everywhere(self, key: str) -> bool:
        """Whether `key` is in every complete object (vacuously true with only partial ones)."""
        return self.present.get(key, 0) == self.objects

    def presence(self, key: str) -> str:
        return f"{self.present.get(key, 0)} of {self.objects}"


def merge(a: Shape | None, b: Shape | None) -> Shape | None:
    if a is None or b is None:
        return a or b
    keys = {k: merge(a.keys.get(k), b.keys.get(k)) for k in {**a.keys, **b.keys}}
    return Shape(
        kinds=a.kinds | b.kinds,
        keys={k: s for k, s in keys.items() if s is not None},
        objects=a.objects + b.objects,
        present={k: a.present.get(k, 0) + b.present.get(k, 0) for k in {**a.present, **b.present}},
        item=merge(a.item, b.item),
    )


def shape_of(value: Any, *, truncated: bool = False) -> Shape:
    """The shape of a JSON value; `truncated`: the value lies on the cut-off trailing spine."""
    shape = Shape({kind(value)})
    if isinstance(value, dict):
        last = next(reversed(value)) if value else None
        for k, v in value.items():
            shape.keys[k] = shape_of(v, truncated=truncated and k == last)
        if not truncated:  # a partial object may lack keys: no evidence of optional fields
            shape.objects = 1
            shape.present = dict.fromkeys(value, 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            shape.item = merge(shape.item, shape_of(v, truncated=truncated and i == len(value) - 1))
    return shape


def kinds_text(kinds: set[str]) -> str:
    return "|".join(sorted(kinds)) or "nothing"


@dataclass(frozen=True)
class Dropped:
    """Ozon no longer sends this recorded key: it may be missing; if sent, its type is checked."""

    why: str


@dataclass(frozen=True)
class Renamed:
    """Ozon replaced this recorded key by `successor` (same object, same type): the successor is
    required with the recorded type; the old key may be missing (type-checked if sent)."""

    successor: str
    why: str


Difference = Dropped | Renamed


@dataclass(frozen=True)
class Mismatch:
    path: str
    recorded: str
    sandbox: str

    def __str__(self) -> str:
        return f"{self.path}: recorded {self.recorded}, sandbox {self.sandbox}"


def compare(
    rec: Shape,
    box: Shape,
    path: str = "$",
    differences: dict[str, Difference] | None = None,
    used: set[str] | None = None,
) -> list[Mismatch]:
    """Mismatches of the sandbox shape `box` against the recorded shape `rec`."""
    differences = differences or {}
    used = used if used is not None else set()
    out: list[Mismatch] = []
    recorded_kinds = rec.kinds - {"null"}
    if not recorded_kinds:  # null in the recording matches anything
        return out
    foreign = box.kinds - recorded_kinds - ({"null"} if "null" in rec.kinds else set())
    if foreign:
        out.append(Mismatch(path, kinds_text(rec.kinds), kinds_text(box.kinds)))
    if "object" in recorded_kinds and "object" in box.kinds:
        for key, sub in rec.keys.items():
            here = f"{path}.{key}"
            difference = differences.get(here)
            if difference is not None:
                used.add(here)
            if isinstance(difference, Renamed):
                new = f"{path}.{difference.successor}"
                if difference.successor not in box.keys:
                    out.append(Mismatch(new, f"{kinds_text(sub.kinds)} (successor of {key})", "missing"))
                else:
                    if rec.everywhere(key) and not box.everywhere(difference.successor):
                        out.append(
                            Mismatch(
                                new,
                                f"in every element (successor of {key})",
                                f"in {box.presence(difference.successor)} elements",
                            )
                        )
                    out += compare(sub, box.keys[difference.successor], new, differences, used)
            if key not in box.keys:
                if difference is None:
                    out.append(Mismatch(here, kinds_text(sub.kinds), "missing"))
                continue
            if difference is None and rec.everywhere(key) and not box.everywhere(key):
                out.append(
                    Mismatch(
                        here, f"{kinds_text(sub.kinds)} in every element", f"in {box.presence(key)} elements"
                    )
                )
            out += compare(sub, box.keys[key], here, differences, used)
    if "array" in recorded_kinds and "array" in box.kinds and rec.item is not None:
        if box.item is None:
            out.append(Mismatch(f"{path}[]", f"{kinds_text(rec.item.kinds)} elements", "always empty"))
        else:
            out += compare(rec.item, box.item, f"{path}[]", differences, used)
    return out


# ------------------------------------------------------------------ unit checks of the comparison
def shape_mismatches(
    recorded: Any,
    sandbox: Any,
    truncated: bool = False,
    differences: dict[str, Difference] | None = None,
) -> list[str]:
    rec = shape_of(recorded, truncated=truncated)
    return [str(m) for m in compare(rec, shape_of(sandbox), "$", differences or {})]


def test_comparison_rules() -> None:
    rec = {"a": 1, "b": "x", "c": None, "d": [{"k": 1, "o": True}, {"k": 2}], "e": {"f": 1.5}}
    assert (
        shape_mismatches(
            rec,
            {"a": 2.5, "b": "", "c": [1], "d": [{"k": 0, "o": False}, {"k": 1}], "e": {"f": 3}, "extra": 1},
        )
        == []
    )
    assert shape_mismatches(rec, {"a": "1", "b": None, "c": 1, "d": [{"k": 1}], "e": {}}) == [
        "$.a: recorded number, sandbox string",
        "$.b: recorded string, sandbox null",
        "$.d[].o: recorded bool, sandbox missing",  # optional in the recording, never in the sandbox
        "$.e.f: recorded number, sandbox missing",
    ]
    assert shape_mismatches({"d": [{"k": 1}, {"k": 2}]}, {"d": [{"k": 1}, {"j": 2}]}) == [
        "$.d[].k: recorded number in every element, sandbox in 1 of 2 elements"
    ]
    assert shape_mismatches({"d": [1]}, {"d": []}) == [
        "$.d[]: recorded number elements, sandbox always empty"
    ]
    # Truncated: the last element is partial, so its missing "k" is no evidence that "k" is optional.
    cut = {"d": [{"k": 1, "j": 1}, {"j": 2}]}
    assert shape_mismatches(cut, {"d": [{"j": 1}, {"k": 1, "j": 1}]}, truncated=True) == [
        "$.d[].k: recorded number in every element, sandbox in 1 of 2 elements"
    ]
    assert shape_mismatches(cut, {"d": [{"j": 1}, {"k": 1, "j": 1}]}) == []
    # Expected differences: a dropped key may be missing, a renamed one needs its successor.
    dropped: dict[str, Difference] = {"$.p[].x": Dropped("")}
    assert shape_mismatches({"p": [{"x": True}]}, {"p": [{}]}, differences=dropped) == []
    assert shape_mismatches({"p": [{"x": True}]}, {"p": [{"x": 1}]}, differences=dropped) == [
        "$.p[].x: recorded bool, sandbox number"
    ]
    assert shape_mismatches({"t": 1}, {"t": 1}, differences={"$.t": Renamed("n", "")}) == [
        "$.n: recorded number (successor of t), sandbox missing"
    ]
    assert shape_mismatches({"t": 1}, {"n": 2}, differences={"$.t": Renamed("n", "")}) == []


# ------------------------------------------------------------------ what is not compared, and why
SKIPPED: dict[str, str] = {
    # All five recordings are Ozon error bodies ({code, message, details}); there is no success shape.
    "UploadProductActivationCodes": "recorded error code 7: the recording account had no access to "
    "/v1/product/upload_digital_codes (method removed from Ozon's docs 2025-07-01, facts §0)",
    "GetCodesUploadStatus": "recorded error code 7: no access to /v1/product/upload_digital_codes/info "
    "(removed from Ozon's docs 2025-07-01, facts §0)",
    "SetProductDiscount": "recorded error code 5 'item discount not found' (no FBS markdown on the "
    "recording account)",
    "GetAvailablePromoProducts": "recorded error code 5 'Resource not found' for a dummy promo id",
    "GetCurrentPromoProducts": "recorded error code 5 'Resource not found' for a dummy promo id",
}

# Result notes that mention an older recording: the version of the recording actually used, checked
# by a structural mark of that version (so an older-version recording cannot slip in unnoticed).
RECORDING_VERSIONS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "GetProductsStocks": (
        "v4 (top-level items + cursor); the older v3 recording {result:{items,total,"
        "last_id}} of other doc revisions is not the result_file",
        lambda r: "cursor" in r and "result" not in r,
    ),
    "GetProductsPrices": (
        "v5 (top-level items); the RU doc's v4 {result:{items}} recording is not used",
        lambda r: "items" in r and "result" not in r,
    ),
    "GetProductsInformation": (
        "v3 (top-level items); the EN doc's v2 {result:{items}} recording is not used",
        lambda r: "items" in r and "result" not in r,
    ),
    "GetProductsRequestsLimits": (
        "v4, the newer of two v4 recordings (only the data differs)",
        lambda r: {"daily_create", "daily_update", "total"} <= set(r),
    ),
}

# Differences between a recording and Ozon's API as it is now (ozon-api-facts.md). None of the
# result_files is from an older *endpoint version* than the function calls (see RECORDING_VERSIONS);
# these are changes inside the same endpoint since the recording was made.
EXPECTED_DIFFERENCES: dict[str, dict[str, Difference]] = {
    "GetProductList": {
        # facts §0, 2026-09-24: "/v3/product/list result.total ... deprecated (off 2026-11-23)
        # -> total_items"; §5 table: result{items[...], total, total_items, last_id}.
        "$.result.total": Renamed("total_items", "facts §0 2026-09-24, §5"),
    },
    "GetProductsStocks": {
        # facts §0, 2026-09-24: "/v4/product/info/stocks ... total deprecated (off 2026-11-23)
        # -> total_items"; §5 table: {cursor, items[...], total -> total_items}.
        "$.total": Renamed("total_items", "facts §0 2026-09-24, §5"),
    },
    "UpdateProductImages": {
        # facts §0 (~2026-07-10) and §3.1: "images360 removed from the request and is_360 from the response
        # around 2026-07-10 (ZH doc page, S-RU26 only mentions color_image)".
        "$.result.pictures[].is_360": Dropped("facts §0 ~2026-07-10, §3.1"),
    },
    "CheckProductsImagesUpload": {
        # facts §3.3: "S-RU26 example (2026-10) no longer has photo_360".
        "$.items[].photo_360": Dropped("facts §3.3"),
    },
    "GetFBODraft": {
        # facts §6.3: /v1/draft/create/info is off (2026-03-16); its successor /v2/draft/create/info has
        # no travel_time_days, which the current implementation of GetFBODraft leaves out (with a warning).
        "$.clusters[].warehouses[].travel_time_days": Dropped("facts §6.3, /v2/draft/create/info"),
    },
}

# Sandbox gaps found by this test: function -> (reason, exact mismatch paths). The test is
# xfail(strict) for these, and fails outright on a mismatch at any other path.
KNOWN_GAPS: dict[str, tuple[str, set[str]]] = {}  # none left: the three this test found are fixed


# ------------------------------------------------------------------ how each function is called
SKU_1, SKU_2, UNKNOWN_SKU, OTHER_SELLER_SKU = 1626044001, 1626044002, 1626099999, 180550365
FBO_MARKDOWN_SKU = 1626044101
MOSCOW_CLUSTER = 2
PICTURES = [
    "https://openintegrations.dev/test_data/picture.jpg",
    "https://openintegrations.dev/test_data/picture2.jpg",
]
VIDEO_URL = "https://rutube.ru/video/c6cc4d620b1d4338901770a44b3e82f4/"


def wait(poll: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while not done(answer := poll()):
        assert time.monotonic() < deadline, f"still not done: {answer}"
        time.sleep(0.05)
    return answer


def settled_task(ozon: OzonClient, task_id: int) -> Any:
    return wait(
        lambda: ozon.get_product_creation_status(task_id),
        lambda a: all(i["status"] != "pending" for i in a["result"]["items"]),
    )


def import_without_tnved(ozon: OzonClient, offer_id: str) -> Any:
    """Import a product lacking the required ТН ВЭД attribute (as in the recording: imported, with an
    error_attribute_values_empty error); returns the settled import status."""
    task_id = ozon.create_update_products(film_product(offer_id, without=(TNVED,)))["result"]["task_id"]
    return settled_task(ozon, task_id)


def calculated_draft(ozon: OzonClient) -> Any:
    operation_id = ozon.create_fbo_draft([MOSCOW_CLUSTER], {SKU_1: 5, SKU_2: 2})["operation_id"]
    return wait(
        lambda: ozon.get_fbo_draft(operation_id), lambda d: d["status"] != "CALCULATION_STATUS_IN_PROGRESS"
    )


def attributes_with_video(ozon: OzonClient) -> Any:
    """143210609 gets a video (complex attributes 21841/21837, as in the recording), then its data."""
    task = ozon.update_products_attributes(
        {
            "offer_id": "143210609",
            "attributes": [
                attribute(21841, VIDEO_URL, complex_id=100001),
                attribute(21837, "video1", complex_id=100001),
            ],
        }
    )
    settled_task(ozon, task["task_id"])
    return ozon.get_products_attributes_data({"offer_id": ["143210609"]})


def information_with_errors(ozon: OzonClient) -> Any:
    """A product on sale and one with an attribute error (the recording shows one with an error)."""
    import_without_tnved(ozon, "SHAPE-NOTNVED")
    return ozon.get_products_information(offer_id=["143210609", "SHAPE-NOTNVED"])


def fbo_timeslots(ozon: OzonClient) -> Any:
    draft = calculated_draft(ozon)
    warehouses = [
        w["supply_warehouse"]["warehouse_id"]
        for c in draft["clusters"]
        for w in c["warehouses"]
        if w["status"]["is_available"]
    ]
    now = dt.datetime.now(dt.timezone.utc)
    return ozon.get_fbo_timeslots(now, now + dt.timedelta(days=2), draft["draft_id"], warehouses[:2])


def fbo_postings(ozon: OzonClient) -> Any:
    now = dt.datetime.now(dt.timezone.utc)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return ozon.get_fbo_shipments_list(
        {"since": (now - dt.timedelta(days=360)).strftime(stamp), "to": now.strftime(stamp)}
    )


def delete_draft_product(ozon: OzonClient) -> Any:
    ozon.archive_products(1111588195)  # only archived products without SKU can be deleted
    return ozon.delete_products_without_sku("DRAFT-001")


@dataclass(frozen=True)
class Scenario:
    call: Callable[[OzonClient], Any]
    nonempty: tuple[str, ...] = ()  # dotted paths of collections the answer must fill


SCENARIOS: dict[str, Scenario] = {
    "GetCategoriesAndProductTypesTree": Scenario(
        lambda o: o.get_categories_and_product_types_tree(), ("result",)
    ),
    "GetCategoryAttributes": Scenario(
        lambda o: o.get_category_attributes(FILM_CATEGORY, FILM_TYPE), ("result",)
    ),
    "GetAttributeValues": Scenario(
        lambda o: o.get_attribute_values(FILM_CATEGORY, FILM_TYPE, BRAND), ("result",)
    ),
    "SearchAttributeValue": Scenario(
        lambda o: o.search_attribute_value(FILM_CATEGORY, FILM_TYPE, BRAND, "Sam"), ("result",)
    ),
    "GetProductsRequestsLimits": Scenario(lambda o: o.get_products_requests_limits(), ("daily_create",)),
    "GetProductList": Scenario(lambda o: o.get_product_list(), ("result.items",)),
    "GetProductsAttributesData": Scenario(attributes_with_video, ("result",)),
    "GetProductsInformation": Scenario(information_with_errors, ("items",)),
    "GetProductDescription": Scenario(lambda o: o.get_product_description(1111588191), ("result",)),
    "GetProductsContentRating": Scenario(lambda o: o.get_products_content_rating(SKU_1), ("products",)),
    "CreateUpdateProducts": Scenario(
        lambda o: o.create_update_products(film_product("SHAPE-NEW")), ("result",)
    ),
    "CreateProductByOzonID": Scenario(
        lambda o: o.create_product_by_ozon_id(
            {"sku": OTHER_SELLER_SKU, "offer_id": "SHAPE-COPY", "price": "700", "vat": "0.2"}
        ),
        ("result",),
    ),
    "UpdateProductsAttributes": Scenario(
        lambda o: o.update_products_attributes(
            {"offer_id": "143210609", "attributes": [attribute(10097, "графит")]}
        )
    ),
    "UpdateProductImages": Scenario(
        lambda o: o.update_product_images(1111588191, PICTURES, color="GREEN"), ("result.pictures",)
    ),
    "CheckProductsImagesUpload": Scenario(lambda o: o.check_products_images_upload(1111588191), ("items",)),
    "UpdateProductsArticles": Scenario(lambda o: o.update_products_articles({"91132": "91132-SHAPE"})),
    "ArchiveProducts": Scenario(lambda o: o.archive_products(1111588195)),
    "UnarchiveProducts": Scenario(lambda o: o.unarchive_products(1111588194)),
    "DeleteProductsWithoutSKU": Scenario(delete_draft_product, ("status",)),
    "GetProductSubscribersCount": Scenario(lambda o: o.get_product_subscribers_count(SKU_1), ("result",)),
    "GetRelatedSKUs": Scenario(lambda o: o.get_related_skus(SKU_1), ("items",)),
    "GetProductCreationStatus": Scenario(
        lambda o: import_without_tnved(o, "SHAPE-STATUS"), ("result.items",)
    ),
    # The recording is the per-item error of a SKU of another seller: reproduce exactly that.
    "BindBarcodes": Scenario(lambda o: o.bind_barcodes({str(UNKNOWN_SKU): "112233"}), ("errors",)),
    "CreateBarcodes": Scenario(lambda o: o.create_barcodes(1111588193)),
    "GetProductsStocks": Scenario(lambda o: o.get_products_stocks(), ("items",)),
    "GetProductsPrices": Scenario(lambda o: o.get_products_prices(), ("items",)),
    "GetDiscountInformation": Scenario(lambda o: o.get_discount_information(FBO_MARKDOWN_SKU), ("items",)),
    # The recording is the per-item error for warehouse 1: reproduce exactly that.
    "UpdateProductsStocks": Scenario(
        lambda o: o.update_products_stocks({"offer_id": "143210609", "stock": 5, "warehouse_id": 1}),
        ("result",),
    ),
    "UpdateProductsPrices": Scenario(
        lambda o: o.update_products_prices({"offer_id": "143210609", "price": "1200", "old_price": "1500"}),
        ("result",),
    ),
    "GetPromotionsList": Scenario(lambda o: o.get_promotions_list(), ("result",)),
    "GetWarehousesList": Scenario(lambda o: o.get_warehouses_list(), ("result",)),
    "GetClustersList": Scenario(lambda o: o.get_clusters_list(), ("clusters",)),
    "GetShippingWarehousesList": Scenario(lambda o: o.get_shipping_warehouses_list("ТВЕРЬ"), ("search",)),
    "GetFBOShipmentsList": Scenario(fbo_postings, ("result",)),
    "CreateFBODraft": Scenario(
        lambda o: o.create_fbo_draft([MOSCOW_CLUSTER], {SKU_1: 5, SKU_2: 2}), ("operation_id",)
    ),
    "GetFBODraft": Scenario(calculated_draft, ("clusters",)),
    "GetFBOTimeslots": Scenario(fbo_timeslots, ("drop_off_warehouse_timeslots",)),
}


# ------------------------------------------------------------------ bookkeeping checks
def test_every_api_function_is_compared_or_skipped_for_a_recorded_error() -> None:
    assert len(API_FUNCTIONS) == 42
    errors = {name for name in API_FUNCTIONS if is_error_body(recording(name))}
    assert errors == set(SKIPPED)
    assert set(SCENARIOS) == set(API_FUNCTIONS) - errors
    assert set(KNOWN_GAPS) <= set(SCENARIOS) and set(EXPECTED_DIFFERENCES) <= set(SCENARIOS)


def test_recordings_said_to_have_older_versions_are_the_current_version() -> None:
    older = re.compile(r"\bolder\b", re.I)
    mentions_older = {n for n in API_FUNCTIONS if older.search(CATALOGUE[n]["result_note"] or "")}
    assert mentions_older == set(RECORDING_VERSIONS)
    for name, (version, is_that_version) in RECORDING_VERSIONS.items():
        assert is_that_version(recording(name)), f"{name}: the result_file is not {version}"


# ------------------------------------------------------------------ the conformance test
class ShapeMismatch(AssertionError):
    """The sandbox answer's shape differs from the recording's exactly as KNOWN_GAPS says."""


def case(name: str) -> Any:
    if name in SKIPPED:
        return pytest.param(name, marks=pytest.mark.skip(reason=f"recorded Ozon error: {SKIPPED[name]}"))
    if name in KNOWN_GAPS:
        reason, _ = KNOWN_GAPS[name]
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=ShapeMismatch, reason=reason))
    return name


def dig(doc: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        doc = doc[part]
    return doc


@pytest.mark.parametrize("name", [case(n) for n in API_FUNCTIONS])
def test_sandbox_answer_has_the_recorded_shape(name: str, ozon: OzonClient) -> None:
    entry = CATALOGUE[name]
    scenario = SCENARIOS[name]
    answer = scenario.call(ozon)
    assert isinstance(answer, dict) and answer and not is_error_body(answer), answer
    for path in scenario.nonempty:
        assert dig(answer, path), f"{name}: {path} is empty, choose arguments that give data"

    differences = EXPECTED_DIFFERENCES.get(name, {})
    used: set[str] = set()
    rec = shape_of(recording(name), truncated=entry["result_truncated_in_docs"])
    mismatches = compare(rec, shape_of(answer), "$", differences, used)
    stale = set(differences) - used
    assert not stale, f"EXPECTED_DIFFERENCES for paths that are not in the recording: {stale}"

    if not mismatches:
        return
    where = f"{entry['result_file']} ({entry['endpoint']})"
    report = "\n".join(f"  {where} {m}" for m in mismatches)
    if name in KNOWN_GAPS and {m.path for m in mismatches} == KNOWN_GAPS[name][1]:
        raise ShapeMismatch(f"known sandbox gap:\n{report}")
    raise AssertionError(f"sandbox answer differs from the recorded Ozon answer:\n{report}")
