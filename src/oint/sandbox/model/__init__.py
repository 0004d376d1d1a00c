"""The sandbox model, one module per area of the Seller API.

Importing a module registers its routes in `ROUTES`; `MODULES` lists them in seeding
order (later modules may rely on what earlier ones seeded, e.g. stocks on products).
"""

from __future__ import annotations

from types import ModuleType

from oint.sandbox.model import products
from oint.sandbox.model.base import ROUTES, Account, route

MODULES: tuple[ModuleType, ...] = (products,)

__all__ = ["MODULES", "ROUTES", "Account", "route"]
