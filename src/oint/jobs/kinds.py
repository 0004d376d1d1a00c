"""The named kinds of bulk jobs and exports, as data: what `oint ozon bulk KIND`,
`oint ozon export WHAT`, the MCP server's bulk tools and the batch-size error of the operation
layer (through `oint.jobs.batch_hint`, which the applications install) all read.

A kind names a batched operation and the checks its rows get besides the operation's request
schema (one of some columns filled, bounds, decimal texts). Any other batched operation works
too, by path or name, with the schema's checks alone. Pure: no I/O, the operation layer only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from oint.apis.seller.spec import Operation, find
from oint.core.errors import UsageError


class Kind(NamedTuple):
    op: str
    text: str
    one_of: tuple[tuple[str, ...], ...] = ()
    checks: tuple[tuple[str, str, float], ...] = ()
    decimals: tuple[str, ...] = ()


PRICE_FIELDS = ("price", "old_price", "min_price", "net_price", "declared_price")
KINDS: dict[str, Kind] = {
    "stocks": Kind(
        "/v2/products/stocks",
        "stock levels: offer_id or product_id, warehouse_id, stock",
        (("offer_id", "product_id"),),
        (("stock", ">=", 0), ("warehouse_id", ">", 0)),
    ),
    "prices": Kind(
        "/v1/product/import/prices",
        "prices: offer_id or product_id, price, old_price, min_price, ...",
        (("offer_id", "product_id"),),
        decimals=PRICE_FIELDS,
    ),
    "products": Kind(
        "/v3/product/import",
        "create or update products by offer_id (all fields of the card)",
        (("offer_id",),),
        decimals=("price", "old_price"),
    ),
    "images": Kind(
        "/v2/product/pictures/import",
        "replace the pictures of products: offer_id, images, primary_image, color_image",
        (("offer_id",),),
    ),
    "attributes": Kind(
        "/v1/product/attributes/update", "change attributes: offer_id, attributes", (("offer_id",),)
    ),
    "archive": Kind("/v1/product/archive", "archive products: product_id"),
    "unarchive": Kind("/v1/product/unarchive", "bring products back from the archive: product_id"),
    "delete": Kind(
        "/v2/products/delete", "delete archived products without a SKU: offer_id", (("offer_id",),)
    ),
}


class Export(NamedTuple):
    op: str
    text: str
    body: dict[str, Any]
    explode: str | None = None  # a list field written one row per entry
    restores: str | None = None  # the bulk kind whose file it writes: a backup restores as is


EVERY_PRODUCT = {"filter": {"visibility": "ALL"}}
EXPORTS: dict[str, Export] = {
    "products": Export("/v3/product/list", "the product list (ids, archive, stocks flags)", EVERY_PRODUCT),
    "prices": Export(
        "/v5/product/info/prices",
        "prices as `bulk prices` reads them (a backup restores as is)",
        EVERY_PRODUCT,
        restores="prices",
    ),
    "price-details": Export(
        "/v5/product/info/prices", "prices with commissions and indexes, as Ozon gives them", EVERY_PRODUCT
    ),
    "stocks": Export(
        "/v4/product/info/stocks",
        "FBS/rFBS stocks per warehouse as `bulk stocks` reads them (a backup restores as is)",
        EVERY_PRODUCT,
        restores="stocks",
    ),
    "stocks-by-source": Export(
        "/v4/product/info/stocks",
        "stocks per product and source (fbs, rfbs, fbo): present, reserved, warehouses",
        EVERY_PRODUCT,
        "stocks",
    ),
    "postings": Export("/v4/posting/fbs/list", "FBS postings (--since, --to: default the last 30 days)", {}),
    "postings-fbo": Export("/v3/posting/fbo/list", "FBO postings (--since, --to)", {}),
}


def kind_of(path: str) -> str | None:
    """The bulk kind sending items of the operation at `path` (None: no named kind)."""
    for name, kind in KINDS.items():
        if kind.op == path:
            return name
    return None


def bulk_command(op: Operation) -> str:
    """The command that sends any number of items of `op`: `oint ozon bulk stocks --file FILE`."""
    return f"oint ozon bulk {kind_of(op.path) or op.name} --file FILE"


def batch_hint(op: Operation) -> str:
    """What the message of a too-large batch offers instead (`oint.core.hints.set_batch_hint`)."""
    return f"'{bulk_command(op)}' (oint.bulk)"


def _lookup(name: str, table: dict[str, Any], what: str) -> Operation:
    op = find(table[name.lower()].op) if name.lower() in table else find(name)
    if op is None:
        raise UsageError(f"unknown {what} {name!r}: one of {', '.join(table)}, or an operation's path")
    return op


def bulk_operation(name: str) -> tuple[Operation, str | None]:
    """The batched operation of a bulk kind or of an operation's path or name, and the name of
    its kind (also when named by path: its rows get the kind's checks)."""
    op = _lookup(name, KINDS, "bulk kind")
    if op.batch is None:
        raise UsageError(f"{op.path} takes no batch of items: bulk needs a batched operation")
    return op, kind_of(op.path)


def export_operation(name: str) -> tuple[Operation, Export | None]:
    """The paged operation of an export or of an operation's path or name, and its export."""
    op = _lookup(name, EXPORTS, "export")
    if op.paging is None:
        raise UsageError(f"{op.path} does not page: export needs a list operation")
    return op, EXPORTS.get(name.lower())


def item_schema(op: Operation) -> Any:
    """The `oint.jobs.files.ItemSchema` checking rows of `op` (with its kind's own checks)."""
    from oint.jobs.files import Check, ItemSchema

    kind = KINDS.get(kind_of(op.path) or "")
    if kind is None:
        return ItemSchema(op)
    return ItemSchema(op, kind.one_of, tuple(Check(*c) for c in kind.checks), kind.decimals)
