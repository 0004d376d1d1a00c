"""Large catalogues for the sandbox: `oint sandbox seed --products N`.

Products are spread over the category tree's enabled types, with names, prices,
dimensions, barcodes and pictures, already created at Ozon (a SKU, status price_sent), so
that stocks and prices can be set at once. Offer ids are `<prefix>-000001`... Written in
one transaction with bulk inserts: 100,000 products in a few seconds. Deterministic for
a given `seed`.
"""

from __future__ import annotations

import random
from typing import Any

from oint.sandbox.model.base import Account
from oint.sandbox.model.categories import _reference
from oint.sandbox.model.products import PRODUCT, new_product
from oint.sandbox.store import Store

COLOURS = ("чёрный", "белый", "серый", "синий", "красный", "зелёный", "бежевый")
CHUNK = 5000


def _types() -> list[tuple[int, int, str]]:
    ref = _reference()
    return [
        (cat, type_id, str(entry.type["type_name"]))
        for (cat, type_id), entry in sorted(ref.types.items())
        if not entry.disabled
    ]


def _ean13(rng: random.Random) -> str:
    digits = [2, 0] + [rng.randrange(10) for _ in range(10)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def product_fields(
    rng: random.Random, number: int, prefix: str, types: list[tuple[int, int, str]]
) -> dict[str, Any]:
    cat, type_id, type_name = types[number % len(types)]
    price = rng.choice((199, 349, 490, 990, 1290, 2490, 4990, 12990)) + rng.randrange(0, 10) * 10
    return {
        "offer_id": f"{prefix}-{number:06d}",
        "name": f"{type_name} {prefix}-{number} {rng.choice(COLOURS)}",
        "description": f"{type_name}: модель {number} из каталога {prefix}.",
        "description_category_id": cat,
        "type_id": type_id,
        "barcodes": [_ean13(rng)],
        "price": str(price),
        "old_price": str(price + max(500, price // 5)),
        "vat": "0.2",
        "height": rng.randrange(20, 400),
        "width": rng.randrange(50, 400),
        "depth": rng.randrange(10, 300),
        "weight": rng.randrange(50, 3000),
        "images": [f"https://cdn.example.com/{prefix.lower()}/{number}/{i}.jpg" for i in range(1, 3)],
        "primary_image": f"https://cdn.example.com/{prefix.lower()}/{number}/1.jpg",
    }


def seed_catalogue(
    store: Store, client_id: str, count: int, *, prefix: str = "SEED", now: float, seed: int = 1
) -> tuple[str, str]:
    """Add `count` created products to an account; returns the first and last offer ids."""
    if count < 1:
        raise ValueError("count must be at least 1")
    rng = random.Random(seed)
    types = _types()
    with store.transaction():
        account = Account(store, client_id, now)
        start = store.get_meta(f"seed_next:{client_id}:{prefix}")
        first_number = int(start) if start else 1
        first_id = store.next_ids("product_id", 2900000001, count)
        first_sku = store.next_ids("sku", 1700000001, count)
        done = 0
        while done < count:
            chunk = []
            for i in range(done, min(count, done + CHUNK)):
                number = first_number + i
                doc = new_product(
                    account, id=first_id + i, sku=first_sku + i, **product_fields(rng, number, prefix, types)
                )
                chunk.append((doc["id"], doc))
            store.put_many(client_id, PRODUCT, chunk)
            done += len(chunk)
        store.set_meta(f"seed_next:{client_id}:{prefix}", str(first_number + count))
    return f"{prefix}-{first_number:06d}", f"{prefix}-{first_number + count - 1:06d}"
