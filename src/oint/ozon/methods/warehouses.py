"""Warehouses management (OInt group "Warehouses-management")."""

from __future__ import annotations

from oint.ozon.registry import Method

GROUP = "Warehouses-management"

GET_WAREHOUSES_LIST = Method(
    name_en="GetWarehousesList",
    name_ru="ПолучитьСписокСкладов",
    group=GROUP,
    python="get_warehouses_list",
    summary="List the seller's own FBS and rFBS warehouses.",
    operation="/v1/warehouse/list",
    params=(),
    send_body=False,
    notes=(
        "Ozon allows one call a minute per seller account; more answer 429 with Retry-After.",
        "Each warehouse has warehouse_id (needed by UpdateProductsStocks), name, status, is_rfbs, is_kgt, "
        "first_mile_type and working_days.",
    ),
    example='oint ozon GetWarehousesList --clientid "***" --apikey "***"',
)

METHODS = (GET_WAREHOUSES_LIST,)
