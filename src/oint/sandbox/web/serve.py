"""The web view's routes and its guard: GET requests for HTML pages under `/__sandbox/`, answered
with `SandboxResponse`s (the HTTP adapter, `app.py`, sends them as they are).

With an admin token set (`serve --admin-token`), the pages need it too, given in any of three
ways: `Authorization: Bearer TOKEN`; Basic auth with the token as password (any user name: the
browser asks for it); or `?token=TOKEN` once on any page, which answers with a cookie (HttpOnly,
SameSite=Strict, path /__sandbox/, holding a digest of the token, not the token) and a redirect to
the same page without the token. The cookie opens the read-only pages only, never the admin
routes that change state.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from oint.sandbox.model.products import SEARCH_STOCK, SEARCH_VISIBILITIES
from oint.sandbox.web import data, pages
from oint.sandbox.web.views import AccountRef, ProductQuery

if TYPE_CHECKING:
    from oint.sandbox.core import Sandbox, SandboxResponse

ROOT = pages.ROOT
COOKIE = "oint_sandbox_view"
REALM = "oint sandbox web view"
_PAGE = re.compile(
    r"|products|products/\d{1,19}|postings|postings/[0-9A-Za-z-]{1,40}|returns|reviews|questions"
    r"|chats|chats/[0-9A-Za-z-]{1,64}|finance|pushes|requests|requests/\d{1,19}"
)
MAX_QUERY = 200  # characters of a catalogue search kept
_ALSO_JSON = frozenset({"requests"})  # GET /__sandbox/requests answers JSON unless HTML is asked for
HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    # no script of any kind; pictures from anywhere (the catalogue's images are external links,
    # the placeholder under them a data: URI); forms only back to the view (the catalogue's search)
    "content-security-policy": (
        "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def accepts_html(headers: Mapping[str, str]) -> bool:
    return "text/html" in _lower(headers).get("accept", "").lower()


def wants(method: str, path: str, headers: Mapping[str, str]) -> bool:
    """Whether a request is for a page of the web view (else it goes to `Sandbox.handle`)."""
    if method.upper() != "GET":
        return False
    path = path.split("?", 1)[0]
    if path == ROOT.rstrip("/"):
        return True
    if not path.startswith(ROOT):
        return False
    rest = path[len(ROOT) :]
    if _PAGE.fullmatch(rest) is None:
        return False
    return rest not in _ALSO_JSON or accepts_html(headers)


def _response(status: int, text: str, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    from oint.sandbox.core import SandboxResponse

    return SandboxResponse(status, {**HEADERS, **(headers or {})}, text.encode())


def _redirect(location: str, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    body = pages.message("Moved", f"See {location}")
    return _response(303, body, {"location": location, **(headers or {})})


# ------------------------------------------------------------------ the guard
def cookie_value(token: str) -> str:
    """What the cookie holds: a digest of the token (the token itself never leaves the server)."""
    return hmac.new(token.encode(), REALM.encode(), hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def authorized(token: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a request may see the pages: no token set, or the token given (Bearer, Basic
    password, or the cookie)."""
    if token is None:
        return True
    lower = _lower(headers)
    auth = lower.get("authorization", "").strip()
    scheme, _, credentials = auth.partition(" ")
    if scheme.lower() == "bearer" and _same(credentials.strip(), token):
        return True
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded and _same(decoded.split(":", 1)[1], token):
            return True
    try:
        jar: SimpleCookie = SimpleCookie(lower.get("cookie", ""))
    except CookieError:
        return False
    morsel = jar.get(COOKIE)
    return morsel is not None and _same(morsel.value, cookie_value(token))


def _unauthorized() -> SandboxResponse:
    text = (
        "The sandbox was started with an admin token: give it as the password (any user name), "
        "or once as ?token=TOKEN on any page, or as the header Authorization: Bearer TOKEN."
    )
    return _response(
        401,
        pages.message("Admin token needed", text),
        {"www-authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
    )


# ------------------------------------------------------------------ pages
def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 19:
        return default
    return int(value)


def answer(sandbox: Sandbox, path: str, headers: Mapping[str, str]) -> SandboxResponse:
    """The page a GET asks for (`path` with its query string): 200, 303 (to the page itself
    without the token, or from /__sandbox to /__sandbox/), 401 or 404, always HTML."""
    path, _, query = path.partition("?")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if path == ROOT.rstrip("/"):
        return _redirect(ROOT + ("?" + urlencode(params) if params else ""))
    token = sandbox.admin_token
    if "token" in params:
        if token is None or not _same(params["token"], token):
            return _unauthorized() if token is not None else _redirect(_without_token(path, params))
        cookie = f"{COOKIE}={cookie_value(token)}; Path={ROOT}; HttpOnly; SameSite=Strict"
        return _redirect(_without_token(path, params), {"set-cookie": cookie})
    if not authorized(token, headers):
        return _unauthorized()
    status, text = render(sandbox, path[len(ROOT) :], params)
    return _response(status, text)


def _without_token(path: str, params: Mapping[str, str]) -> str:
    rest = {k: v for k, v in params.items() if k != "token"}
    return path + ("?" + urlencode(rest) if rest else "")


def render(sandbox: Sandbox, page: str, params: Mapping[str, str]) -> tuple[int, str]:
    """Status and HTML of a page (`page`: the path after /__sandbox/)."""
    store, now = sandbox.store, sandbox.clock()
    if page.startswith("requests"):
        if page == "requests":
            return 200, pages.requests(data.request_log(store, sandbox.log_size, _int(params.get("before"))))
        seq = _int(page.split("/", 1)[1], 0) or 0
        entry = data.request_detail(store, seq)
        if entry is None:
            return 404, pages.message("Not found", f"Request {seq} is not in the log (any more).")
        return 200, pages.request(entry)
    with store.transaction():
        ref = data.account(store, params.get("account"))
    if ref is None:
        return 404, pages.message("Not found", f"No seller account {params.get('account') or ''}.")
    offset = _int(params.get("offset"), 0) or 0
    rfbs = params.get("kind") == "rfbs"
    views: dict[str, Callable[[], tuple[int, str]]] = {
        "": lambda: (200, pages.overview(data.overview(store, ref, now, sandbox.today().isoformat()))),
        "products": lambda: _products(sandbox, ref, params, offset),
        "postings": lambda: (200, pages.postings(data.postings(store, ref, now, params.get("status", "")))),
        "returns": lambda: (
            200,
            pages.returns((data.rfbs_returns if rfbs else data.returns)(store, ref, now, offset), rfbs),
        ),
        "reviews": lambda: (200, pages.reviews(data.reviews(store, ref, now, offset))),
        "questions": lambda: (200, pages.questions(data.questions(store, ref, now, offset))),
        "chats": lambda: (200, pages.chats(data.chats(store, ref, now, offset))),
        "finance": lambda: (200, pages.finance(data.finance(store, ref, now))),
        "pushes": lambda: (200, pages.pushes(data.pushes_page(store, ref, now, offset))),
    }
    if page in views:
        return views[page]()
    kind, _, name = page.partition("/")
    if kind == "postings":
        posting = data.posting_detail(store, ref, now, name)
        if posting is None:
            return 404, pages.message("Not found", f"No posting {name} in this account.", ref)
        return 200, pages.posting(posting)
    if kind == "chats":
        chat = data.chat_detail(store, ref, now, name)
        if chat is None:
            return 404, pages.message("Not found", f"No chat {name} in this account.", ref)
        return 200, pages.chat(chat)
    product_id = _int(name, 0) or 0
    detail = data.product_detail(store, ref, now, product_id)
    if detail is None:
        return 404, pages.message("Not found", f"No product {product_id} in this account.", ref)
    return 200, pages.product(detail)


def _products(sandbox: Sandbox, ref: AccountRef, params: Mapping[str, str], offset: int) -> tuple[int, str]:
    """The catalogue page: searched (`q`), filtered (`visibility`, `stock`) and paged (`offset`)."""
    query = ProductQuery(
        text=params.get("q", "").strip()[:MAX_QUERY],
        visibility=params.get("visibility") or "EVERY",
        stock=params.get("stock", ""),
    )
    if query.visibility not in SEARCH_VISIBILITIES or query.stock not in SEARCH_STOCK:
        text = (
            f"Unknown filter: visibility is one of {', '.join(SEARCH_VISIBILITIES)}; "
            f"stock is one of present, none (or left out)."
        )
        return 400, pages.message("Bad filter", text, ref)
    listed = data.product_list(sandbox.store, ref, sandbox.clock(), offset, query=query)
    return 200, pages.products(listed)
