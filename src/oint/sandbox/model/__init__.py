"""The sandbox model, one module per area of the Seller API.

Importing a module registers its routes in `ROUTES`; `MODULES` lists them in seeding
order (later modules may rely on what earlier ones seeded, e.g. stocks on products).
Shared helpers without routes: `base` (the account, the route table, request fields),
`common` (numbers, cursors and pages, data files), `product_items` (import item rules).
"""

from __future__ import annotations

from types import ModuleType

from oint.sandbox.model import (
    analytics,
    barcodes,
    buyers,
    categories,
    chats,
    digital_stocks,
    drafts_v2,
    fbo,
    fbo_orders,
    fbs_actions,
    finance,
    labels,
    market,
    pictures,
    pictures_v2,
    postings_fbs,
    postings_v3,
    prices,
    product_actions,
    product_import,
    product_reads,
    products,
    promotions,
    promotions_v2,
    returns,
    reviews,
    stocks,
    warehouses,
    warehouses_v2,
)
from oint.sandbox.model.base import ROUTES, Account, route

MODULES: tuple[ModuleType, ...] = (
    categories,
    products,
    product_reads,
    pictures,
    product_import,
    product_actions,
    warehouses,
    prices,
    stocks,
    barcodes,
    promotions,
    fbo,
)

# the successors of endpoints Ozon switched off: routes only, over the data of the modules above
SUCCESSORS: tuple[ModuleType, ...] = (
    pictures_v2,
    promotions_v2,
    warehouses_v2,
    postings_v3,
    drafts_v2,
    digital_stocks,
)

# the living marketplace: buyers' orders on the sandbox's clock, and what follows from them
MARKETPLACE: tuple[ModuleType, ...] = (
    market,
    buyers,
    postings_fbs,
    fbs_actions,
    fbo_orders,
    labels,
    returns,
    finance,
    analytics,
    reviews,
    chats,
)

__all__ = ["MARKETPLACE", "MODULES", "ROUTES", "SUCCESSORS", "Account", "route"]
