"""The Performance API's clients: the client base (`oint.core.client`) over the Performance API's
operation layer, with its own host, credentials (a Performance client id and secret) and bearer
tokens (`oint.core.auth`), one typed method per operation (`client.list_campaigns()`,
`client.activate_campaign(campaign_id)`), and `report()`: a statistics report of any size.

    with PerformanceClient(client_id, client_secret) as client:
        campaigns = client.list_campaigns({"state": "CAMPAIGN_STATE_RUNNING"})
        rows = client.report(["123", "456"], "2026-09-01", "2026-11-30")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from oint import __version__
from oint.apis.performance import spec
from oint.apis.performance._operations import AsyncOperations, SyncOperations
from oint.apis.performance.reports import (
    POLLING,
    Progress,
    ReportSlots,
    Waiting,
    plan,
    report_flow,
    report_slots,
)
from oint.core.auth import BearerToken
from oint.core.client import BINARY_TYPES, AsyncClientBase, SyncClientBase
from oint.core.flow import Request
from oint.core.retry import time_scale

__all__ = ["PERFORMANCE_BASE_URL", "AsyncPerformanceClient", "PerformanceClient"]

PERFORMANCE_BASE_URL = "https://api-performance.ozon.ru"  # the layer's base_url (a test compares)
CSV_TYPES = frozenset({"text/csv", "application/zip", "application/x-zip-compressed"})


class _Performance:
    """What the Performance API sets of the client base: host, credentials, token, file answers."""

    layer = spec.LAYER
    default_base_url: ClassVar[str] = PERFORMANCE_BASE_URL
    own_hosts: ClassVar[frozenset[str]] = frozenset({"api-performance.ozon.ru"})
    credential_env: ClassVar[tuple[str, str]] = (
        "OZON_PERFORMANCE_CLIENT_ID",
        "OZON_PERFORMANCE_CLIENT_SECRET",
    )
    credential_names: ClassVar[tuple[str, str]] = ("client_id", "client_secret")
    default_credentials_attribute: ClassVar[str] = "default_performance_credentials"
    file_types: ClassVar[frozenset[str]] = BINARY_TYPES | CSV_TYPES
    client_id: str
    _api_key: str  # the client secret: never shown

    def _start_tokens(self, clock: Callable[[], float] | None) -> BearerToken:
        rules = spec.token_rules()
        return BearerToken(rules.lifetime, rules.renew_before, clock=clock, time_scale=time_scale())

    def _static_headers(self) -> dict[str, str]:
        """No key in the headers: each call carries the bearer token (added per call)."""
        return {"Content-Type": "application/json", "User-Agent": f"oint/{__version__}"}

    def _profile_client_id(self, prof: Any) -> str | None:
        client_id: str | None = prof.performance_client_id
        return client_id

    def _profile_secret(self, prof: Any) -> str:
        return str(prof.performance_secret())

    def _token_request(self) -> Request:
        """`POST /api/client/token` with the client credentials (the body is never logged: the
        debug log hides `client_secret` and `access_token`)."""
        rules = spec.token_rules()
        body = {"client_id": self.client_id, "client_secret": self._api_key, "grant_type": rules.grant_type}
        return Request("POST", rules.path, body)

    @property
    def tokens_fetched(self) -> int:
        """How many bearer tokens this client has bought (one per lifetime, plus one per revocation)."""
        bearer: BearerToken | None = getattr(self, "_bearer", None)
        return bearer.fetched if bearer is not None else 0

    def _report_slots(self) -> tuple[ReportSlots, str]:
        """Where this client's reports take turns, and under which account name: the client's
        shared store of limits (by client id) when it has one, else the process (by client id
        and server); see `oint.apis.performance.reports`."""
        base_url: str = getattr(self, "base_url", "")
        return report_slots(getattr(self, "limit_store", None), self.client_id, base_url)

    @staticmethod
    def _slot_waiting(progress: Progress | None, done: int, total: int) -> Callable[[float], None] | None:
        """What shows in the progress while another report of the account is in preparation (None
        without a progress: slots put in place by `set_report_slots` may not take it)."""
        if progress is None:
            return None

        def waiting(seconds: float) -> None:
            progress(done, total, f"waiting for the account's report slot ({seconds:.0f} s)")

        return waiting


class PerformanceClient(_Performance, SyncClientBase, SyncOperations):
    """Synchronous Performance API client. `client_id`, `client_secret`: the Performance API's
    credentials (from the seller's account; not the Seller API's key), else a profile's
    (`performance_client_id` and its secret), else OZON_PERFORMANCE_CLIENT_ID /
    OZON_PERFORMANCE_CLIENT_SECRET. `sandbox=True`, `transport=`, `base_url=`, `timeout=`,
    `max_retries=`, `retry=`, `profile=`, `ca_file=`, `debug=` as for `OzonClient`. `clock`
    (monotonic seconds) is for tests of the token's renewal."""

    def __init__(
        self,
        client_id: str | int | None = None,
        client_secret: str | None = None,
        *,
        clock: Callable[[], float] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(client_id, client_secret, **options)
        self._bearer = self._start_tokens(clock)

    def report(
        self,
        campaigns: Iterable[str | int],
        date_from: dt.date | str,
        date_to: dt.date | str,
        *,
        group_by: str | None = None,
        progress: Progress | None = None,
        waiting: Waiting = POLLING,
    ) -> list[dict[str, str]]:
        """The statistics of `campaigns` from `date_from` to `date_to` (both included), as rows:
        split into reports of at most 10 campaigns and 62 days, made one after another (one in
        preparation per account: other threads and tasks of the process wait their turn, and
        other processes too when the client has a shared store of limits, `limits=`), merged in
        order of period then campaigns, totals lines left out. `group_by`: Ozon's groupBy
        (`DATE`, `START_OF_WEEK`, `START_OF_MONTH`). `progress(done, total, state)` hears of
        each state polled."""
        parts = plan(campaigns, date_from, date_to)
        merged: list[dict[str, str]] = []
        for done, part in enumerate(parts):

            def on_state(state: str, done: int = done) -> None:
                if progress is not None:
                    progress(done, len(parts), state)

            slots, account = self._report_slots()
            heard = self._slot_waiting(progress, done, len(parts))
            with slots.hold(account, heard) if heard else slots.hold(account):
                flow = report_flow(part, group_by=group_by, waiting=waiting, on_state=on_state)
                merged.extend(self._drive(flow))
        if progress is not None:
            progress(len(parts), len(parts), "OK")
        return merged


class AsyncPerformanceClient(_Performance, AsyncClientBase, AsyncOperations):
    """Asynchronous Performance API client (arguments: see `PerformanceClient`)."""

    def __init__(
        self,
        client_id: str | int | None = None,
        client_secret: str | None = None,
        *,
        clock: Callable[[], float] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(client_id, client_secret, **options)
        self._bearer = self._start_tokens(clock)

    async def report(
        self,
        campaigns: Iterable[str | int],
        date_from: dt.date | str,
        date_to: dt.date | str,
        *,
        group_by: str | None = None,
        progress: Progress | None = None,
        waiting: Waiting = POLLING,
    ) -> list[dict[str, str]]:
        """The statistics of `campaigns` as rows (see `PerformanceClient.report`); other tasks of
        the event loop wait for the account's report slot."""
        parts = plan(campaigns, date_from, date_to)
        merged: list[dict[str, str]] = []
        for done, part in enumerate(parts):

            def on_state(state: str, done: int = done) -> None:
                if progress is not None:
                    progress(done, len(parts), state)

            slots, account = self._report_slots()
            heard = self._slot_waiting(progress, done, len(parts))
            async with slots.ahold(account, heard) if heard else slots.ahold(account):
                flow = report_flow(part, group_by=group_by, waiting=waiting, on_state=on_state)
                merged.extend(await self._drive(flow))
        if progress is not None:
            progress(len(parts), len(parts), "OK")
        return merged
