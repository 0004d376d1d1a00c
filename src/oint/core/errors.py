"""Typed errors raised by the Ozon client.

Every non-2xx answer becomes an `APIStatusError` subclass chosen by HTTP status,
carrying Ozon's error body fields: `code` (an int such as 7, or a string such as
"RESOURCE_EXHAUSTED": both occur), `message` and `details`. Network failures are
`APIConnectionError` / `APITimeoutError`. Messages never contain the Api-Key.
"""

from __future__ import annotations

import json
import re
from typing import Any


class OzonError(Exception):
    """Base class of every error raised by oint."""


class UsageError(OzonError, ValueError):
    """Bad input given to a method (unknown option, malformed JSON, missing required value)."""


class OzonWarning(UserWarning):
    """Base class of the warnings oint issues (the CLI prints each as one line on stderr)."""


class SuccessorWarning(OzonWarning):
    """The current implementation of an OInt function cannot do all that OInt's endpoint did
    (e.g. Ozon's successor has no 360° images): what was left out, and why."""


class RetiredEndpointWarning(OzonWarning):
    """A request went to an endpoint Ozon has switched off; names the successor."""


class APIConnectionError(OzonError):
    """The request did not get an HTTP answer (refused, reset, DNS, TLS)."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APICertificateError(APIConnectionError):
    """The server's TLS certificate was not trusted: not retried (see `ca_file=`)."""


class APIStatusError(OzonError):
    """Ozon answered with a non-2xx status."""

    status: int

    def __init__(
        self,
        status: int,
        body: bytes,
        *,
        method: str = "",
        path: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.headers = headers or {}
        self.raw = body
        self.body: Any = None
        self.code: int | str | None = None
        self.message = ""
        self.details: list[Any] = []
        try:
            self.body = json.loads(body) if body else None
        except ValueError:
            self.body = None
        if isinstance(self.body, dict):
            err = self.body
            if isinstance(err.get("error"), dict):  # legacy envelope {"error": {code, message, data}}
                err = err["error"]
                self.details = list(err.get("data") or [])
            else:
                self.details = list(err.get("details") or [])
            self.code = err.get("code")
            self.message = str(err.get("message") or "")
        else:
            text = body.decode("utf-8", "replace").strip()
            if not_text(text):  # never bytes in a message: what they are, and how many
                kind = self.headers.get("content-type") or "no Content-Type"
                self.message = f"the answer is not text: {len(body)} bytes ({kind})"
            else:
                self.message = _first_text_line(text) if text else f"HTTP {status}"
        super().__init__(f"{method} {path}: HTTP {status}: {self.message}".strip())

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def to_dict(self) -> dict[str, Any]:
        """Ozon's error JSON as received; for non-JSON bodies a synthesised one of the same shape."""
        if isinstance(self.body, dict):
            return self.body
        return {"code": self.status, "message": self.message, "details": []}


class BadRequestError(APIStatusError):
    status = 400


class AuthenticationError(APIStatusError):
    status = 401


class PermissionDeniedError(APIStatusError):
    status = 403


class NotFoundError(APIStatusError):
    status = 404


class ConflictError(APIStatusError):
    status = 409


class GoneError(APIStatusError):
    """The endpoint was switched off by Ozon (410 "obsolete method cannot be used")."""

    status = 410


class RateLimitError(APIStatusError):
    """429: per-second limit, per-method limit or per-item operation limit."""

    status = 429

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class InternalServerError(APIStatusError):
    status = 500


class TaskFailedError(APIStatusError):
    """Ozon accepted the request (HTTP 200) but the asynchronous task it started ended `failed`, or
    a synchronous successor reported the item as not updated. `status` is the HTTP status of the
    answer that told so (200); `body` is `{code, message, details}` with Ozon's item errors as
    `details`."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    429: RateLimitError,
}


def error_for_status(
    status: int, body: bytes, *, method: str = "", path: str = "", headers: dict[str, str] | None = None
) -> APIStatusError:
    """The exception instance matching an HTTP status."""
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(status, body, method=method, path=path, headers=headers)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds only; HTTP dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def not_text(text: str, scan: int = 4096) -> bool:
    """Whether a body decoded with errors="replace" was bytes rather than UTF-8 text: a replacement
    character anywhere, or a control character in its first `scan` characters (also the judgment of
    `--debug`'s lines, `oint.core.transport.debug`)."""
    return "\ufffd" in text or any(c < " " and c not in "\t\n\r" for c in text[:scan])


def _first_text_line(text: str) -> str:
    """A short readable line from a non-JSON body such as nginx's 502 HTML page."""

    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if title:
        return title.group(1).strip()
    plain = re.sub(r"<[^>]+>", " ", text)
    line = " ".join(plain.split())
    return line[:200]
