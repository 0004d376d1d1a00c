"""Parameters several OInt functions share, declared once."""

from __future__ import annotations

from oint.ozon.registry import P
from oint.ozon.values import ID, OBJECT, as_str

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
