"""The web view in a real headless browser: Debian's Chromium driven by Selenium through
Debian's chromedriver (`apt-get install chromium chromium-driver`; `.ci/run` installs them).

Skipped when Chromium or chromedriver is missing, except in CI (`CI=true`), where it fails
instead (unless `.ci/run` could not install them and said so in `OINT_NO_BROWSER`).
Screenshots are saved under the test's `tmp_path`, and with `CI` set also copied to
`test-artifacts/` in the working copy (git-ignored). No page is fetched from the network:
every host but the loopback resolves to nothing, so the catalogue's external images just fail.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import living
import pytest
from conftest import DEMO_CLIENT_ID, ROOT, SandboxServer, start_server
from sandbox_http import call

from oint.sandbox.core import Sandbox
from oint.sandbox.model import reviews
from oint.sandbox.model.base import Account
from oint.sandbox.model.products import new_product, save_product
from oint.sandbox.seed import seed_catalogue

TOKEN = "web-s3cret"
EVIL = '<script>alert("web")</script> Evil <b>name</b>'
EVIL_REVIEW = '<script>alert("review")</script> <i>not italic</i>'
IMAGE = "https://images.example.invalid/evil.jpg"  # an external link that never loads here
FBS_WAREHOUSE = 1020005000050693  # the demo's "Основной склад FBS (Москва)"
SEEDED = 120  # products of a generated catalogue beside the week's 14: three pages of 50
RED = (220, 20, 60)  # the one colour of the picture that does load (from the loopback)
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


@pytest.fixture(scope="module")
def browser_tools() -> tuple[str, str]:
    """Chromium's and chromedriver's paths, with Selenium importable; skips (or fails in CI) before
    anything else of the module is set up."""
    chromium = _tool("OINT_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _tool("OINT_CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        _missing(f"no {'Chromium' if chromium is None else 'chromedriver'} on this machine")
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("the selenium package is not installed (pip install -e '.[test]')")
    return str(chromium), str(driver_path)


@pytest.fixture
def browser(browser_tools: tuple[str, str], tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium under Selenium, with a fresh profile; closed after the test."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = browser_tools
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


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour, made here (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def picture_server() -> Iterator[str]:
    """A picture that does load: a red PNG from the loopback (the only host the browser reaches)."""
    picture = png(64, 64, RED)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(picture)))
            self.end_headers()
            self.wfile.write(picture)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/red.png"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def seeded(
    browser_tools: tuple[str, str], tmp_path_factory: pytest.TempPathFactory, picture_server: str
) -> Iterator[SandboxServer]:
    """`oint sandbox serve` with an admin token, on a state where buyers ordered for a simulated
    week and the seller shipped through the library (`living.run_week`), then one more product
    (the evil name, a picture that never loads), one whose picture loads, a generated catalogue,
    an evil review, a stock change and a few requests made over HTTP."""
    db = str(tmp_path_factory.mktemp("web") / "web.sqlite3")
    for m in living.market(db=db):
        living.load_products(m, count=8, stock=20)
        living.run_week(m, orders_per_day=20, seed=5)
        ended = m.sandbox.clock()
    box = Sandbox(db)
    # the served sandbox goes on from the market's last moment (the market ran on a test clock): its
    # time never depends on the machine's date (the demo key, made three months before it expires,
    # would otherwise expire with the machine's calendar)
    box.clock.change(set=ended)
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
        save_product(
            account,
            new_product(account, id=1111588998, offer_id="RED-1", name="Red square", images=[picture_server]),
        )
        account.put(
            reviews.REVIEW,
            "evil-review",
            {
                "id": "evil-review",
                "sku": 1626049999,
                "posting_number": "",
                "rating": 1,
                "text": EVIL_REVIEW,
                "published_at": account.iso(),
                "status": "UNPROCESSED",
                "comments": [{"id": "c1", "text": EVIL_REVIEW + " (reply)"}],
            },
        )
    seed_catalogue(box.store, DEMO_CLIENT_ID, SEEDED, now=box.clock())
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


def follow(driver: Any, element: Any) -> None:
    """Click a link or a submit button and wait until the browser is on the page it leads to (a
    click returns before a loaded machine has navigated)."""
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.current_url
    element.click()
    WebDriverWait(driver, 30).until(
        lambda d: d.current_url != before and d.execute_script("return document.readyState") == "complete"
    )


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

    follow(browser, browser.find_element(By.LINK_TEXT, "Products"))
    assert text(browser, "h1") == "Products" and f"1–50 of {15 + SEEDED}" in text(browser, "body")
    browser.find_element(By.NAME, "q").send_keys("evil")  # the catalogue's search, a plain GET form
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.search button"))
    assert browser.current_url == base + "products?q=evil&visibility=EVERY&stock="
    assert "1–1 of 1 matching" in text(browser, "body")
    assert EVIL in text(browser, "body")  # shown as text, tags and all
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.CSS_SELECTOR, f'img[src="{IMAGE}"]')  # the image, loaded or not
    follow(browser, browser.find_element(By.LINK_TEXT, EVIL))  # from the list to the product
    assert browser.current_url == base + "products/1111588999"
    assert text(browser, "h1") == EVIL
    row = browser.find_element(By.XPATH, "//tr[td[1][contains(., 'Основной склад FBS')]]")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    assert cells[1:6] == [str(FBS_WAREHOUSE), "fbs", "42", "0", "42"]  # available, reserved, present
    assert "777.00" in text(browser, "body")
    screenshot(browser, tmp_path, "product")

    follow(browser, browser.find_element(By.LINK_TEXT, "Requests"))
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")[:3]  # the newest: the week's before
    logged = [[c.text for c in r.find_elements(By.TAG_NAME, "td")][3:6] for r in rows]
    assert logged == [
        ["POST", "/v3/product/info/list", "400"],
        ["POST", "/v3/product/info/list", "200"],
        ["POST", "/v2/products/stocks", "200"],
    ]
    screenshot(browser, tmp_path, "requests")
    follow(browser, rows[2].find_element(By.TAG_NAME, "a"))  # the stock change, with its answer
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
    follow(browser, browser.find_element(By.LINK_TEXT, "Finance"))
    main = text(browser, "main")
    assert "No transactions yet." not in main and "orders" in main and "total" in main
    assert browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    screenshot(browser, tmp_path, "finance")


def rows_of(driver: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    return [
        [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        for r in driver.find_elements(By.CSS_SELECTOR, "main tbody tr")
    ]


def colours(element: Any) -> set[tuple[int, int, int]]:
    """The colours of an element as the browser drew it (its screenshot, decoded here)."""
    data = element.screenshot_as_png
    assert data.startswith(b"\x89PNG")
    return set(png_pixels(data))


def png_pixels(data: bytes) -> list[tuple[int, int, int]]:
    """The pixels of an 8-bit RGB or RGBA PNG as Chromium writes them (filters undone)."""
    pos, chunks = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw, stride = zlib.decompress(chunks), width * channels
    rows: list[bytearray] = []
    for y in range(height):
        filtered, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        up = rows[-1] if rows else bytearray(stride)
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            corner = up[i - channels] if i >= channels else 0
            if filtered == 1:
                line[i] = (line[i] + left) & 255
            elif filtered == 2:
                line[i] = (line[i] + up[i]) & 255
            elif filtered == 3:
                line[i] = (line[i] + (left + up[i]) // 2) & 255
            elif filtered == 4:
                p = left + up[i] - corner
                pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner)) & 255
        rows.append(line)
    return [(r[i], r[i + 1], r[i + 2]) for r in rows for i in range(0, stride, channels)]


def test_looking_around_in_a_browser(browser: Any, seeded: SandboxServer, tmp_path: Path) -> None:
    """The pages for looking around: the catalogue's search, filters and pages, the placeholder of
    a picture that cannot load, a posting with its history, returns, reviews, questions, chats,
    and the overview's activity."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base = seeded.url + "/__sandbox/"
    browser.get(base + "?token=" + TOKEN)
    timeline = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    assert timeline and any("delivered" in li.text for li in timeline)

    # the catalogue: filtered by the form, paged with the query kept
    browser.get(base + "products")
    Select(browser.find_element(By.NAME, "visibility")).select_by_value("ARCHIVED")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.search button"))
    archived = rows_of(browser)
    assert len(archived) == 1 and archived[0][7].endswith("archived")  # the demo's one archived product
    browser.get(base + "products?q=seed-&stock=none")
    assert f"1–50 of {SEEDED} matching" in text(browser, "main")
    assert all(r[2].startswith("SEED-") for r in rows_of(browser))
    screenshot(browser, tmp_path, "products-search")
    follow(browser, browser.find_element(By.LINK_TEXT, "next →"))
    assert "q=seed-" in browser.current_url and "stock=none" in browser.current_url
    assert f"51–100 of {SEEDED} matching" in text(browser, "main")
    assert [r[2] for r in rows_of(browser)][:2] == ["SEED-000051", "SEED-000052"]
    assert browser.find_element(By.NAME, "q").get_attribute("value") == "seed-"  # the form remembers

    # pictures: one that cannot load shows the placeholder, one from the loopback shows itself
    browser.get(base + "products?q=EVIL-1")
    broken = browser.find_element(By.CSS_SELECTOR, "img.thumb")
    assert broken.get_property("naturalWidth") == 0  # it did not load
    assert "data:image/svg+xml" in broken.value_of_css_property("background-image")
    drawn = colours(broken)
    assert len(drawn) > 2 and RED not in drawn  # the placeholder's frame and figure, no broken icon
    browser.get(base + "products?q=RED-1")
    loaded = browser.find_element(By.CSS_SELECTOR, "img.thumb")
    assert loaded.get_property("naturalWidth") == 64
    assert RED in colours(loaded)  # the picture itself, not the placeholder over it
    browser.get(base + "products/1111588999")
    screenshot(browser, tmp_path, "product-placeholder")

    # a posting: from the list of delivered ones, with its history from the event log
    browser.get(base + "postings?status=delivered")
    fbs = next(r for r in browser.find_elements(By.CSS_SELECTOR, "main tbody tr") if "FBS" in r.text)
    number = fbs.find_element(By.TAG_NAME, "a").text
    follow(browser, fbs.find_element(By.TAG_NAME, "a"))
    assert text(browser, "h1") == f"Posting {number}"
    facts = {r[0]: r[1] for r in rows_of(browser) if len(r) == 2}
    assert facts["ship by"][:4] == "2026" and facts["status"].startswith("delivered")
    history = [
        li.text.split(" · ")[1].split("\n")[0] for li in browser.find_elements(By.CSS_SELECTOR, "ol li")
    ]
    assert history[:4] == ["order_created", "shipped", "delivering", "delivered"]
    screenshot(browser, tmp_path, "posting")

    # returns: each links to its posting, whose page lists it
    browser.get(base + "returns")
    assert text(browser, "h1") == "Returns" and rows_of(browser)
    screenshot(browser, tmp_path, "returns")
    first = browser.find_element(By.CSS_SELECTOR, "main tbody tr td:nth-child(2) a")
    returned = first.text
    follow(browser, first)
    assert text(browser, "h1") == f"Posting {returned}"
    assert "returned" in text(browser, "ol.timeline") and "Returns" in text(browser, "main")

    # reviews (the evil one as text), questions, chats and one chat
    browser.get(base + "reviews")
    main = text(browser, "main")
    assert EVIL_REVIEW in main and EVIL_REVIEW + " (reply)" in main
    assert browser.find_elements(By.TAG_NAME, "script") == [] and not browser.find_elements(
        By.CSS_SELECTOR, "main i"
    )
    assert re.search(r"1–\d+ of \d+", main) and browser.find_elements(By.LINK_TEXT, EVIL)  # linked
    screenshot(browser, tmp_path, "reviews")
    follow(browser, browser.find_element(By.LINK_TEXT, "Questions"))
    assert text(browser, "h1") == "Questions" and rows_of(browser)
    screenshot(browser, tmp_path, "questions")
    follow(browser, browser.find_element(By.LINK_TEXT, "Chats"))
    assert text(browser, "h1") == "Chats" and rows_of(browser)
    screenshot(browser, tmp_path, "chats")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main tbody tr td a"))
    assert text(browser, "h1").startswith("Chat about ")
    assert browser.find_elements(By.CSS_SELECTOR, ".msg.Customer")
    screenshot(browser, tmp_path, "chat")
    follow(browser, browser.find_element(By.LINK_TEXT, "Pushes"))  # no push URL set: says how
    assert text(browser, "h1") == "Push notifications" and "oint sandbox push --url" in text(browser, "main")
    screenshot(browser, tmp_path, "pushes")

    # the request log counts what it keeps
    browser.get(base + "requests")
    said = re.search(
        r"keeps the newest ([\d,]+) requests to the API; it holds ([\d,]+)\. Of these, by status: (.*?)\.",
        text(browser, "main"),
    )
    assert said is not None
    kept, held = (int(said[i].replace(",", "")) for i in (1, 2))
    by_status = [int(n.replace(",", "")) for n in re.findall(r": ([\d,]+)", said[3])]
    assert held <= kept and sum(by_status) == held
