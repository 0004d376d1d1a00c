"""Figures of `oint mcp`: the tool count, the size of the tool list, and the size of the answer to a
1,000-product list call before and after summarising (tokens approximated as characters / 4).

    python bench/mcp_figures.py          # prints the figures (needs the mcp extra)

The products are seeded into a temporary sandbox state (the sandbox model's `new_product`)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from oint.apps.mcp.access import WritePolicy
from oint.apps.mcp.server import sdk_tool
from oint.apps.mcp.service import Service, Settings
from oint.sandbox.core import Sandbox
from oint.sandbox.demo import DEMO_CLIENT_ID
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import new_product, save_product

N = 1000


def tokens(chars: int) -> str:
    return f"{chars:>9,} chars ≈ {chars // 4:>7,} tokens"


def tool_list_chars(service: Service) -> int:
    tools = [sdk_tool(t).model_dump(mode="json", by_alias=True, exclude_none=True) for t in service.tools()]
    return len(json.dumps({"tools": tools}, ensure_ascii=False, separators=(",", ":")))


def seed(db: str) -> list[int]:
    sandbox = Sandbox(db)
    ids = []
    with sandbox.store.transaction():
        acct = Account(sandbox.store, DEMO_CLIENT_ID, time.time())
        for i in range(N):
            product = new_product(
                acct,
                offer_id=f"ART-{i:05}",
                sku=1900000000 + i,
                name=f"Футболка хлопковая, размер {40 + i % 20}",
                price=str(500 + i),
                images=[f"https://example.com/images/{i}-1.jpg", f"https://example.com/images/{i}-2.jpg"],
            )
            save_product(acct, product)
            ids.append(product["id"])
    sandbox.close()
    return ids


def answer_chars(service: Service, tool: str, arguments: dict[str, Any]) -> int:
    reply = asyncio.run(service.call(tool, arguments))
    assert not reply.is_error, service.text(reply)[:500]
    return len(service.text(reply))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sandbox.sqlite3")
        ids = seed(db)
        out = str(Path(tmp) / "out")
        read_only = Service(Settings(sandbox=db, out_dir=out))
        writes = Service(Settings(sandbox=db, policy=WritePolicy.parse(""), out_dir=out))
        whole = Service(Settings(sandbox=db, max_items=10**9, max_chars=10**12, out_dir=out))
        print(f"tools: {len(read_only.tools())} (53 OInt functions, search/describe/call/more, 4 bulk)")
        print(f"tool list, read-only sandbox:        {tokens(tool_list_chars(read_only))}")
        print(f"tool list, --allow-write sandbox:    {tokens(tool_list_chars(writes))}")
        calls: list[tuple[str, dict[str, Any]]] = [
            ("ozon_api_call", {"operation": "v3_product_list", "body": {"filter": {}, "limit": N}}),
            ("GetProductsInformation", {"product_id": ids}),
        ]
        for tool, arguments in calls:
            label = f"{tool}({arguments.get('operation', 'product_id=[1000 ids]')})"
            before = answer_chars(whole, tool, arguments)
            after = answer_chars(read_only, tool, arguments)
            print(f"{label}, {N} products")
            print(f"    whole answer:    {tokens(before)}")
            print(f"    summarised:      {tokens(after)}  ({before / after:.0f}x smaller)")
        for s in (read_only, writes, whole):
            asyncio.run(s.aclose())


if __name__ == "__main__":
    main()
