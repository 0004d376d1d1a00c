"""`oint ozon export`: pages of a large catalogue cost the same whatever its size, exports restore
as bulk jobs, the default period of postings follows the sandbox's clock, and the output file is
checked before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_CLIENT_ID, Clock, sandbox_client, sqlite_steps

from oint.sandbox.core import Sandbox
from oint.sandbox.model.products import PRODUCT
from oint.sandbox.seed import seed_catalogue
from oint.sandbox.store import Store

RunCli = Any  # the run_cli fixture


# ------------------------------------------------------------------ item 9: pages at any size
def seeded_store(path: Path, products: int) -> Store:
    store = Store(str(path))
    seed_catalogue(store, DEMO_CLIENT_ID, products, now=1_760_000_000.0)
    return store


def unarchived_in_sql(store: Store) -> int:
    row = store._db.execute(
        "SELECT COUNT(*) FROM docs WHERE account=? AND kind=? AND NOT json_extract(data, '$.is_archived')",
        (DEMO_CLIENT_ID, PRODUCT),
    ).fetchone()
    return int(row[0])


def test_a_page_of_the_catalogue_costs_the_same_at_1000_and_8000_products(tmp_path: Path) -> None:
    """The total of every page was a count over the whole catalogue: a page cost grew with it,
    and an export of N products with N squared. Now the total is read from the counts per tag."""
    costs = []
    for n in (1000, 8000):
        box = Sandbox(str(tmp_path / f"s{n}.sqlite3"), clock=Clock(), rate_limits=False)
        try:
            seed_catalogue(box.store, DEMO_CLIENT_ID, n, now=box.clock())
            with sandbox_client(box) as ozon:
                first = ozon.call("/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 100})
                body = {"filter": {"visibility": "ALL"}, "limit": 100, "cursor": first["cursor"]}
                page: dict[str, Any] = {}

                def one_page(
                    ozon: Any = ozon, body: dict[str, Any] = body, page: dict[str, Any] = page
                ) -> None:
                    page.update(ozon.call("/v4/product/info/stocks", body))

                costs.append(sqlite_steps(box.store, one_page))
                assert len(page["items"]) == 100
                with box.store.transaction():
                    assert page["total_items"] == unarchived_in_sql(box.store) >= n
        finally:
            box.close()
    assert costs[1] <= costs[0] * 1.5 + 5, costs  # was 8 times the work for 8 times the products


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(str(tmp_path / "s.sqlite3"), clock=Clock(), rate_limits=False)
    yield box
    box.close()


def test_the_kept_count_follows_archive_unarchive_import_delete_and_reset(sandbox: Sandbox) -> None:
    store = sandbox.store
    seed_catalogue(store, DEMO_CLIENT_ID, 30, now=sandbox.clock())

    def total() -> int:
        with sandbox_client(sandbox) as ozon:
            page = ozon.call("/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 1})
        kept = int(page["total_items"])
        with store.transaction():
            assert kept == unarchived_in_sql(store)
        return kept

    start = total()
    ids = [2900000001, 2900000002, 2900000003]
    with sandbox_client(sandbox) as ozon:
        ozon.call("/v1/product/archive", {"product_id": ids})
        assert total() == start - 3
        ozon.call("/v1/product/archive", {"product_id": ids})  # archived again: no change
        assert total() == start - 3
        ozon.call("/v1/product/unarchive", {"product_id": ids[:1]})
        assert total() == start - 2
        page = ozon.call("/v4/product/info/stocks", {"filter": {"visibility": "ALL"}, "limit": 5})
        assert page["total_items"] == start - 2
    with store.transaction():
        store.delete(DEMO_CLIENT_ID, PRODUCT, ids[0])  # unarchived: counted out
        store.delete(DEMO_CLIENT_ID, PRODUCT, ids[1])  # archived: was not counted
    assert total() == start - 3
    with pytest.raises(RuntimeError), store.transaction():  # a request that fails leaves no trace
        store.delete(DEMO_CLIENT_ID, PRODUCT, 2900000010)
        raise RuntimeError
    assert total() == start - 3
    sandbox.reset()
    assert 0 < total() < start


# ------------------------------------------------------------------ what the docstrings name
def test_every_module_the_bulk_package_names_exists() -> None:
    """`oint.bulk.drivers` was named as the engine's drivers: there is no such module. (The bulk
    package's modules are `oint.jobs`; `oint.bulk` is their public face.)"""
    import importlib
    import re

    import oint.bulk
    import oint.jobs

    named: set[str] = set()
    sources = [Path(oint.bulk.__file__), *Path(oint.jobs.__file__).parent.glob("*.py")]
    for source in sources:
        named.update(re.findall(r"`(oint(?:\.\w+)+)`", source.read_text(encoding="utf-8")))
    assert len(named) >= 4  # the pattern finds them
    for name in sorted(named):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
            try:
                found: Any = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attribute in parts[cut:]:
                assert hasattr(found, attribute), name
                found = getattr(found, attribute)
            break
        else:
            raise AssertionError(f"{name} names no module")
