"""The FBO scheme (OInt group "Fbo-scheme"): clusters, shipping points, FBO postings, supply drafts
and their timeslots. The two local structure helpers of the group live in `structures.py`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from oint.ozon.errors import UsageError
from oint.ozon.methods.common import OFFSET
from oint.ozon.registry import Method, P
from oint.ozon.values import (
    BOOL,
    DATE,
    ID,
    IDS,
    NUMBERS,
    OBJECT,
    STRING,
    STRINGS,
    CollectionKind,
    parse_number,
    xml_datetime_z,
)

GROUP = "Fbo-scheme"
POSTINGS_PAGE_SIZE = 1000  # OInt's fixed `limit` of /v2/posting/fbo/list
DRAFT_ITEMS_FORMAT_ERROR = "Список позиций имеет некорректный формат"  # OInt's message for a non-map


class SkuQuantityMap(CollectionKind):
    """OInt's items map {sku: quantity}: a Python mapping (int or text keys), JSON text or a JSON file.

    Any JSON collection is accepted here so that `draft_items` can reject a non-map with OInt's
    own message.
    """

    def __init__(self) -> None:
        super().__init__("any")
        self.name = "object"
        self.py_type = "Mapping[int | str, int | str] | str | None"


SKU_QUANTITIES = SkuQuantityMap()


# ------------------------------------------------------------------ body converters
def _integer(option: str, what: str) -> Callable[[Any], int]:
    """A converter to an integer id for the body; anything else is a usage error naming the option."""

    def convert(value: Any) -> int:
        number = _to_integer(value)
        if number is None:
            raise UsageError(f"--{option}: {what} must be a whole number, got {value!r}")
        return number

    return convert


def _to_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            number = parse_number(value)
        except ValueError:
            return None
        return _to_integer(number)
    return None


def draft_items(value: Any) -> list[dict[str, int]]:
    """OInt's items map {sku: quantity} -> Ozon's [{sku, quantity}] (both numbers).

    A value that is not a map, or a key or quantity that does not convert to a non-zero
    number, is a usage error (OInt raises on them too).
    """
    if not isinstance(value, Mapping):
        raise UsageError(
            f"--items: {DRAFT_ITEMS_FORMAT_ERROR} (the items list has an invalid format): "
            'expected a JSON object {"<sku>": <quantity>, ...}'
        )
    items: list[dict[str, int]] = []
    for key, quantity in value.items():
        sku = _to_integer(key)
        count = _to_integer(quantity)
        if not sku:
            raise UsageError(f"--items: SKU {key!r} is not a non-zero number")
        if not count:
            raise UsageError(f"--items: quantity {quantity!r} of SKU {key} is not a non-zero number")
        items.append({"sku": sku, "quantity": count})
    return items


def _dates_as_text(value: Any) -> Any:
    """A filter with Python dates turned into Ozon's text form; JSON values are kept as given."""
    if isinstance(value, Mapping):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.datetime):
        return xml_datetime_z(value)
    if isinstance(value, dt.date):
        return xml_datetime_z(dt.datetime(value.year, value.month, value.day))
    return value


# ------------------------------------------------------------------ declarations
GET_CLUSTERS_LIST = Method(
    name_en="GetClustersList",
    name_ru="ПолучитьСписокКластеров",
    group=GROUP,
    python="get_clusters_list",
    summary="Get Ozon logistic clusters and their warehouses.",
    operation="/v1/cluster/list",
    params=(
        P(
            "cluster_type",
            "type",
            STRING,
            ru="ТипКластера",
            en="ClusterType",
            default="CLUSTER_TYPE_OZON",
            doc="Cluster type: CLUSTER_TYPE_OZON (Russia), CLUSTER_TYPE_CIS (CIS)",
            type_doc="String",
            field="cluster_type",
        ),
    ),
    notes=(
        "Ozon answers {clusters: [{id, name, type, logistic_clusters: [{warehouses: [...]}]}]}.",
        "Cluster ids go to CreateFBODraft --clusters.",
        "Any other type than CLUSTER_TYPE_OZON or CLUSTER_TYPE_CIS is a validation error (400).",
    ),
    example='oint ozon GetClustersList --clientid "***" --apikey "***"',
)

GET_SHIPPING_WAREHOUSES_LIST = Method(
    name_en="GetShippingWarehousesList",
    name_ru="ПолучитьСписокСкладовОтгрузки",
    group=GROUP,
    python="get_shipping_warehouses_list",
    summary="Search FBO warehouses, sorting centres and pick-up points usable as shipping points.",
    operation="/v1/warehouse/fbo/list",
    params=(
        P(
            "search",
            "search",
            STRING,
            ru="Поиск",
            en="Search",
            required=True,
            doc="Search by name (min 4 chars). For pick-up points give the full name",
            type_doc="String",
            field="search",
        ),
        P(
            "supply_type",
            "type",
            STRINGS,
            ru="ТипПоставки",
            en="SupplyType",
            default="CREATE_TYPE_DIRECT",
            doc="Supply types: CREATE_TYPE_CROSSDOCK, CREATE_TYPE_DIRECT",
            type_doc="String, Array of String",
            field="filter_by_supply_type",
        ),
    ),
    notes=(
        "The search text needs at least 4 characters; pick-up points are found by their full name only.",
        "CREATE_TYPE_DIRECT finds fulfilment warehouses; CREATE_TYPE_CROSSDOCK finds drop-off points "
        "(sorting centres, cross-docks, receiving and pick-up points) for CreateFBODraft --point.",
        "Ozon answers {search: [{warehouse_id, name, address, coordinates, warehouse_type}]}.",
    ),
    example='oint ozon GetShippingWarehousesList --clientid "***" --apikey "***" --search "Tver"',
)

GET_FBO_SHIPMENTS_LIST = Method(
    name_en="GetFBOShipmentsList",
    name_ru="ПолучитьСписокОтправленийFBO",
    group=GROUP,
    python="get_fbo_shipments_list",
    summary="List FBO postings (shipments) with an optional filter and extra fields, 1000 per page.",
    operation="/v2/posting/fbo/list",
    params=(
        P(
            "filter",
            "filter",
            OBJECT,
            ru="Фильтр",
            en="Filter",
            default=None,
            doc="Shipments filter. See GetShipmentsFilterStructure",
            type_doc="Structure Of KeyAndValue",
            field="filter",
            convert=_dates_as_text,
        ),
        P(
            "add_fields",
            "with",
            OBJECT,
            ru="ДопПоля",
            en="AddFields",
            default=None,
            doc="Additional response fields. See GetShipmentAdditionalFields",
            type_doc="Structure Of KeyAndValue",
            field="with",
        ),
        OFFSET._replace(doc="Number of items to skip"),
        P(
            "translit",
            "trlt",
            BOOL,
            ru="Транслит",
            en="Traslit",
            default=False,
            doc="True to transliterate the address from Cyrillic to Latin",
            type_doc="Boolean",
            field="translit",
        ),
    ),
    fixed={"limit": POSTINGS_PAGE_SIZE},
    notes=(
        "Ozon requires filter.since and filter.to (ISO dates such as 2023-01-01T00:00:00Z); filter.status "
        "narrows to awaiting_packaging, awaiting_deliver, delivering, delivered or cancelled.",
        "with: {analytics_data: true, financial_data: true} adds those blocks to every posting.",
        "Pages hold 1000 postings: pass --offset 1000, 2000, ...; Ozon refuses offsets above 20000 "
        "(MAX_OFFSET_EXCEEDED) - narrow the period instead.",
    ),
    example=(
        'oint ozon GetFBOShipmentsList --clientid "***" --apikey "***" '
        "--filter \"{'since':'2023-01-01T00:00:00Z','to':'2024-01-01T00:00:00Z'}\" "
        "--with \"{'analytics_data':true,'financial_data':true}\""
    ),
)

CREATE_FBO_DRAFT = Method(
    name_en="CreateFBODraft",
    name_ru="СоздатьЧерновикЗаявкиFBO",
    group=GROUP,
    python="create_fbo_draft",
    summary="Create an FBO supply-order draft for clusters and SKU quantities.",
    operation="/v1/draft/create",
    params=(
        P(
            "clusters",
            "clusters",
            IDS,
            ru="Кластеры",
            en="Clusters",
            required=True,
            doc="Cluster IDs",
            type_doc="String, Array of String",
            field="cluster_ids",
            convert=_integer("clusters", "a cluster id"),
            per_item=True,
        ),
        P(
            "items",
            "items",
            SKU_QUANTITIES,
            ru="Позиции",
            en="Items",
            required=True,
            doc="Items: Key > SKU, Value > quantity",
            type_doc="Map Of KeyAndValue",
            field="items",
            convert=draft_items,
        ),
        P(
            "supply_type",
            "type",
            STRING,
            ru="ТипПоставки",
            en="SupplyType",
            default="CREATE_TYPE_DIRECT",
            doc="Supply type: CREATE_TYPE_CROSSDOCK, CREATE_TYPE_DIRECT",
            type_doc="String",
            field="type",
        ),
        P(
            "drop_off_point",
            "point",
            ID,
            ru="ТочкаОтгрузки",
            en="ShippingPoint",
            default=None,
            doc="Drop-off point warehouse ID for CREATE_TYPE_CROSSDOCK",
            type_doc="String",
            field="drop_off_point_warehouse_id",
            convert=_integer("point", "the drop-off point id"),
        ),
    ),
    notes=(
        "Items are a map {\"<sku>\": <quantity>}, e.g. {'1783161863': 5, '1784654052': 2}, or a path to a "
        "JSON file with one; up to 5000 items.",
        "CREATE_TYPE_CROSSDOCK needs --point: a drop-off point found with GetShippingWarehousesList "
        "--type CREATE_TYPE_CROSSDOCK.",
        "Ozon answers {operation_id}: the draft is calculated asynchronously - poll GetFBODraft with it. "
        "A draft lives 30 minutes.",
        "Ozon allows 2 drafts a minute, 50 an hour and 500 a day per account (429 beyond).",
        "Besides /v1/draft/direct/create, Ozon offers /v1/draft/crossdock/create and "
        "/v1/draft/multi-cluster/create for other kinds of supply.",
    ),
    example=(
        'oint ozon CreateFBODraft --clientid "***" --apikey "***" --clusters 2 '
        "--items \"{'1783161863':5,'1784654052':2}\""
    ),
)

GET_FBO_DRAFT = Method(
    name_en="GetFBODraft",
    name_ru="ПолучитьЧерновикЗаявкиFBO",
    group=GROUP,
    python="get_fbo_draft",
    summary="Get an FBO supply draft (calculation status and candidate warehouses) by operation ID.",
    operation="/v1/draft/create/info",
    params=(
        P(
            "operation_id",
            "oper",
            STRING,
            ru="IDОперации",
            en="OperationID",
            required=True,
            doc="Draft (operation) ID",
            type_doc="String",
            field="operation_id",
        ),
    ),
    notes=(
        "status is CALCULATION_STATUS_IN_PROGRESS while Ozon calculates: poll again later.",
        "CALCULATION_STATUS_SUCCESS brings draft_id and clusters with their supply warehouses "
        "(warehouse ids go to GetFBOTimeslots --whs); CALCULATION_STATUS_FAILED brings errors "
        "(items_validation, unknown_cluster_ids); after 30 minutes a draft is CALCULATION_STATUS_EXPIRED.",
    ),
    example=(
        'oint ozon GetFBODraft --clientid "***" --apikey "***" --oper "01968c0f-6eb1-77dc-8df4-d930396b6106"'
    ),
)

GET_FBO_TIMESLOTS = Method(
    name_en="GetFBOTimeslots",
    name_ru="ПолучитьТаймслотыFBO",
    group=GROUP,
    python="get_fbo_timeslots",
    summary="Get available delivery timeslots at drop-off warehouses for a supply draft.",
    operation="/v1/draft/timeslot/info",
    params=(
        P(
            "date_from",
            "from",
            DATE,
            ru="ДатаОт",
            en="DateFrom",
            required=True,
            doc="Start of the wanted period",
            type_doc="Date",
            field="date_from",
            convert=xml_datetime_z,
        ),
        P(
            "date_to",
            "to",
            DATE,
            ru="ДатаПо",
            en="DateTo",
            required=True,
            doc="End of the wanted period (max 28 days from now)",
            type_doc="Date",
            field="date_to",
            convert=xml_datetime_z,
        ),
        P(
            "draft_id",
            "draft",
            ID,
            ru="Черновик",
            en="Draft",
            required=True,
            doc="Supply draft ID",
            type_doc="Number, String",
            field="draft_id",
            convert=_integer("draft", "the draft id"),
        ),
        P(
            "warehouse_ids",
            "whs",
            NUMBERS,
            ru="Склады",
            en="Warehouses",
            required=True,
            doc="Warehouse ID or several IDs",
            type_doc="Array Of Number",
            field="warehouse_ids",
            convert=_integer("whs", "a warehouse id"),
            per_item=True,
        ),
    ),
    notes=(
        "Dates are sent as OInt does: the date and time as given, seconds precision, with 'Z' appended "
        "(2025-07-05T12:47:44Z). The CLI accepts 2025-07-05T12:47:44.5600826 and 07/29/2025 21:23:13.",
        "The period may end at most 28 days from now; up to 10 warehouses per request.",
        "draft_id and warehouse ids come from GetFBODraft once its status is CALCULATION_STATUS_SUCCESS.",
    ),
    example=(
        'oint ozon GetFBOTimeslots --clientid "***" --apikey "***" --from "2025-07-05T12:47:44.5600826" '
        '--to "2025-07-06T12:47:44.5600826" --draft 57582168 --whs 1020001649180000'
    ),
)

METHODS = (
    GET_CLUSTERS_LIST,
    GET_SHIPPING_WAREHOUSES_LIST,
    GET_FBO_SHIPMENTS_LIST,
    CREATE_FBO_DRAFT,
    GET_FBO_DRAFT,
    GET_FBO_TIMESLOTS,
)
