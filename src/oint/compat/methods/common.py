"""Parameters several OInt functions share, declared once."""

from __future__ import annotations

from oint.compat.registry import P
from oint.compat.values import ID, IDS, NUMBER, OBJECT, as_int, as_str

PRODUCT_FILTER = P(
    "filter",
    "filter",
    OBJECT,
    ru="Фильтр",
    en="Filter",
    default=None,
    doc="Product selection filter. See GetProductsFilterStructure",
    type_doc="Structure Of KeyAndValue",
    field="filter",
    empty=dict,
)
"""The product filter of list/attributes/stocks/prices reads: `{}` is sent when none is given."""

LAST_ID = P(
    "last_id",
    "last",
    ID,
    ru="IDПоследнего",
    en="LastID",
    default=None,
    doc="ID of the last value (last_id) from the previous response",
    type_doc="String, Number",
    field="last_id",
    convert=as_str,
)
"""OInt's page position, sent as a string and left out when empty or 0."""

SKUS = P(
    "sku",
    "sku",
    IDS,
    ru="SKU",
    en="SKU",
    required=True,
    doc="Product identifiers in the Ozon system (SKU)",
    type_doc="Number, Array Of Number",
    field="skus",
    convert=as_int,
    per_item=True,
)
"""One SKU or several, sent as an array of numbers (use `SKUS._replace(field=...)` for another key)."""

OFFSET = P(
    "offset",
    "offset",
    NUMBER,
    ru="Отступ",
    en="Indent",
    default=0,
    doc="Offset in the items list",
    type_doc="Number",
    field="offset",
    convert=as_int,
)
"""OInt's `Отступ` / Indent: items to skip, left out when 0."""

PRODUCT_ID = P(
    "product_id",
    "productid",
    ID,
    ru="IDТовара",
    en="ProductID",
    required=True,
    doc="Product identifier",
    type_doc="String, Number",
    field="product_id",
    convert=as_int,
)
"""One product, sent as a number."""

TASK_ID = P(
    "task_id",
    "taskid",
    ID,
    ru="IDЗадачи",
    en="TaskID",
    required=True,
    doc="Task ID",
    type_doc="String, Number",
    field="task_id",
    convert=as_str,
)
"""An asynchronous task's id, sent as a string (OInt's `Строка`)."""
