"""`oint webhooks`: Ozon's push notifications, received (`oint.apis.webhooks`).

serve      the receiver over HTTP (uvicorn), its inbox, delivery, optional catch-up
list       the inbox's events, newest first (--failed: the parked ones)
replay     make a parked event (or every one: --failed) pending again
catch-up   put the events Ozon did not push, read from the Seller API
subscribe  /v1/notification/set: ask Ozon to push to a URL
status     /v1/notification/list: the URLs Ozon pushes to, and their state
"""

from __future__ import annotations

import json
import sys
from typing import Any

from oint.apps.cli.args import CREDENTIAL_OPTIONS, VALUE_OPTIONS, checked_options, did_you_mean, number_option
from oint.core.errors import APIConnectionError, APIStatusError, UsageError

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2
CLIENT_FLAGS = ("sandbox", "debug")
CLIENT_VALUES = tuple(name for name in (*VALUE_OPTIONS, *CREDENTIAL_OPTIONS) if name != "out")
SERVE_OWN = {
    "host": True,
    "port": True,
    "inbox": True,
    "handler": True,
    "exec": True,
    "forward": True,
    "allow-from": True,
    "trusted-proxy": True,
    "workers": True,
    "lease": True,
    "catch-up-every": True,
    "name": True,
}
# each command's own options (name -> takes a value), and whether it takes the client options
OPTIONS: dict[str, tuple[dict[str, bool], bool]] = {
    "serve": (SERVE_OWN, True),
    "list": ({"failed": False, "limit": True, "inbox": True}, False),
    "replay": ({"failed": False, "inbox": True}, False),
    "catch-up": ({"inbox": True}, True),
    "subscribe": ({"types": True}, True),
    "status": ({}, True),
}
SUBCOMMANDS = tuple(OPTIONS)


def options_of(command: str) -> dict[str, bool]:
    """Every option of a webhooks command, name -> takes a value (shell completion reads it)."""
    own, client = OPTIONS[command]
    table = dict(own)
    if client:
        table.update({name: False for name in CLIENT_FLAGS})
        table.update({name: True for name in CLIENT_VALUES})
    return table


RETIRED_TYPES = ("TYPE_CREATE_ITEM", "TYPE_UPDATE_ITEM")  # replaced by TYPE_CREATE_OR_UPDATE_ITEM (2023)

USAGE = """usage: oint webhooks serve [--host 127.0.0.1] [--port 8000] [--inbox PATH|URL]
                           [--handler module:function | --exec COMMAND | --forward URL]
                           [--allow-from CIDR,...] [--trusted-proxy CIDR,...] [--workers 4]
                           [--catch-up-every SECONDS (and the client options)]
       oint webhooks list [--failed] [--limit 50] [--inbox PATH|URL]
       oint webhooks replay ID|--failed [--inbox PATH|URL]
       oint webhooks catch-up [--inbox PATH|URL] [client options]
       oint webhooks subscribe URL [--types TYPE,...] [client options]
       oint webhooks status [client options]

Receive Ozon's push notifications. Every event is committed to the inbox (a SQLite file, default
oint-webhooks.db, or a postgresql:// URL that several receivers share) before the answer 200, and
then delivered, at least once and in order per posting, to a Python function (--handler), a shell
command given the JSON on stdin (--exec) or a URL (--forward); failures are retried with a growing
delay, then parked ('list --failed', 'replay').

--allow-from    the networks that may push (default Ozon's: 195.34.21.0/24, 185.73.192.0/22,
                91.223.93.0/24); others are answered 403 and logged
--trusted-proxy the proxies (nginx) whose X-Forwarded-For tells the pusher's address
--catch-up-every  also read the Seller API every SECONDS for events Ozon did not push
--workers N     delivery threads (default 4); --lease S: how long a receiver holds an event it
                delivers before another may take it (default 60, renewed while the handler runs)
--name NAME     the application name TYPE_PING is answered with (default oint)
client options  --profile NAME | --clientid ID --apikey KEY, --sandbox [--db FILE], --base-url URL,
                --timeout S, --retries N, --ca-file PEM, --debug (as for every call)
"""


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return EXIT_OK
    command, rest = argv[0].lower(), argv[1:]
    if command not in SUBCOMMANDS:
        hint = did_you_mean(command, SUBCOMMANDS)
        raise UsageError(f"unknown webhooks command {argv[0]!r}{hint}: 'oint webhooks --help' lists them")
    if any(token in ("-h", "--help") for token in rest):
        sys.stdout.write(USAGE)
        return EXIT_OK
    handlers = {
        "serve": _serve,
        "list": _list,
        "replay": _replay,
        "catch-up": _catch_up,
        "subscribe": _subscribe,
        "status": _status,
    }
    return handlers[command](rest)


# ------------------------------------------------------------------ options
def _options(tokens: list[str], command: str) -> dict[str, str | None]:
    return checked_options(tokens, options_of(command), "oint webhooks --help")


def _positional(tokens: list[str], what: str) -> tuple[str | None, list[str]]:
    if tokens and not tokens[0].startswith("--"):
        return tokens[0], tokens[1:]
    return None, tokens


def _client(options: dict[str, str | None]) -> Any:
    from oint.apps.cli.main import make_client

    flags = {name for name in CLIENT_FLAGS if name in options}
    settings = {name: str(value) for name, value in options.items() if name in CLIENT_VALUES}
    return make_client(flags, settings)


def _uses_client(options: dict[str, str | None]) -> bool:
    return any(name in options for name in (*CLIENT_FLAGS, *CLIENT_VALUES))


def _inbox(options: dict[str, str | None]) -> Any:
    from oint.apis.webhooks import DEFAULT_INBOX
    from oint.apis.webhooks.inbox import open_inbox

    where = options.get("inbox") or DEFAULT_INBOX
    return open_inbox(where)


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _print(doc: Any) -> int:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return EXIT_OK


# ------------------------------------------------------------------ serve
def _serve(tokens: list[str]) -> int:
    options = _options(tokens, "serve")
    from oint.apis import webhooks
    from oint.apis.webhooks.delivery import load_handler
    from oint.apis.webhooks.receiver import OZON_NETWORKS

    host = options.get("host") or "127.0.0.1"
    port = number_option(options, "port", 8000, int, noun="a port number", sign="not negative")
    workers = number_option(options, "workers", 4, int, noun="a whole number", sign="positive")
    lease = number_option(options, "lease", 60.0, sign="positive")
    every = number_option(options, "catch-up-every", None, sign="positive")
    allow = _csv(options.get("allow-from")) if "allow-from" in options else list(OZON_NETWORKS)
    if not allow:
        raise UsageError("--allow-from: needs at least one network (e.g. 127.0.0.1/32)")
    if _uses_client(options) and every is None:
        raise UsageError("client options apply to --catch-up-every only")
    handler = load_handler(str(options["handler"])) if options.get("handler") else None
    if "exec" in options and not options.get("exec"):
        raise UsageError("--exec: needs a command")
    client = _client(options) if every is not None else None
    from oint.apis.webhooks.inbox import open_inbox

    inbox = open_inbox(options.get("inbox") or webhooks.DEFAULT_INBOX)
    try:
        app = webhooks.app(
            inbox,
            handler=handler,
            exec_command=options.get("exec"),
            forward=options.get("forward"),
            allow_from=allow,
            trusted_proxies=_csv(options.get("trusted-proxy")),
            workers=workers,
            lease=lease,
            catch_up_client=client,
            catch_up_every=every,
            name=options.get("name") or "oint",
        )
        _run_server(app, host, port, inbox.where)
    finally:
        if client is not None:
            client.close()
        inbox.close()
    return EXIT_OK


def _run_server(app: Any, host: str, port: int, where: str) -> None:
    import logging

    try:
        import uvicorn
    except ImportError:
        raise UsageError("oint webhooks serve needs uvicorn: pip install 'oint[serve]'") from None
    from oint.core.listen import listening_sockets, shown

    logging.basicConfig(stream=sys.stderr, format="oint webhooks: %(message)s")
    logging.getLogger("oint.webhooks").setLevel(logging.INFO)
    sockets = listening_sockets(host, port)  # a busy port or no such address: one line, exit 2

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                bound = [s.getsockname()[:2] for server in self.servers for s in server.sockets or ()]
                at_host, at_port = bound[0] if bound else (host, port)
                sys.stderr.write(
                    f"oint webhooks: listening on http://{shown(at_host, at_port)}, inbox {where}\n"
                )
                sys.stderr.flush()

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    Server(config).run(sockets=sockets)


# ------------------------------------------------------------------ the inbox
def _list(tokens: list[str]) -> int:
    options = _options(tokens, "list")
    limit = number_option(options, "limit", 50, int, noun="a whole number", sign="positive")
    inbox = _inbox(options)
    try:
        rows = inbox.recent(state="parked" if "failed" in options else None, limit=limit)
        return _print({"counts": inbox.counts(), "events": [row.summary() for row in rows]})
    finally:
        inbox.close()


def _replay(tokens: list[str]) -> int:
    target, tokens = _positional(tokens, "ID")
    options = _options(tokens, "replay")
    if (target is None) == ("failed" not in options):
        raise UsageError("replay: give an event's ID or --failed (every parked event)")
    event_id: int | None = None
    if target is not None:
        try:
            event_id = int(target)
        except ValueError:
            raise UsageError(
                f"replay: {target!r} is not an event's id ('oint webhooks list' shows them)"
            ) from None
    inbox = _inbox(options)
    try:
        if event_id is not None and inbox.get(event_id) is None:
            raise UsageError(f"replay: no event {event_id} in {inbox.where}")
        count = inbox.replay(event_id)
        return _print({"replayed": count})
    finally:
        inbox.close()


def _catch_up(tokens: list[str]) -> int:
    options = _options(tokens, "catch-up")
    from oint.apis.webhooks.catchup import catch_up

    client = _client(options)
    inbox = _inbox(options)
    try:
        report = catch_up(client, inbox)
    except APIStatusError as e:
        return _print_error(e.to_dict())
    except APIConnectionError as e:
        sys.stderr.write(f"oint: {e}\n")
        return EXIT_API
    finally:
        client.close()
        inbox.close()
    return _print(report.summary())


def _print_error(doc: Any) -> int:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return EXIT_API


# ------------------------------------------------------------------ subscriptions
def push_types() -> list[str]:
    """The push types `/v1/notification/set` takes (from the operation layer's schema)."""
    from oint.apis.seller import spec

    schema = spec.schemas()["SetNotification"]
    return list(schema["properties"]["types"]["items"]["enum"])


def _subscribe(tokens: list[str]) -> int:
    url, tokens = _positional(tokens, "URL")
    options = _options(tokens, "subscribe")
    if not url:
        raise UsageError("subscribe: give the URL Ozon should push to (https://...)")
    from oint.core.base_url import check_base_url

    check_base_url(url, "subscribe URL")
    known = push_types()
    types = _csv(options.get("types")) or [t for t in known if t not in RETIRED_TYPES]
    for name in types:
        if name not in known:
            raise UsageError(f"--types: unknown push type {name!r}{did_you_mean(name, known)}")
    from oint.apps.cli.main import run_call

    client = _client(options)
    return run_call(client, lambda c: c.call("/v1/notification/set", {"url": url, "types": types}), None)


def _status(tokens: list[str]) -> int:
    options = _options(tokens, "status")
    from oint.apps.cli.main import run_call

    client = _client(options)
    return run_call(client, lambda c: c.call("/v1/notification/list", {}), None)
