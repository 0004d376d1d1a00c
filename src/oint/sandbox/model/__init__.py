"""The sandbox model, one module per area of the Seller API.

Importing a module registers its routes (`base.ROUTES`). Modules load lazily (`oint.core.lazy`):
a request imports the module that owns its route (`handler`, through the route index `data/routes.json`), and
`before_request` what it runs first; what needs every module (listing routes, tests that iterate
them) calls `load_all()`, which returns the whole route table. `MODULES` names the modules in
seeding order (later modules may rely on what earlier ones seeded, e.g. stocks on products).
Shared helpers without routes: `base` (the account, the route table, request fields),
`common` (numbers, cursors and pages, data files), `product_items` (import item rules).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from oint.core.lazy import load as load_target
from oint.core.lazy import load_module

if TYPE_CHECKING:
    from oint.sandbox.model.base import Account, Handler

MODULES: tuple[str, ...] = (
    "categories",
    "products",
    "product_reads",
    "pictures",
    "product_import",
    "product_actions",
    "warehouses",
    "prices",
    "stocks",
    "barcodes",
    "promotions",
    "fbo",
    "roles",
    "performance",  # the Performance API (advertising): its own routes, `model/performance/`
)

# the successors of endpoints Ozon switched off: routes only, over the data of the modules above
SUCCESSORS: tuple[str, ...] = (
    "pictures_v2",
    "promotions_v2",
    "warehouses_v2",
    "postings_v3",
    "drafts_v2",
    "digital_stocks",
)

# the living marketplace: buyers' orders on the sandbox's clock, and what follows from them
MARKETPLACE: tuple[str, ...] = (
    "market",
    "buyers",
    "postings_fbs",
    "fbs_actions",
    "fbo_orders",
    "labels",
    "returns",
    "finance",
    "analytics",
    "reviews",
    "chats",
    "notifications",
)

# What every authenticated request does first, in this order (`before_request`): the marketplace's
# due actions, then the product import tasks whose time has come. Targets (`oint.core.lazy`).
HOOKS: tuple[str, ...] = (f"{__name__}.market:catch_up", f"{__name__}.product_import:settle_due_tasks")


def module(name: str) -> ModuleType:
    """The model module `name` (e.g. "pictures"), imported if it is not yet: as an import statement
    does, it waits while another thread is importing it (registering its routes)."""
    loaded: ModuleType = load_module(f"{__name__}.{name}")
    return loaded


def load(names: tuple[str, ...]) -> tuple[ModuleType, ...]:
    """The model modules `names`, imported in that order."""
    return tuple(module(name) for name in names)


def load_all() -> dict[tuple[str, str], Handler]:
    """Import every model module; the whole route table, (method, path) -> handler."""
    from oint.sandbox.model.base import ROUTES

    load(MODULES + SUCCESSORS + MARKETPLACE)
    return ROUTES


def handler(method: str, path: str) -> Handler | None:
    """The model's handler of an operation (its template path), importing only the module that owns
    it (the route index names it); None when no model answers it."""
    from oint.sandbox.model.base import ROUTES
    from oint.sandbox.routes import owner

    name = owner(path)
    if name is not None:
        module(name)
    return ROUTES.get((method, path))


def before_request(account: Account) -> None:
    """What runs before every authenticated request, inside its transaction (`HOOKS`, in order):
    what was due meanwhile happens first, whatever route is called."""
    for hook in HOOKS:
        load_target(hook)(account)


__all__ = [
    "HOOKS",
    "MARKETPLACE",
    "MODULES",
    "SUCCESSORS",
    "before_request",
    "handler",
    "load",
    "load_all",
    "module",
]
