"""The web view in a real headless browser: Debian's Chromium driven by Selenium through
Debian's chromedriver (`apt-get install chromium chromium-driver`; `.ci/run` installs them).

Skipped when Chromium or chromedriver is missing, except in CI (`CI=true`), where it fails
instead (unless `.ci/run` could not install them and said so in `OINT_NO_BROWSER`).
Screenshots are saved under the test's `tmp_path`, and with `CI` set also copied to
`test-artifacts/` in the working copy (git-ignored). No page is fetched from the network:
every host but the loopback resolves to nothing, so the catalogue's external images just fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import living
import pytest
from conftest import DEMO_CLIENT_ID, ROOT, SandboxServer, start_server
from sandbox_http import call

from oint.sandbox.core import Sandbox
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import new_product, save_product

TOKEN = "web-s3cret"
EVIL = '<script>alert("web")</script> Evil <b>name</b>'
IMAGE = "https://images.example.invalid/evil.jpg"  # an external link that never loads here
FBS_WAREHOUSE = 1020005000050693  # the demo's "Основной склад FBS (Москва)"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",  # as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # nothing leaves the machine
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _tool(env: str, *names: str) -> str | None:
    given = os.environ.get(env)
    if given:
        return given if Path(given).is_file() else None
    return next((found for name in names if (found := shutil.which(name))), None)


def _missing(reason: str) -> None:
    excuse = os.environ.get("OINT_NO_BROWSER")  # set by .ci/run when it could not install them
    if in_ci() and not excuse:
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs chromium and chromium-driver)")
    pytest.skip(f"{reason} (apt-get install chromium chromium-driver); {excuse or 'CI runs this test'}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium under Selenium, with a fresh profile; closed after the test."""
    chromium = _tool("OINT_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _tool("OINT_CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        _missing(f"no {'Chromium' if chromium is None else 'chromedriver'} on this machine")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("the selenium package is not installed (pip install -e '.[test]')")
    options = Options()
    options.binary_location = str(chromium)
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    # both paths given: Selenium Manager (which would download drivers) is not used
    service = Service(executable_path=str(driver_path), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    """Save the window as `name`.png under tmp_path, and into test-artifacts/ when in CI."""
    path = tmp_path / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {name}"
    assert path.stat().st_size > 1000
    if os.environ.get("CI"):
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copy(path, artifacts / f"sandbox-web-{name}.png")
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[SandboxServer]:
    """`oint sandbox serve` with an admin token, on a state where buyers ordered for a simulated
    week and the seller shipped through the library (`living.run_week`), then one more product
    (the evil name), a stock change and a few requests made over HTTP."""
    db = str(tmp_path / "web.sqlite3")
    for m in living.market(db=db):
        living.load_products(m, count=8, stock=20)
        living.run_week(m, orders_per_day=20, seed=5)
    box = Sandbox(db)
    with box.store.transaction():
        account = Account(box.store, DEMO_CLIENT_ID, box.clock())
        save_product(
            account,
            new_product(
                account,
                id=1111588999,
                offer_id="EVIL-1",
                sku=1626049999,
                name=EVIL,
                price="777",
                images=[IMAGE],
            ),
        )
    box.close()
    server = start_server(db, "--admin-token", TOKEN, "--no-rate-limit")
    try:
        stocks = {
            "stocks": [
                {"offer_id": "EVIL-1", "product_id": 1111588999, "stock": 42, "warehouse_id": FBS_WAREHOUSE}
            ]
        }
        assert call(server.url, "POST", "/v2/products/stocks", stocks)[0] == 200
        assert call(server.url, "POST", "/v3/product/info/list", {"offer_id": ["EVIL-1"]})[0] == 200
        assert call(server.url, "POST", "/v3/product/info/list", {})[0] == 400
        yield server
    finally:
        server.stop()


def text(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def test_the_web_view_in_a_browser(browser: Any, seeded: SandboxServer, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    base = seeded.url + "/__sandbox/"
    # without the token a browser asks for it (Basic auth: test_sandbox_web.py); here it is given
    browser.get(base + "?token=" + TOKEN)  # once: then a cookie
    assert browser.current_url == base and text(browser, "h1") == "Overview"
    body = text(browser, "body")
    assert "Комплект защитных плёнок для X3 NFC. Темный хлопок" in body
    assert browser.find_elements(By.TAG_NAME, "script") == []
    screenshot(browser, tmp_path, "overview")

    browser.find_element(By.LINK_TEXT, "Products").click()
    assert text(browser, "h1") == "Products" and "1–14 of 14" in text(browser, "body")
    assert EVIL in text(browser, "body")  # shown as text, tags and all
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.CSS_SELECTOR, f'img[src="{IMAGE}"]')  # the image, loaded or not
    browser.find_element(By.LINK_TEXT, EVIL).click()  # from the list to the product
    assert browser.current_url == base + "products/1111588999"
    assert text(browser, "h1") == EVIL
    row = browser.find_element(By.XPATH, "//tr[td[1][contains(., 'Основной склад FBS')]]")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    assert cells[1:6] == [str(FBS_WAREHOUSE), "fbs", "42", "0", "42"]  # available, reserved, present
    assert "777.00" in text(browser, "body")
    screenshot(browser, tmp_path, "product")

    browser.find_element(By.LINK_TEXT, "Requests").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")[:3]  # the newest: the week's before
    logged = [[c.text for c in r.find_elements(By.TAG_NAME, "td")][3:6] for r in rows]
    assert logged == [
        ["POST", "/v3/product/info/list", "400"],
        ["POST", "/v3/product/info/list", "200"],
        ["POST", "/v2/products/stocks", "200"],
    ]
    screenshot(browser, tmp_path, "requests")
    rows[2].find_element(By.TAG_NAME, "a").click()  # the stock change, with its answer
    heading = text(browser, "h1")
    assert heading.startswith("Request ") and heading.endswith(": POST /v2/products/stocks")
    bodies = [p.text for p in browser.find_elements(By.TAG_NAME, "pre")]
    assert '"stock": 42' in bodies[0] and '"updated": true' in bodies[1]

    browser.get(base + "postings?status=delivered")
    assert text(browser, "h1") == "Postings: delivered"
    cells = [r.find_elements(By.TAG_NAME, "td") for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert {c[2].text.split("\n")[0] for c in cells} == {"delivered"}
    assert "FBS" in {c[1].text for c in cells}  # the week's FBS postings beside the demo's FBO ones
    screenshot(browser, tmp_path, "postings")
    browser.find_element(By.LINK_TEXT, "Finance").click()
    main = text(browser, "main")
    assert "No transactions yet." not in main and "orders" in main and "total" in main
    assert browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    screenshot(browser, tmp_path, "finance")
