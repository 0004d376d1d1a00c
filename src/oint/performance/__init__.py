"""Ozon's Performance API (advertising): clients, report helpers, errors.

    from oint.performance import PerformanceClient, AsyncPerformanceClient, rows

    with PerformanceClient(client_id, client_secret) as client:   # or profile="shop1", sandbox=True
        for campaign in client.iter_list_campaigns():
            print(campaign["id"], campaign["title"] if "title" in campaign else "")
        data = client.report(["123"], "2026-09-01", "2026-11-30")   # rows of every report part

`oint.performance.types` holds the request and answer structures (`TypedDict`s).
"""

from __future__ import annotations

from oint.apis.performance import types
from oint.apis.performance.client import AsyncPerformanceClient, PerformanceClient
from oint.apis.performance.files import rows
from oint.apis.performance.reports import ReportFailed, Waiting, plan, set_report_slots
from oint.core.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    OzonError,
    RateLimitError,
    UsageError,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "AsyncPerformanceClient",
    "AuthenticationError",
    "BadRequestError",
    "OzonError",
    "PerformanceClient",
    "RateLimitError",
    "ReportFailed",
    "UsageError",
    "Waiting",
    "plan",
    "rows",
    "set_report_slots",
    "types",
]
