"""Who may use a served sandbox's admin routes and web view: the checks the HTTP adapter (`app.py`)
makes before a request reaches `Sandbox.handle` or a page.

A sandbox on 127.0.0.1 has no admin token by default, so a web page open in the user's browser
must not be able to drive it:

- **Host** (DNS rebinding): the admin routes and the web view answer only when the `Host` header
  names this machine (localhost, 127.0.0.0/8, ::1), the address the server is bound to, or a
  host the user allowed (`oint sandbox serve --allowed-host NAME`). A server bound to a loopback
  address checks the Host of every request, API routes included.
- **Cross-origin writes** (CSRF): a request that changes state on an admin route is refused when
  the browser says it comes from another site (`Sec-Fetch-Site: cross-site|same-site`) or its
  `Origin` is not the server's own.
- **JSON only**: an admin write must say `Content-Type: application/json`. A browser cannot send
  that across origins without a CORS preflight, which the sandbox never grants, so a form or a
  `text/plain` fetch from another site cannot reset the sandbox or inject faults.

Pure functions over the method, the path and the headers; the answers are Ozon's JSON error
shape (403, code 7).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from oint.sandbox.errors import ApiError, refused

ADMIN_PREFIX = "/__sandbox"  # the admin routes and the web view, `/__sandbox` and `/__sandbox/...`
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})  # bound to every address: no name to trust


def is_loopback(host: str) -> bool:
    """True for names and addresses only this machine can reach (localhost, 127.0.0.0/8, ::1)."""
    host = host.strip().lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(value: str) -> str:
    """The host of a `Host` header or an origin's authority, lower case, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8080
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


@dataclass(frozen=True)
class HostPolicy:
    """The hosts a served sandbox answers to: loopback, the bound address, and `allowed`."""

    bound: str = "127.0.0.1"
    allowed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, bound: str, allowed: Iterable[str] = ()) -> HostPolicy:
        return cls(bound, frozenset(host_name(h) for h in allowed if h.strip()))

    def trusts(self, host: str) -> bool:
        name = host_name(host)
        if not name:
            return False
        if is_loopback(name) or name in self.allowed:
            return True
        bound = host_name(self.bound)
        return bound not in WILDCARDS and name == bound

    @property
    def checks_every_route(self) -> bool:
        """A server only this machine can reach answers no other Host anywhere (DNS rebinding)."""
        return is_loopback(host_name(self.bound))


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def is_admin_path(path: str) -> bool:
    path = path.split("?", 1)[0]
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def check(policy: HostPolicy, method: str, path: str, headers: Mapping[str, str]) -> ApiError | None:
    """None when the request may go on, else the answer that refuses it."""
    admin = is_admin_path(path)
    if not admin and not policy.checks_every_route:
        return None
    h = _lower(headers)
    host = h.get("host", "")
    if not policy.trusts(host):
        return refused(
            f"host {host_name(host) or '(none)'!r} is not served here: the sandbox answers to "
            "localhost and the hosts given with 'oint sandbox serve --allowed-host'"
        )
    if not admin or method.upper() in SAFE_METHODS:
        return None
    site = h.get("sec-fetch-site", "").strip().lower()
    if site in ("cross-site", "same-site"):
        return refused("the sandbox's admin routes take no requests from web pages of other sites")
    origin = h.get("origin")
    if origin is not None and not _same_origin(origin, host):
        return refused(f"the sandbox's admin routes take no requests from origin {origin.strip()!r}")
    media = h.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        return refused("the sandbox's admin routes take JSON only: send Content-Type: application/json")
    return None


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file: page) and anything else
    return parts.netloc == host.strip().lower()
