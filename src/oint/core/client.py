"""The machinery of the Ozon clients, without the per-method functions.

Both twins share everything but waiting: configuration, request encoding, answer
decoding, the retry policy and rate limits live in `_ClientCore`; `SyncClientBase`
and `AsyncClientBase` only send through their transport and sleep their own way.
An API's client sets `layer`, its operation layer (`oint.apis.seller.client.SellerClient`);
OInt's clients (`oint.compat`) add OInt's functions on top: `run_method` and the typed methods
generated from the registry.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from oint import __version__
from oint.core.base_url import check_base_url
from oint.core.errors import (
    APICertificateError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OzonError,
    RetiredEndpointWarning,
    UsageError,
    error_for_status,
)
from oint.core.flow import Request, Wait, request
from oint.core.retry import RateLimiter, RetryPolicy, acquire_all, release_all, shared_limiter
from oint.core.transport.base import (
    AsyncTransport,
    RawResponse,
    SyncTransport,
    TransportCertificateError,
    TransportError,
    TransportTimeout,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from oint.core.auth import BearerToken
    from oint.core.flow import Flow
    from oint.core.layer import Layer


OZON_BASE_URL = "https://api-seller.ozon.ru"
OZON_HOSTS = frozenset({"api-seller.ozon.ru"})
BINARY_TYPES = frozenset({"application/pdf", "application/octet-stream", "application/zip", "image/png"})
T = TypeVar("T")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class InvalidResponseError(APIStatusError):
    """A 2xx answer whose body is not JSON."""


class _ClientCore:
    """Configuration and the pure parts of a call, shared by the sync and async clients."""

    _asynchronous = False  # which transports suit: sync (`SyncClientBase`) or async
    layer: ClassVar[Layer]  # the operation layer of the API (set by the API's client class)
    _ca_file: str | None = None  # CA certificates to trust besides the system's (ca_file=, a profile)
    # What differs by API (the Seller API's here; an API's client class sets its own):
    default_base_url: ClassVar[str] = OZON_BASE_URL  # where it sends unless told otherwise
    own_hosts: ClassVar[frozenset[str]] = OZON_HOSTS  # where the layer's rate limits apply
    credential_env: ClassVar[tuple[str, str]] = ("OZON_CLIENT_ID", "OZON_API_KEY")
    credential_names: ClassVar[tuple[str, str]] = ("client_id", "api_key")  # as messages say them
    default_credentials_attribute: ClassVar[str] = "default_credentials"  # of a transport
    file_types: ClassVar[frozenset[str]] = BINARY_TYPES  # answers given as bytes, not parsed
    _bearer: BearerToken | None = None  # an API with OAuth tokens sets one per client (`oint.core.auth`)

    def __init__(
        self,
        client_id: str | int | None = None,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = 30.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        rate_limit: bool | None = None,
        sandbox: bool | str | os.PathLike[str] = False,
        transport: SyncTransport | AsyncTransport | None = None,
        http_client: Any = None,
        profile: str | None = None,
        api: str | None = None,
        max_connections: int | None = None,
        ca_file: str | os.PathLike[str] | None = None,
        debug: bool = False,
        limits: str | None = None,
        limits_ip: str | None = None,
    ) -> None:
        """See `OzonClient`. `transport` must suit the client (sync or async); `http_client` is an
        `httpx.Client` / `httpx.AsyncClient` to send through instead of oint's own transport;
        `max_connections` sizes the keep-alive pool of the transport oint builds (None: its default).
        `sandbox` (True or a state file) asks the transport provider "sandbox"
        (`oint.core.transport.providers`) for the transport. Settings come from the arguments, else
        the profile (`profile`, or `OINT_PROFILE` unless the transport has default credentials),
        else OZON_CLIENT_ID / OZON_API_KEY / OZON_BASE_URL. A transport may carry `base_url` (where
        it sends: it wins over the other sources) and `default_credentials` (client id and key used
        when neither is given nor in the profile); a transport without `base_url` needs `base_url`
        (or a profile's, or OZON_BASE_URL), else UsageError: the client must know whether it talks
        to Ozon. `api` is the endpoint policy of the OInt functions whose endpoints Ozon switched off
        (`oint.compat.policy`, checked by OInt's clients). `ca_file` (or a profile's `ca_file`) is a
        PEM file of CA certificates the transport oint builds trusts besides the system's. `debug`
        logs every request and answer (`oint.core.transport.debug`, logger "oint.ozon.http", the
        Api-Key redacted). `limits` is where Ozon's windows are kept (`oint.core.limits`: "local",
        "sqlite:///PATH", "redis://HOST:PORT/DB"; else a profile's `limits`, else `OINT_LIMITS`,
        else the process): an explicit choice keeps Ozon's limits on any host. `limits_ip` (or
        `OINT_LIMITS_IP`) is the outgoing address whose windows are kept as well."""
        self._set_api(api)
        if max_connections is not None and max_connections < 1:
            raise UsageError("max_connections must be at least 1")
        self.max_connections = max_connections
        if ca_file is not None and (sandbox or transport is not None or http_client is not None):
            raise UsageError(
                "ca_file= applies to the transport oint builds: with sandbox=, transport= or "
                "http_client= leave it out (an httpx client takes verify=ssl_context)"
            )
        if sandbox:
            if transport is not None or http_client is not None:
                raise UsageError("sandbox= and transport= / http_client= exclude each other")
            from oint.core.transport.providers import provided

            transport = provided("sandbox", sandbox, asynchronous=self._asynchronous)
            try:
                self._configure(client_id, api_key, base_url, profile, transport)
            except BaseException:
                _discard(transport)  # the client's own: nobody else would close it
                raise
        else:
            self._configure(client_id, api_key, base_url, profile, transport)
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        host = urlsplit(self.base_url).hostname or ""
        # Ozon's documented limits are applied where they matter: against Ozon itself. Local
        # servers and the sandbox enforce their own (and answer 429 with Retry-After).
        self.rate_limit = (host in self.own_hosts) if rate_limit is None else rate_limit
        self._at_ozon = host in self.own_hosts  # Ozon's own limits apply there
        from oint.core.limits import configured_store, ip_account, outgoing_address, windows

        self.limit_store, chosen = configured_store(limits, self._profile_limits)
        if chosen and rate_limit is None:
            self.rate_limit = True  # shared (or explicitly local) limits asked for: kept on any host
        self._global: list[RateLimiter] = []
        self.address_windows: list[RateLimiter] = []  # of the outgoing address (`limits_ip`)
        if self.rate_limit:
            rules = self.layer.global_rate_limits()
            self._global = windows(self.limit_store, self.client_id, "*", rules)
            address = outgoing_address(limits_ip)
            if address is not None:
                self.address_windows = windows(self.limit_store, ip_account(address), "*", rules)
                self._global += self.address_windows
        self._headers = self._static_headers()
        if ca_file is not None:
            self._ca_file = check_ca_file(os.fspath(ca_file), "ca_file")
        self._trust = None if transport is not None or http_client is not None else self._ca_file
        self._transport: Any = transport if transport is not None else self._default_transport(http_client)
        if debug:
            from oint.core.transport.debug import watched

            self._transport = watched(self._transport, self.base_url, self._asynchronous)

    def _static_headers(self) -> dict[str, str]:
        """The headers of every request: the Seller API's carry the Client-Id and Api-Key."""
        return {
            "Client-Id": self.client_id,
            "Api-Key": self._api_key,
            "Content-Type": "application/json",
            "User-Agent": f"oint/{__version__}",
        }

    def _profile_client_id(self, prof: Any) -> str | None:
        """The client id a profile gives this API (`oint.core.profiles.Profile`)."""
        return str(prof.client_id)

    def _profile_secret(self, prof: Any) -> str:
        """The secret a profile gives this API, read when needed (the Api-Key)."""
        return str(prof.api_key())

    def _configure(
        self,
        client_id: str | int | None,
        api_key: str | None,
        base_url: str | None,
        profile: str | None,
        transport: Any,
    ) -> None:
        """`client_id`, `_api_key` and `base_url` from the arguments, the transport, the profile and
        the environment (see `__init__`)."""
        defaults = getattr(transport, self.default_credentials_attribute, None)
        own_url = getattr(transport, "base_url", None) if transport is not None else None
        chosen = profile or (None if defaults else os.environ.get("OINT_PROFILE"))
        prof = None
        url_source = "base_url"
        self._ca_file = None
        self._profile_limits: str | None = None
        if chosen:
            from oint.core.profiles import load_profile

            prof = load_profile(chosen, "" if profile else "OINT_PROFILE")
            if not base_url and prof.base_url:
                base_url, url_source = prof.base_url, f"profile {prof.name!r}: base_url"
            if prof.ca_file:
                self._ca_file = check_ca_file(prof.ca_file, f"profile {prof.name!r}: ca_file")
            self._profile_limits = prof.limits
        if not base_url and os.environ.get("OZON_BASE_URL"):
            base_url, url_source = os.environ["OZON_BASE_URL"], "OZON_BASE_URL"
        unknown_destination = False
        if isinstance(own_url, str) and own_url:
            base_url = own_url  # where the transport sends, whatever else says
        else:
            unknown_destination = transport is not None and not base_url
            check_base_url(base_url or self.default_base_url, url_source)
        if prof is not None:
            client_id = client_id if client_id not in (None, "") else self._profile_client_id(prof)
            api_key = api_key if api_key not in (None, "") else self._profile_secret(prof)
        if defaults and (client_id is None and api_key is None):
            client_id, api_key = defaults
        id_env, key_env = self.credential_env
        client_id = client_id if client_id not in (None, "") else os.environ.get(id_env)
        api_key = api_key if api_key not in (None, "") else os.environ.get(key_env)
        if not client_id or not api_key:
            id_name, key_name = self.credential_names
            raise UsageError(
                f"{id_name} and {key_name} are required (arguments, a profile, or {id_env} and {key_env})"
            )
        if unknown_destination:  # assuming Ozon would turn its limits on for a server that may be another
            raise UsageError(
                f"transport= {type(transport).__name__} does not say where it sends (it has no base_url): "
                f"pass base_url= too (e.g. base_url={OZON_BASE_URL!r} for Ozon itself), or give the "
                "transport a base_url attribute"
            )
        self.client_id = str(client_id)
        self._api_key = str(api_key)
        if not (self._api_key.isascii() and self._api_key.isprintable()):
            # checked once here, not by each transport: httpx's error would quote the header's value
            raise UsageError(
                f"{self.credential_names[1]} holds a character no HTTP header may carry "
                "(a line break, a non-ASCII letter?)"
            )
        self.base_url = (base_url or self.default_base_url).rstrip("/")

    def _default_transport(self, http_client: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r}, base_url={self.base_url!r})"

    @property
    def ca_file(self) -> str | None:
        """The CA certificates trusted besides the system's (`ca_file=` or a profile's), or None."""
        return self._ca_file

    @property
    def at_ozon(self) -> bool:
        """Whether the client sends to Ozon's own host (Ozon's limits apply)."""
        return self._at_ozon

    def server_time(self) -> float | None:
        """The server's notion of now (epoch seconds) where the transport plays a clock of its own
        (the sandbox in-process: `server_time()` of the transport), else None."""
        clock = getattr(self._transport, "server_time", None)
        return float(clock()) if callable(clock) else None

    def _token_request(self) -> Request:
        """The request that buys a bearer token (an API with a `_bearer` defines it)."""
        raise NotImplementedError

    def _accept_token(self, bearer: BearerToken, request: Request, answer: Any) -> dict[str, str]:
        """The headers of a token just bought; an answer without one is an `InvalidResponseError`
        that does not quote it (it may hold a token after all)."""
        try:
            return bearer.accept(answer, self._headers)
        except ValueError as e:
            raise InvalidResponseError(
                200, _dumps({"message": str(e)}).encode(), method=request.method, path=request.path
            ) from None

    def _set_api(self, api: str | None) -> None:
        """`api=`: kept as given; OInt's clients (`oint.compat.client`) check it and use it."""
        self.api = api or ""

    # ------------------------------------------------------------------ pure steps
    def _limit_wait(self, path: str) -> float:
        """0.0 when a call to `path` may go now (its slot is taken), else the seconds to wait
        before asking again, within Ozon's limits for this account."""
        return acquire_all([*self._global, *self._own_windows(path)])  # one slot in every window, at once

    def _limit_done(self, path: str) -> None:
        """The call to `path` whose slot `_limit_wait` took is over (answered or failed)."""
        release_all([*self._global, *self._own_windows(path)])

    def _own_windows(self, path: str) -> list[RateLimiter]:
        """The windows of `path`'s own limits for this account, in the client's store (None: the
        process's own)."""
        op = self.layer.find(path)
        rules = op.rate_limits if op else ()
        if self.limit_store is None:
            return [shared_limiter(self.client_id, path, n, s) for n, s in rules]
        return self.limit_store.windows(self.client_id, path, rules)

    def _api_day(self) -> dt.date:
        """The day of Ozon's API the client talks to: the transport's (`api_day()`, the embedded
        sandbox's API date) where it has one, else `OINT_OZON_TODAY` or today."""
        from oint.core.layer import today

        day_of = getattr(self._transport, "api_day", None)
        return day_of() if callable(day_of) else today()

    def _note_retired(self, req: Request) -> None:
        """Warn (once per process and endpoint), whatever the host, about a request to an endpoint
        Ozon switched off: its date and successor. The day is the server's API date where the
        transport plays one (the embedded sandbox: `api_day()`), else `oint.core.layer.today()`."""
        if req.path in _WARNED_RETIRED or req.path not in self.layer.retiring():
            return  # the usual case, a set look-up per call
        op = self.layer.find(req.path)
        if op is None or op.retired is None or not op.retired_on(self._api_day()):
            return
        _WARNED_RETIRED.add(req.path)

        successor = f"; its successor is {op.successor}" if op.successor else ""
        warnings.warn(
            f"{op} was switched off by Ozon on {op.retired}{successor}", RetiredEndpointWarning, stacklevel=4
        )

    @staticmethod
    def _encode(req: Request) -> bytes | None:
        return None if req.body is None else _dumps(req.body).encode()

    def _operation_request(
        self, operation: str, body: Mapping[str, Any] | None, path_params: dict[str, Any]
    ) -> Request:
        """The request for one operation of the client's API, by path or name (pure)."""

        try:
            return request(self.layer, operation, body, path_params)
        except KeyError as e:
            raise UsageError(str(e.args[0])) from None

    def _decode(self, req: Request, raw: RawResponse) -> Any:
        """The parsed JSON of a 2xx answer (bytes for a file such as a PDF label: `file_types`), or
        the error to raise for anything else."""
        if 200 <= raw.status < 300:
            if not raw.content:
                return {}
            if raw.headers.get("content-type", "").split(";")[0].strip() in self.file_types:
                return raw.content
            try:
                return json.loads(raw.content)
            except ValueError:
                raise InvalidResponseError(
                    raw.status, raw.content, method=req.method, path=req.path, headers=raw.headers
                ) from None
        raise error_for_status(raw.status, raw.content, method=req.method, path=req.path, headers=raw.headers)

    @staticmethod
    def _wrap_transport_error(req: Request, e: TransportError) -> APIConnectionError:
        cls: type[APIConnectionError] = APIConnectionError
        if isinstance(e, TransportTimeout):
            cls = APITimeoutError
        elif isinstance(e, TransportCertificateError):
            cls = APICertificateError
        return cls(f"{req.method} {req.path}: {e}", method=req.method, path=req.path)

    def _next_delay(self, attempt: int, error: OzonError, req: Request) -> float | None:
        delay = self.retry.delay(attempt, error)
        if delay is not None:
            import logging  # only when retrying: keeps the CLI's start-up lean

            logging.getLogger("oint.ozon").info(
                "%s %s failed (%s); retry %d in %.2fs", req.method, req.path, error, attempt + 1, delay
            )
        return delay


_WARNED_RETIRED: set[str] = set()


def check_ca_file(path: str, source: str) -> str:
    """`path` (with ~ expanded) if it is a readable PEM file of certificates; else UsageError naming
    `source` (e.g. "--ca-file")."""
    import ssl

    path = os.path.expanduser(path)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)  # the file alone
    except OSError as e:  # before ssl.SSLError, which is one
        if isinstance(e, ssl.SSLError):
            raise UsageError(f"{source}: {path!r} holds no PEM certificate ({e.reason or e})") from None
        raise UsageError(f"{source}: cannot read {path!r} ({e.strerror or type(e).__name__})") from None
    except ValueError as e:
        raise UsageError(f"{source}: {path!r} is not a certificate file ({e})") from None
    return path


def trusting(ca_file: str | None) -> Any:
    """The TLS context of oint's transports: the system's CAs, plus those of `ca_file` (or None:
    the transport's own default)."""
    if ca_file is None:
        return None
    import ssl

    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    return context


def _sync_transport(
    base_url: str, max_connections: int | None = None, ca_file: str | None = None
) -> SyncTransport:
    if _proxy_configured(base_url):
        from oint.core.transport.httpx_backend import HttpxTransport

        return HttpxTransport(base_url, max_connections=max_connections, ssl_context=trusting(ca_file))
    from oint.core.transport.fast import DEFAULT_MAX_CONNECTIONS, FastTransport

    return FastTransport(
        base_url, max_connections=max_connections or DEFAULT_MAX_CONNECTIONS, ssl_context=trusting(ca_file)
    )


def _async_transport(
    base_url: str, max_connections: int | None = None, ca_file: str | None = None
) -> AsyncTransport:
    if _proxy_configured(base_url):
        from oint.core.transport.httpx_backend import AsyncHttpxTransport

        return AsyncHttpxTransport(base_url, max_connections=max_connections, ssl_context=trusting(ca_file))
    from oint.core.transport.fast_async import DEFAULT_MAX_CONNECTIONS, AsyncFastTransport

    return AsyncFastTransport(
        base_url, max_connections=max_connections or DEFAULT_MAX_CONNECTIONS, ssl_context=trusting(ca_file)
    )


def _discard(transport: Any) -> None:
    """Close a transport the client made but will not keep (its construction failed)."""
    import inspect

    close = getattr(transport, "close", None)
    if callable(close) and not inspect.iscoroutinefunction(close):
        close()


async def _async_sleep(seconds: float) -> None:
    import asyncio  # imported on first use: the sync client and the CLI never need it

    await asyncio.sleep(seconds)


async def _in_thread(function: Callable[[str], T], argument: str) -> T:
    """`function(argument)` in a worker thread, the event loop free meanwhile."""
    import asyncio

    return await asyncio.to_thread(function, argument)


def _proxy_configured(base_url: str) -> bool:
    """Proxies are httpx's job: use it when the environment asks for one."""
    scheme = urlsplit(base_url).scheme
    names = ("https_proxy", "all_proxy") if scheme == "https" else ("http_proxy", "all_proxy")
    return any(os.environ.get(n) or os.environ.get(n.upper()) for n in names)


class SyncClientBase(_ClientCore):
    """A synchronous client without the per-method functions (see `OzonClient`)."""

    _transport: SyncTransport

    def _default_transport(self, http_client: Any) -> SyncTransport:
        if http_client is not None:
            from oint.core.transport.httpx_backend import HttpxTransport

            return HttpxTransport(self.base_url, client=http_client)
        return _sync_transport(self.base_url, self.max_connections, self._trust)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def send_raw(self, http_method: str, path: str, body: Any = None) -> RawResponse:
        """One attempt of one request with the client's credentials, headers and timeout, and no
        retries nor rate limits: the answer as it came (status, headers, body bytes), whatever its
        status. A transport failure raises `APIConnectionError` (`APITimeoutError`,
        `APICertificateError`). For drivers that keep their own limits and retries (bulk jobs)."""
        req = Request(http_method.upper(), path, body)
        headers = self._headers if self._bearer is None else self._authorization(self._bearer)
        try:
            return self._transport.request(req.method, req.path, headers, self._encode(req), self.timeout)
        except TransportError as e:
            raise self._wrap_transport_error(req, e) from e

    def request(self, http_method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call any Seller API endpoint: `client.request("POST", "/v2/warehouse/list", {"limit": 50})`."""
        return self._send(Request(http_method.upper(), path, body))

    def call(self, operation: str, body: Mapping[str, Any] | None = None, **path_params: Any) -> Any:
        """Call any operation of the Seller API by path or name:
        `client.call("/v3/posting/fbs/list", {...})` or `client.call("v3_posting_fbs_list", {...})`.
        The typed methods (`client.v3_posting_fbs_list(...)`) do the same."""
        return self._send(self._operation_request(operation, body, path_params))

    def iter_pages(self, operation: str, body: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every page (answer) of a paged operation, from the first to the last, one at a time;
        pages are as large as Ozon allows unless `body` sets the page size."""
        from oint.core import paging

        op = self.layer.operation(operation)
        page: dict[str, Any] | None = paging.first_body(op, dict(body or {}))
        while page is not None:
            answer = self._send(self._operation_request(op.path, page, {}))
            yield answer
            page = paging.next_body(op, page, answer)

    def iter_items(self, operation: str, body: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of every page of a paged operation (the typed `iter_…` methods do this)."""
        from oint.core import paging

        op = self.layer.operation(operation)
        for answer in self.iter_pages(op.path, body):
            yield from paging.page_items(op, answer)

    def _drive(self, flow: Flow) -> Any:
        """Run a flow (`oint.core.flow`): send its requests, sleep its waits, return its answer."""

        answer: Any = None
        error: OzonError | None = None
        while True:
            try:
                step = flow.send(answer) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value
            answer, error = None, None
            if isinstance(step, Wait):
                time.sleep(step.seconds)
                continue
            try:
                answer = self._send(step)
            except OzonError as e:
                error = e

    def _authorization(self, bearer: BearerToken) -> dict[str, str]:
        """The headers with a valid bearer token: the one held, else one bought now (one purchase
        for all the threads that need it)."""
        headers = bearer.headers()
        if headers is None:
            with bearer.lock:
                headers = bearer.headers()  # another thread may have bought it meanwhile
                if headers is None:
                    request = self._token_request()
                    headers = self._accept_token(bearer, request, self._send(request, authorized=False))
        return headers

    def _send(self, req: Request, authorized: bool = True) -> Any:
        body = self._encode(req)
        self._note_retired(req)
        bearer = self._bearer if authorized else None
        headers = self._headers
        renewed = False
        attempt = 0
        while True:
            if bearer is not None:  # a failure to buy a token is raised as it is (already retried)
                headers = self._authorization(bearer)
            while self.rate_limit and (wait := self._limit_wait(req.path)):
                time.sleep(wait)
            try:
                try:
                    raw = self._transport.request(req.method, req.path, headers, body, self.timeout)
                finally:
                    if self.rate_limit:
                        self._limit_done(req.path)
                return self._decode(req, raw)
            except TransportError as e:
                error: OzonError = self._wrap_transport_error(req, e)
            except APIStatusError as e:
                if bearer is not None and e.status == 401 and not renewed:
                    bearer.drop(headers)  # revoked or expired early: buy a new one, once
                    renewed = True
                    continue
                error = e
            delay = self._next_delay(attempt, error, req)
            if delay is None:
                raise error
            time.sleep(delay)
            attempt += 1


class AsyncClientBase(_ClientCore):
    """The async twin of `SyncClientBase` (see `AsyncOzonClient`)."""

    _transport: AsyncTransport
    _asynchronous = True

    def _default_transport(self, http_client: Any) -> AsyncTransport:
        if http_client is not None:
            from oint.core.transport.httpx_backend import AsyncHttpxTransport

            return AsyncHttpxTransport(self.base_url, client=http_client)
        return _async_transport(self.base_url, self.max_connections, self._trust)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def send_raw(self, http_method: str, path: str, body: Any = None) -> RawResponse:
        """One attempt of one request, its answer as it came (see `SyncClientBase.send_raw`)."""
        req = Request(http_method.upper(), path, body)
        headers = self._headers if self._bearer is None else await self._authorization(self._bearer)
        try:
            return await self._transport.request(
                req.method, req.path, headers, self._encode(req), self.timeout
            )
        except TransportError as e:
            raise self._wrap_transport_error(req, e) from e

    async def request(self, http_method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call any Seller API endpoint (see `OzonClient.request`)."""
        return await self._send(Request(http_method.upper(), path, body))

    async def call(self, operation: str, body: Mapping[str, Any] | None = None, **path_params: Any) -> Any:
        """Call any operation of the Seller API by path or name (see `OzonClient.call`)."""
        return await self._send(self._operation_request(operation, body, path_params))

    async def iter_pages(self, operation: str, body: Mapping[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every page of a paged operation, one at a time (see `OzonClient.iter_pages`)."""
        from oint.core import paging

        op = self.layer.operation(operation)
        page: dict[str, Any] | None = paging.first_body(op, dict(body or {}))
        while page is not None:
            answer = await self._send(self._operation_request(op.path, page, {}))
            yield answer
            page = paging.next_body(op, page, answer)

    async def iter_items(self, operation: str, body: Mapping[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every item of every page of a paged operation: `async for item in client.iter_items(...)`."""
        from oint.core import paging

        op = self.layer.operation(operation)
        async for answer in self.iter_pages(op.path, body):
            for item in paging.page_items(op, answer):
                yield item

    async def _drive(self, flow: Flow) -> Any:
        """Run a flow (see `SyncClientBase._drive`), awaiting its requests and waits."""

        answer: Any = None
        error: OzonError | None = None
        while True:
            try:
                step = flow.send(answer) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value
            answer, error = None, None
            if isinstance(step, Wait):
                await _async_sleep(step.seconds)
                continue
            try:
                answer = await self._send(step)
            except OzonError as e:
                error = e

    async def _authorization(self, bearer: BearerToken) -> dict[str, str]:
        """The headers with a valid bearer token (see `SyncClientBase._authorization`): one
        purchase for all the tasks that need it."""
        headers = bearer.headers()
        if headers is None:
            async with bearer.async_lock:
                headers = bearer.headers()
                if headers is None:
                    request = self._token_request()
                    answer = await self._send(request, authorized=False)
                    headers = self._accept_token(bearer, request, answer)
        return headers

    async def _limit_wait_async(self, path: str) -> float:
        """`_limit_wait` off the event loop when the windows are in a shared store (a round trip
        to Redis or a SQLite transaction); in the process's own windows, at once."""
        if self.limit_store is None:
            return self._limit_wait(path)
        return await _in_thread(self._limit_wait, path)

    async def _limit_done_async(self, path: str) -> None:
        """`_limit_done`, off the event loop for a shared store (see `_limit_wait_async`)."""
        if self.limit_store is None:
            self._limit_done(path)
        else:
            await _in_thread(self._limit_done, path)

    async def _send(self, req: Request, authorized: bool = True) -> Any:
        body = self._encode(req)
        self._note_retired(req)
        bearer = self._bearer if authorized else None
        headers = self._headers
        renewed = False
        attempt = 0
        while True:
            if bearer is not None:  # a failure to buy a token is raised as it is (already retried)
                headers = await self._authorization(bearer)
            while self.rate_limit and (wait := await self._limit_wait_async(req.path)):
                await _async_sleep(wait)
            try:
                try:
                    raw = await self._transport.request(req.method, req.path, headers, body, self.timeout)
                finally:
                    if self.rate_limit:
                        await self._limit_done_async(req.path)
                return self._decode(req, raw)
            except TransportError as e:
                error: OzonError = self._wrap_transport_error(req, e)
            except APIStatusError as e:
                if bearer is not None and e.status == 401 and not renewed:
                    bearer.drop(headers)
                    renewed = True
                    continue
                error = e
            delay = self._next_delay(attempt, error, req)
            if delay is None:
                raise error
            await _async_sleep(delay)
            attempt += 1
