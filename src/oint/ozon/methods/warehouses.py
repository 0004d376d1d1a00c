"""Warehouses management (OInt group "Warehouses-management")."""

from __future__ import annotations

from oint.ozon.registry import Endpoint, Method

GROUP = "Warehouses-management"

GET_WAREHOUSES_LIST = Method(
    name_en="GetWarehousesList",
    name_ru="ПолучитьСписокСкладов",
    group=GROUP,
    python="get_warehouses_list",
    summary="List the seller's own FBS and rFBS warehouses.",
    endpoint=Endpoint("POST", "/v1/warehouse/list", retired="2026-04-07", successor="/v2/warehouse/list"),
    params=(),
    rate_limit=(1, 60.0),
    send_body=False,
    notes=(
        "Ozon allows one call a minute per seller account; more answer 429 with Retry-After.",
        "Each warehouse has warehouse_id (needed by UpdateProductsStocks), name, status, is_rfbs, is_kgt, "
        "first_mile_type and working_days.",
        "Ozon deprecated /v1/warehouse/list (switch-off announced for 2026-04-07) in favour of "
        "/v2/warehouse/list, which pages with limit/cursor.",
    ),
    example='oint ozon GetWarehousesList --clientid "***" --apikey "***"',
)

METHODS = (GET_WAREHOUSES_LIST,)
