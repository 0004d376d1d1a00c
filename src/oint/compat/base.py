"""OInt's functions on the Seller API's clients: `run_method` (a registry `Method` or its name,
with its values), the endpoint policy `api=` (`oint.compat.policy`) and the flows of the
successors, driven by the client base. `OzonClient` (`oint.compat.client`) adds the typed methods;
the CLI and the OInt-style module functions use these lighter classes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from oint.apis.seller.client import AsyncSellerClient, SellerClient
from oint.core.errors import UsageError

if TYPE_CHECKING:
    from oint.compat.policy import PageFlows
    from oint.compat.registry import Method
    from oint.core.flow import Flow

__all__ = ["AsyncOIntClient", "SyncOIntClient"]


def _method(method: Method | str) -> Method:
    if not isinstance(method, str):
        return method
    from oint.compat.methods import REGISTRY

    found = REGISTRY.get(method)
    if found is None:
        raise UsageError(f"unknown OInt method {method!r}")
    return found


def _method_flow(method: Method, values: tuple[Any, ...], api: str) -> Flow:
    """The flow of one call of an OInt function under the client's endpoint policy."""
    from oint.compat.policy import method_flow, today

    return method_flow(method, values, api, today())


def _page_flows(method: Method, values: tuple[Any, ...], api: str) -> PageFlows:
    """The flows of the pages of an OInt list function under the client's endpoint policy."""
    from oint.compat.policy import page_flows, today

    return page_flows(method, values, api, today())


def _checked_api(api: str | None) -> str:
    from oint.compat.policy import api_mode

    return api_mode(api)


class SyncOIntClient(SellerClient):
    """`SellerClient` that runs OInt's functions (see `oint.ozon.OzonClient`)."""

    def _set_api(self, api: str | None) -> None:
        self.api = _checked_api(api)

    def run_method(self, method: Method | str, values: Sequence[Any]) -> Any:
        """Run one OInt function (a registry `Method` or its EN/RU/Python name) with its parameter
        values in declaration order: what the typed methods, the CLI and the MCP tools call."""
        return self._call(_method(method), tuple(values))

    def _call(self, method: Method, values: tuple[Any, ...]) -> Any:
        if method.local is not None:
            return method.run_local(values)
        if method.current is None or self.api == "legacy":  # one request, nothing to choose
            return self._send(method.build(values))
        return self._drive(_method_flow(method, values, self.api))

    def iter_method_pages(self, method: Method | str, values: Sequence[Any]) -> Iterator[Any]:
        """The answer of every page of an OInt list function, from the page `values` ask for on
        (`--all-pages`; the flows of `oint.compat.policy.page_flows`, each page read once)."""
        found = _method(method)
        if found.local is not None:
            yield found.run_local(tuple(values))
            return
        pages = _page_flows(found, tuple(values), self.api)
        flow = next(pages)
        while True:
            answer = self._drive(flow)
            yield answer
            try:
                flow = pages.send(answer)
            except StopIteration:
                return


class AsyncOIntClient(AsyncSellerClient):
    """`AsyncSellerClient` that runs OInt's functions (see `oint.ozon.AsyncOzonClient`)."""

    def _set_api(self, api: str | None) -> None:
        self.api = _checked_api(api)

    async def run_method(self, method: Method | str, values: Sequence[Any]) -> Any:
        """Run one OInt function by registry entry or name (see `SyncOIntClient.run_method`)."""
        return await self._call(_method(method), tuple(values))

    async def _call(self, method: Method, values: tuple[Any, ...]) -> Any:
        if method.local is not None:
            return method.run_local(values)
        if method.current is None or self.api == "legacy":  # one request, nothing to choose
            return await self._send(method.build(values))
        return await self._drive(_method_flow(method, values, self.api))

    async def iter_method_pages(self, method: Method | str, values: Sequence[Any]) -> AsyncIterator[Any]:
        """The answer of every page of an OInt list function (see `SyncOIntClient.iter_method_pages`)."""
        found = _method(method)
        if found.local is not None:
            yield found.run_local(tuple(values))
            return
        pages = _page_flows(found, tuple(values), self.api)
        flow = next(pages)
        while True:
            answer = await self._drive(flow)
            yield answer
            try:
                flow = pages.send(answer)
            except StopIteration:
                return
