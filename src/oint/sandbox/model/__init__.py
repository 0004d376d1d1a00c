"""The sandbox model, one module per area of the Seller API.

Importing a module registers its routes in `ROUTES`; `MODULES` lists them in seeding
order (later modules may rely on what earlier ones seeded, e.g. stocks on products).
"""

from __future__ import annotations

from types import ModuleType

from oint.sandbox.model import (
    barcodes,
    categories,
    fbo,
    prices,
    product_actions,
    product_import,
    products,
    promotions,
    stocks,
    warehouses,
)
from oint.sandbox.model.base import ROUTES, Account, route

MODULES: tuple[ModuleType, ...] = (
    categories,
    products,
    product_import,
    product_actions,
    warehouses,
    prices,
    stocks,
    barcodes,
    promotions,
    fbo,
)

__all__ = ["MODULES", "ROUTES", "Account", "route"]
