"""The seed example of OInt's documentation, end to end: CLI (both names, any case),
module function, sync and async clients, in-process sandbox and HTTP sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, Cli

import oint.ozon
from oint.ozon import AsyncOzonClient, OzonClient

PICTURE = "https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/picture.jpg"
PICTURE2 = "https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/picture2.jpg"
IMAGES_ARG = f"['{PICTURE}','{PICTURE2}']"
SEED_ARGS = ["--productid", "1111588191", "--images", IMAGES_ARG, "--color", "GREEN"]


def assert_seed_shape(result: dict[str, Any]) -> None:
    pictures = result["result"]["pictures"]
    assert [p["url"] for p in pictures] == [PICTURE, PICTURE2, "GREEN"]
    assert [p["is_primary"] for p in pictures] == [True, False, False]
    assert [p["is_color"] for p in pictures] == [False, False, True]
    assert all(p["is_360"] is False for p in pictures)
    assert all(p["product_id"] == 1111588191 and p["state"] == "imported" for p in pictures)
    assert set(pictures[0]) == {"product_id", "url", "state", "is_primary", "is_360", "is_color"}


@pytest.mark.parametrize("name", ["ОбновитьИзображенияТовара", "UpdateProductImages", "updateproductimages"])
def test_seed_cli_in_process_sandbox(run_cli: Any, sandbox_db: str, name: str) -> None:
    r = run_cli(
        "ozon",
        name,
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        DEMO_API_KEY,
        *SEED_ARGS,
        "--sandbox",
        env={"OINT_SANDBOX_DB": sandbox_db},
    )
    assert r.code == 0, r.err
    assert r.out.startswith('{\n "result": {')  # OInt's indentation
    assert_seed_shape(r.json())
    # the effect is kept in the state file: a second process sees the images
    info = run_cli(
        "ozon",
        "CheckProductsImagesUpload",
        "--products",
        "1111588191",
        "--sandbox",
        "--clientid",
        DEMO_CLIENT_ID,
        "--apikey",
        DEMO_API_KEY,
        env={"OINT_SANDBOX_DB": sandbox_db},
    )
    assert info.code == 0, info.err
    item = info.json()["items"][0]
    assert item["photo"] == [PICTURE, PICTURE2] and item["color_photo"] == ["GREEN"]


def test_seed_cli_over_http(cli: Cli) -> None:
    r = cli("UpdateProductImages", *SEED_ARGS)
    assert r.code == 0, r.err
    assert_seed_shape(r.json())
    info = cli("GetProductsInformation", "--productid", "1111588191")
    product = info.json()["items"][0]
    assert product["images"] == [PICTURE, PICTURE2] and product["color_image"] == ["GREEN"]


def test_seed_out_file(cli: Cli, tmp_path: Any) -> None:
    out = tmp_path / "result.json"
    r = cli("UpdateProductImages", *SEED_ARGS, "--out", str(out))
    assert r.code == 0 and r.out == ""
    import json

    assert_seed_shape(json.loads(out.read_text(encoding="utf-8")))


def test_seed_module_function(sandbox_url: str) -> None:
    result = oint.ozon.update_product_images(
        DEMO_CLIENT_ID, DEMO_API_KEY, "1111588191", [PICTURE, PICTURE2], color="GREEN", base_url=sandbox_url
    )
    assert_seed_shape(result)


def test_seed_sync_client(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        assert_seed_shape(ozon.update_product_images(1111588191, [PICTURE, PICTURE2], color="GREEN"))
        pics = ozon.check_products_images_upload([1111588191])["items"][0]
        assert pics["photo"] == [PICTURE, PICTURE2]


def test_seed_async_client(sandbox_url: str) -> None:
    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
            assert_seed_shape(await ozon.update_product_images("1111588191", IMAGES_ARG, color="GREEN"))
            results = await asyncio.gather(*(ozon.get_products_information(1111588191) for _ in range(5)))
            assert all(r["items"][0]["images"] == [PICTURE, PICTURE2] for r in results)

    asyncio.run(go())


def test_seed_library_in_process_sandbox(sandbox_db: str) -> None:
    with OzonClient(sandbox=sandbox_db) as ozon:  # demo credentials by default
        assert_seed_shape(ozon.update_product_images(1111588191, [PICTURE, PICTURE2], color="GREEN"))

    async def go() -> None:
        async with AsyncOzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, sandbox=sandbox_db) as ozon:
            info = await ozon.get_products_information(product_id=1111588191)
            assert info["items"][0]["images"] == [PICTURE, PICTURE2]

    asyncio.run(go())


def test_replace_all_semantics(sandbox_url: str) -> None:
    with OzonClient(DEMO_CLIENT_ID, DEMO_API_KEY, base_url=sandbox_url) as ozon:
        ozon.update_product_images(1111588191, [PICTURE, PICTURE2], color="GREEN")
        ozon.update_product_images(1111588191, PICTURE2)  # one string = one-item list
        item = ozon.get_products_information(1111588191)["items"][0]
        assert item["images"] == [PICTURE2] and item["color_image"] == []
