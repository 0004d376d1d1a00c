"""Errors the sandbox answers with, in Ozon's gRPC-gateway shape {code, message, details}."""

from __future__ import annotations

from typing import Any

from oint.ozon.errors import UsageError

# gRPC codes Ozon puts in `code`
INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
UNIMPLEMENTED = 12
INTERNAL = 13
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


def invalid(message: str) -> ApiError:
    """400 with Ozon's validation wording."""
    return ApiError(400, INVALID_ARGUMENT, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)


def obsolete() -> ApiError:
    """What Ozon answers for an endpoint it has switched off: HTTP 410, gRPC code 12 (UNIMPLEMENTED)
    and this exact message (facts §1.2). The sandbox answers it for every operation whose switch-off
    date (from the operation layer) is on or before its API date, and for injected 410 faults."""
    return ApiError(410, UNIMPLEMENTED, "obsolete method cannot be used")


def too_many(message: str, retry_after: float) -> ApiError:
    return ApiError(
        429, RESOURCE_EXHAUSTED, message, headers={"Retry-After": str(max(1, int(retry_after + 0.999)))}
    )


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
