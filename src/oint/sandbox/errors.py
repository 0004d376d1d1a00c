"""Errors the sandbox answers with, in Ozon's gRPC-gateway shape {code, message, details}.

One helper per kind of answer (`invalid`, `rejected`, `not_found`, `precondition`, `rate_limited`,
`obsolete`, ...), with the status, the gRPC code and Ozon's wording defined here once: the core and
every model raise errors through them, never `ApiError(...)` with literal codes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from oint.core.errors import UsageError

# gRPC codes Ozon puts in `code`
UNKNOWN = 2
INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
UNAUTHENTICATED = 16


class ApiError(Exception):
    """Raised by the model to answer with a non-2xx status and Ozon's error body."""

    def __init__(
        self,
        status: int,
        code: int | str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


# ------------------------------------------------------------------ Ozon's error answers, one helper each
VALIDATION = "Request validation error"  # how Ozon's request validation (protoc-gen-validate) begins


def invalid(message: str) -> ApiError:
    """400, code 3, with the text as given (decoding errors, rules Ozon words freely)."""
    return ApiError(400, INVALID_ARGUMENT, message)


def rejected(subject: str, rule: str) -> ApiError:
    """400, code 3, in the wording of Ozon's request validation:
    `Request validation error: invalid ProductImportRequest.Items[0].offer_id: value must be a string`."""
    return ApiError(400, INVALID_ARGUMENT, f"{VALIDATION}: invalid {subject}: {rule}")


def rejected_item(subject: str, field: str, rule: str) -> ApiError:
    """400, code 3, for a field of one element of a request's array, as Ozon nests it:
    `... invalid ProductsStocksRequest.Stocks[0]: embedded message failed validation | caused by:
    invalid ProductsStocksRequest_Stock.Stock: value must be ...`."""
    return ApiError(
        400,
        INVALID_ARGUMENT,
        f"{VALIDATION}: invalid {subject}: embedded message failed validation | caused by: "
        f"invalid {field}: {rule}",
    )


def rejected_request(rule: str) -> ApiError:
    """400, code 3: a validation rule about the request as a whole (no single field to name)."""
    return ApiError(400, INVALID_ARGUMENT, f"{VALIDATION}: {rule}")


def malformed(reason: str) -> ApiError:
    """400, code 3: what Ozon's protojson decoder refuses (not JSON, a value of the wrong kind)."""
    return ApiError(400, INVALID_ARGUMENT, f"proto: {reason}")


def too_large(limit: int) -> ApiError:
    """413, code 3: a request body over the server's limit."""
    return ApiError(413, INVALID_ARGUMENT, f"request body is larger than {limit} bytes")


def not_found(message: str = "Not Found") -> ApiError:
    """404, code 5: an unknown route (Ozon's "Not Found") or an entity the request names."""
    return ApiError(404, NOT_FOUND, message)


def precondition(message: str) -> ApiError:
    """400, code 9 (FAILED_PRECONDITION): the request is well-formed but the state forbids it."""
    return ApiError(400, FAILED_PRECONDITION, message)


PER_SECOND = "You have reached request rate limit per second"
PER_MINUTE = "You have reached request rate limit per minute"


def rate_limited(message: str, retry_after: float) -> ApiError:
    """429, code 8, with Retry-After in whole seconds (at least 1)."""
    return ApiError(
        429, RESOURCE_EXHAUSTED, message, headers={"Retry-After": str(max(1, int(retry_after + 0.999)))}
    )


def items_rate_limited(seconds: int, remaining: int) -> ApiError:
    """429 of a per-item limit, as Ozon's example answers it: code "RESOURCE_EXHAUSTED" (a string),
    Retry-After in seconds, Item-Retry-After in minutes and Item-Rate-Limit-Remaining."""
    return ApiError(
        429,
        "RESOURCE_EXHAUSTED",
        f"You have reached operation items limits. Retry after {seconds} seconds. "
        f"Remaining {remaining} items",
        headers={
            "Retry-After": str(seconds),
            "Item-Retry-After": str(math.ceil(seconds / 60)),
            "Item-Rate-Limit-Remaining": str(remaining),
        },
    )


def obsolete() -> ApiError:
    """What Ozon answers for an endpoint it has switched off: HTTP 410, gRPC code 12 (UNIMPLEMENTED)
    and this exact message (facts §1.2). The sandbox answers it for every operation whose switch-off
    date (from the operation layer) is on or before its API date, and for injected 410 faults."""
    return ApiError(410, UNIMPLEMENTED, "obsolete method cannot be used")


def method_not_allowed(allowed: Iterable[str]) -> ApiError:
    """405, code 12, with the methods the path has in `Allow`."""
    return ApiError(405, UNIMPLEMENTED, "method is not allowed", headers={"Allow": ", ".join(allowed)})


def unauthenticated(
    message: str = "Client-Id and Api-Key headers are required", *, headers: dict[str, str] | None = None
) -> ApiError:
    """401, code 16: credentials missing (Ozon's text by default)."""
    return ApiError(401, UNAUTHENTICATED, message, headers=headers)


def forbidden() -> ApiError:
    """403, code 7: an unknown Client-Id or a wrong Api-Key."""
    return ApiError(403, PERMISSION_DENIED, "Invalid Api-Key, please check the key and try again")


KEY_DEACTIVATED = "Api-key is deactivated, use another one or generate a new one"


def deactivated() -> ApiError:
    """403, code 7: a key Ozon no longer takes — the sandbox's answer once a key's expiry
    (`key_expires_at`, three months by default: facts §10.2) has passed on the sandbox clock. The
    text is Ozon's (facts §1.2); the status and code are presumed there, like those of the other
    refused keys (403 / PERMISSION_DENIED), since no capture shows them."""
    return ApiError(403, PERMISSION_DENIED, KEY_DEACTIVATED)


def refused(message: str) -> ApiError:
    """403, code 7: a request the served sandbox does not take from where it comes (a foreign
    `Host`, another site's web page: `oint.sandbox.guard`)."""
    return ApiError(403, PERMISSION_DENIED, message)


def internal(message: str = "Internal error") -> ApiError:
    """500, code 13."""
    return ApiError(500, INTERNAL, message)


def default_body(status: int) -> dict[str, Any]:
    """The error body Ozon sends with a status, for injected faults that give none."""
    known = {
        403: forbidden(),
        410: obsolete(),
        429: rate_limited(PER_SECOND, 1),
        500: internal(),
        503: ApiError(503, UNAVAILABLE, "Service Unavailable"),
    }
    error = known.get(status) or ApiError(status, UNKNOWN, f"HTTP {status}")
    return error.body()


class SandboxStateError(UsageError):
    """The sandbox's state file cannot be used: not an SQLite database, damaged, a directory,
    unreadable or unwritable. The message is one line naming the file and what to do
    (`oint sandbox reset` moves a broken file aside). A `UsageError`, since the file is the
    caller's to fix: the CLI prints the line and exits with 2.

    `kind`: "damaged" (not a usable database: `oint sandbox reset` moves it aside),
    "directory", "access" (permissions, a folder that cannot be made) or "other"."""

    def __init__(self, path: str, reason: str, kind: str = "other") -> None:
        super().__init__(f"sandbox state file {path}: {reason}")
        self.path = path
        self.reason = reason
        self.kind = kind
