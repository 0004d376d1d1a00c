"""The server address of a client (`base_url`, `OZON_BASE_URL`, `--base-url`, a profile's base_url),
checked once, in the client constructor, for the library and the CLI."""

from __future__ import annotations

from urllib.parse import urlsplit

from oint.core.errors import UsageError


def check_base_url(url: str, source: str) -> str:
    """`url` if it is a usable server address (http or https, a host, a port from 1 to 65535, no
    query, fragment or credentials); else UsageError naming `source` (e.g. "--base-url")."""
    try:
        parts = urlsplit(url)
    except ValueError as e:  # e.g. an unclosed IPv6 bracket
        raise UsageError(f"{source}: not a valid URL ({e}), got {_show(url)}") from None
    try:
        port = parts.port
    except ValueError:
        # port out of range or not a number (urlsplit raises on ports it cannot read)
        port_text = url.split("//", 1)[-1].split("/", 1)[0].rpartition(":")[2]
        raise UsageError(f"{source}: port {port_text!r} is not a number from 1 to 65535") from None
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:  # never echo a password
        raise UsageError(f"{source}: credentials in the URL are not supported (use --clientid/--apikey)")
    if scheme not in ("http", "https"):
        raise UsageError(f"{source}: {_show(url)} is not an http:// or https:// URL")
    if not parts.hostname or any(c.isspace() for c in parts.netloc):
        raise UsageError(f"{source}: no host in {_show(url)}")
    if port == 0:
        raise UsageError(f"{source}: port 0 is not a number from 1 to 65535")
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        raise UsageError(f"{source}: a server address takes no query or fragment, got {_show(url)}")
    return url


def _show(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")
