"""`oint sandbox ...`: serve the sandbox over HTTP, reset it, inject faults, add accounts."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING

from oint.apps.cli.args import checked_options, did_you_mean, number_option
from oint.core.errors import UsageError

if TYPE_CHECKING:
    from oint.sandbox.core import Sandbox

USAGE = """oint sandbox: a local emulator of the Ozon Seller API

  oint sandbox serve [--host 127.0.0.1] [--port 8080] [--db PATH] [--quiet] [--no-rate-limit]
        [--limit-per-ip] [--api-date YYYY-MM-DD] [--admin-token TOKEN]
        serve it over HTTP (use with --base-url http://127.0.0.1:8080); --no-rate-limit turns
        off Ozon's 50 requests/s per Client-Id (for benchmarks; OINT_SANDBOX_RATE_LIMITS=0 too);
        --api-date plays Ozon's API of that day (default: today, or OINT_SANDBOX_API_DATE):
        endpoints Ozon had switched off by then answer 410 "obsolete method cannot be used"
  oint sandbox reset [--db PATH]
        back to the demo account (Client-Id 2128753, Api-Key 7cc90d26-33e4-499b...)
  oint sandbox account [--clientid ID] [--db PATH]
        show an account (the demo one by default) with its Performance API credentials
  oint sandbox account --clientid ID --apikey KEY [--empty] [--rotate-key] [--key-expires DATE]
        [--db PATH]
        add another seller account (with a copy of the demo catalogue unless --empty);
        an existing account is refused (exit 2) unless --rotate-key replaces its key;
        --key-expires sets the expiry /v1/roles answers (alone: of an existing account's key)
  oint sandbox fault --status 429 [--path /v1/...] [--times 1] [--retry-after 2] [--delay S]
        [--body TEXT|JSON] [--db PATH]: make the next requests fail, to test error handling;
        --push drop|delay [--times N] [--delay S] [--types T,...]: drop or hold back pushes
  oint sandbox faults-clear [--db PATH]
  oint sandbox seed --products N [--prefix SEED] [--clientid ID] [--db PATH]
        add N products ready for stocks and prices (offer ids PREFIX-000001...): fast,
        for bulk jobs and benchmarks
  oint sandbox clock [--freeze | --unfreeze] [--rate N] [--set TIME] [--advance D] [--db PATH]
        show or change the sandbox's clock (every process on the state file shares it)
  oint sandbox advance DURATION [--db PATH]
        move sandbox time on (2h, 30m, 1d12h, 1w): orders, deliveries, returns due meanwhile happen
  oint sandbox buyers --orders-per-day N [--seed S] [--fbo-share F] [--clientid ID] [--db PATH]
        buyers order what is on sale as sandbox time passes (--orders-per-day 0 stops them)
  oint sandbox push [--url URL [--types T,...] | --off] [--send] [--clientid ID] [--db PATH]
        push notifications as Ozon sends them: to URL (all types, or those), resent and
        suspended by Ozon's rules on the sandbox clock; alone: the state and the newest pushes
  oint sandbox where
        print the state file used by --sandbox
  oint sandbox routes [WORD]
        how each operation is answered: stateful (a model), structural (a well-formed answer
        from its schema) or retired (410 from Ozon's switch-off date); WORD filters

The state file: --db, else OINT_SANDBOX_DB, else ~/.local/state/oint/sandbox.sqlite3.
'oint sandbox COMMAND --help' shows one command.
"""

HELP = {
    "serve": """usage: oint sandbox serve [--host 127.0.0.1] [--port 8080] [--db PATH] [--quiet]
                          [--no-rate-limit] [--limit-per-ip] [--api-date YYYY-MM-DD]
                          [--admin-token TOKEN] [--allowed-host NAME[,NAME...]]
                          [--push-to HOST[,HOST...]]

Serve the sandbox over HTTP until interrupted; point clients at it with
--base-url http://HOST:PORT. A browser sees the state, read-only, at
http://HOST:PORT/__sandbox/ (the web view). Once it listens, it prints on stdout its address,
the web view's, the state file and the demo account (Client-Id 2128753 and its public key;
a key it was given since with 'oint sandbox account --rotate-key' is masked). Each request is
then logged on stderr, one line: time (UTC), method, path, status, duration.

  --host H            address to listen on (default 127.0.0.1). An address other machines can
                      reach needs an admin token: the admin routes (/__sandbox/...) reset the
                      state and inject faults
  --port N            port (default 8080; 0 picks a free one)
  --db PATH           state file (default: OINT_SANDBOX_DB, else ~/.local/state/oint/sandbox.sqlite3)
  --quiet             no request log: only warnings and errors on stderr
  --no-rate-limit     turn off Ozon's 50 requests/s per Client-Id (OINT_SANDBOX_RATE_LIMITS=0 too)
  --limit-per-ip      keep the 50 requests/s per client address as well, across accounts
                      (OINT_SANDBOX_LIMIT_PER_IP=1 too); GET /__sandbox/limits shows what
                      each window saw
  --api-date DATE     play Ozon's API of that day, YYYY-MM-DD (default: today, or
                      OINT_SANDBOX_API_DATE): endpoints switched off by then answer 410
  --admin-token TOKEN require the header 'Authorization: Bearer TOKEN' on /__sandbox/...
                      (or set OINT_SANDBOX_ADMIN_TOKEN); the web view takes it as the Basic auth
                      password or once as ?token=TOKEN
  --allowed-host NAMES the admin routes and the web view answer only requests whose Host is
                      this machine (localhost, 127.0.0.1, ::1) or the --host address; add the
                      names clients use for it, comma-separated (or OINT_SANDBOX_ALLOWED_HOSTS).
                      Admin writes take JSON only, and nothing from another site's web page
  --push-to HOSTS     push notifications go only to loopback addresses (127.0.0.1, ::1,
                      localhost); add the hosts of your receivers, comma-separated (or
                      OINT_SANDBOX_PUSH_TO). A push to another host is not sent: its attempt
                      says why, on the Pushes page and in GET /__sandbox/push
""",
    "reset": """usage: oint sandbox reset [--db PATH]

Put the state file back to the demo account (Client-Id 2128753, Api-Key 7cc90d26-33e4-499b...).
A state file that is not a usable database is moved aside to PATH.broken-<time>, not deleted.
""",
    "account": """usage: oint sandbox account [--clientid ID] [--db PATH]
       oint sandbox account --clientid ID --apikey KEY [--name NAME] [--empty]
                            [--key-expires DATE] [--db PATH]
       oint sandbox account --clientid ID --apikey KEY --rotate-key [--key-expires DATE] [--db PATH]
       oint sandbox account --clientid ID --key-expires DATE [--db PATH]

Add another seller account, with a copy of the demo catalogue (or none with --empty).
An account that exists is left as it is: one line on stderr, exit 2 (as gh refuses to create
what exists). --rotate-key gives an existing account the new key KEY and changes nothing else.
A key expires, as Ozon's do, three months after it was made (on the sandbox clock), or at
--key-expires DATE (YYYY-MM-DD: the start of that day, UTC; or 2027-03-01T12:00:00Z); /v1/roles
answers it as expires_at, and 'oint doctor' warns about it. Once the sandbox clock passes it, every
Seller API call with the key is refused as Ozon refuses a deactivated key (403, code 7, "Api-key is
deactivated, ..."). With --clientid and --key-expires only, an existing account's key gets that
expiry and nothing else changes: this renews an expired key, the demo account's too
(oint sandbox account --clientid 2128753 --key-expires 2027-12-31).

Without --apikey (and without --key-expires), show the account (the demo account, Client-Id
2128753, without --clientid): its name, the expiry of its key, and the client id and secret of
its Performance API (advertising), which POST /api/client/token exchanges for a token. The demo
account's are 2128753-1700000000001@advertising.performance.ozon.ru and
oint-demo-performance-secret-2128753; every account added gets its own.
""",
    "fault": """usage: oint sandbox fault [--status 500] [--path *] [--times 1] [--retry-after S]
                          [--delay S] [--body TEXT|JSON] [--db PATH]
       oint sandbox fault --push drop|delay [--times 1] [--delay S] [--types T,...] [--db PATH]

Make the next --times requests to --path ("*" = any, else a path starting with /) answer with
--status (100-599; 0 with --delay only slows the real answer down). --body: a JSON object, or
text sent as HTML; without it Ozon's error JSON for the status. --retry-after adds that header.

With --push, the next --times push notifications (of --types, any without) are dropped (never
sent: a receiver's catch-up has to find what they said) or held back --delay seconds of sandbox
time (Ozon warns that new-order pushes may come late).
""",
    "push": """usage: oint sandbox push [--url URL [--types T,...] | --off] [--send] [--clientid ID]
                         [--db PATH]

Push notifications of an account (default the demo one), as Ozon sends them: every event of the
marketplace (new postings, cancellations, status changes, stock changes, product imports, buyers'
chat messages) is POSTed as JSON to URL, for the chosen --types (comma-separated, e.g.
TYPE_NEW_POSTING,TYPE_POSTING_CANCELLED; all by default). A TYPE_PING comes first. An answer
other than 200, or none within 5 s, is resent a few seconds later, then at growing gaps up to 10
minutes, then five more times every 10 minutes, then given up. All pushes are suspended when the
service has answered only errors for 24 hours, answered 200 to fewer than half of them, or was
slower than 5 s; --url again confirms the URL and resumes them. Time is the sandbox's clock.
--off stops the pushes. A server ('oint sandbox serve') sends them itself; --send sends what is
due now from this process (the sandbox of --sandbox calls). The same over the API:
/v1/notification/set, list, update, enable, delete, check, push-type/list.
Prints the state as JSON: endpoints, active or suspended (since, why), pushes by state, the
newest pushes with their attempts and answers. A finished push is pruned three days of sandbox
time after it finished (pending ones stay); "pruned" counts those removed, by state.
""",
    "faults-clear": """usage: oint sandbox faults-clear [--db PATH]

Remove every injected fault.
""",
    "seed": """usage: oint sandbox seed --products N [--prefix SEED] [--clientid ID] [--db PATH]

Add N products to an account (default the demo one), spread over the category tree, with names,
prices, dimensions, barcodes and pictures, already created at Ozon (a SKU), so that stocks and
prices can be set at once. Offer ids: PREFIX-000001, PREFIX-000002, ... (numbering goes on where
an earlier seed with the same prefix stopped). 100,000 products take a few seconds.
""",
    "clock": """usage: oint sandbox clock [--freeze | --unfreeze] [--rate N] [--set TIME] [--advance D]
                          [--db PATH]

Show the sandbox's clock (now, frozen, rate) as JSON, or change it: --freeze stops it, --unfreeze
lets it run again, --rate N runs it N times faster than its base (the wall clock; below 1:
slower), --set TIME puts it at a moment (2026-12-01T10:00:00Z), --advance D moves it on (2h, 1d,
1w, seconds). The clock lives in the state file: a server on the same file follows it. Moving it
on makes what was due meanwhile happen (buyers' orders, deliveries, returns, ...). The admin
route GET|POST /__sandbox/clock does the same over HTTP; 'oint sandbox reset' forgets changes.
""",
    "advance": """usage: oint sandbox advance DURATION [--db PATH]

Move the sandbox's time on by DURATION: 2h, 30m, 1d12h, 1w, or seconds. What was due meanwhile
happens now, in time order: buyers' orders, handovers, deliveries, returns, reviews.
It reports what happened, counted from the event log over the advanced period: on stdout the
clock as JSON with "happened" ({client id: {event type: count}}), on stderr the same in words,
one line an account ("account 2128753: 19 orders, 4 delivered, 1 returned"). A key that expired
meanwhile (three months after it was made, the demo account's too) is named on stderr with the
command that renews it: its calls are refused from then on, as Ozon refuses an expired key.
""",
    "buyers": """usage: oint sandbox buyers --orders-per-day N [--seed S] [--fbo-share F] [--clientid ID]
                           [--cancel-share F] [--return-share F] [--review-share F] [--db PATH]

Let buyers order from an account (default the demo one) as sandbox time passes: N orders a day
on average (0 stops them), drawn from seed S (the same seed and timeline give the same orders),
for products on sale with stock on the seller's FBS/rFBS warehouses, or with the share F
(0 to 1) on FBO stock. Shares of buyers cancel, return, review. Without options: the settings.
Time passes with the clock ('oint sandbox advance 1d', or a server's wall clock).
""",
    "where": """usage: oint sandbox where

Print the state file that --sandbox calls use.
""",
    "routes": """usage: oint sandbox routes [WORD]

List the operations the sandbox answers, one a line: verb, path, kind and Ozon's title.
  stateful    a model answers from the account's state (and changes it)
  structural  a well-formed, deterministic answer built from the operation's response schema
  retired     no model; Ozon switched it off: 410 from that date (structural before)
WORD keeps the lines whose path, kind or title holds it (any case), e.g. 'stateful' or 'posting'.
""",
}


def _wants_help(argv: list[str]) -> bool:
    return any(a in ("-h", "--help") for a in argv)


def _options(argv: list[str], allowed: dict[str, bool]) -> dict[str, str | None]:
    """Options of a subcommand; `allowed` maps name -> takes a value."""
    return checked_options(argv, allowed, "oint sandbox")


def _int(opts: dict[str, str | None], name: str, default: int) -> int:
    value: int = number_option(opts, name, default, int, noun="a whole number")
    return value


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    sub, rest = argv[0].lower(), argv[1:]
    if sub in HELP and _wants_help(rest):
        sys.stdout.write(HELP[sub])
        return 0
    if sub == "serve":
        return _serve(rest)
    if sub == "routes":
        return _routes(rest)

    from oint.sandbox.core import Sandbox
    from oint.sandbox.store import default_db_path

    if sub == "where":
        _options(rest, {})
        sys.stdout.write(default_db_path() + "\n")
        return 0
    if sub == "reset":
        opts = _options(rest, {"db": True})
        return _reset(opts.get("db"))
    if sub == "account":
        return _account(rest)
    if sub == "fault":
        return _fault(rest)
    if sub == "faults-clear":
        opts = _options(rest, {"db": True})
        sb = Sandbox(opts.get("db"))
        sb.clear_faults()
        sb.close()
        return 0
    if sub == "clock":
        return _clock_cmd(rest)
    if sub == "advance":
        words = [a for i, a in enumerate(rest) if not a.startswith("-") and (i == 0 or rest[i - 1] != "--db")]
        options = [a for a in rest if a not in words]
        db = _options(options, {"db": True}).get("db")
        if len(words) != 1:
            raise UsageError(
                "oint sandbox advance needs a duration, e.g. 2h, 1d, 30m (see: oint sandbox advance --help)"
            )
        return _advance(db, words[0])
    if sub == "buyers":
        return _buyers(rest)
    if sub == "push":
        return _push(rest)
    if sub == "seed":
        return _seed(_options(rest, {"products": True, "prefix": True, "clientid": True, "db": True}))
    raise UsageError(f"unknown sandbox command {sub!r}{did_you_mean(sub, HELP)} (see: oint sandbox)")


def _account(rest: list[str]) -> int:
    """Add an account; an existing one is left alone (exit 2, as `gh label create` refuses a label
    that exists) unless `--rotate-key` asks to replace its key, which changes nothing else."""
    from oint.sandbox.core import Sandbox
    from oint.sandbox.demo import add_account

    opts = _options(
        rest,
        {
            "clientid": True,
            "apikey": True,
            "name": True,
            "empty": False,
            "rotate-key": False,
            "key-expires": True,
            "db": True,
        },
    )
    client_id, api_key = str(opts.get("clientid") or ""), str(opts.get("apikey") or "")
    expires = _key_expires(opts.get("key-expires"))
    if expires is not None and client_id and not api_key and set(opts) <= {"clientid", "key-expires", "db"}:
        return _set_key_expiry(opts.get("db"), client_id, expires)
    if not api_key and set(opts) <= {"clientid", "db"}:
        return _show_account(opts.get("db"), client_id)
    if not client_id or not api_key:
        raise UsageError("oint sandbox account needs --clientid and --apikey")
    rotate = "rotate-key" in opts
    if rotate and ("empty" in opts or "name" in opts):
        raise UsageError("--rotate-key changes only the key: --empty and --name are for a new account")
    sb = Sandbox(opts.get("db"))
    try:
        with sb.store.transaction():
            existing = sb.store.get("*", "account", client_id)
            if existing is not None and not rotate:
                raise UsageError(
                    f"sandbox account {client_id} already exists in {sb.store.path}; "
                    "its key stays (--rotate-key replaces it)"
                )
            if existing is None and rotate:
                raise UsageError(
                    f"no sandbox account {client_id} to give a new key (add it without --rotate-key)"
                )
            if existing is not None:
                from oint.sandbox.demo import key_expiry

                new_expiry = expires or key_expiry(sb.clock())
                sb.store.put(
                    "*", "account", client_id, {**existing, "api_key": api_key, "key_expires_at": new_expiry}
                )
                done = "key replaced"
            else:
                add_account(
                    sb.store,
                    client_id,
                    api_key,
                    opts.get("name") or "",
                    now=sb.clock(),
                    with_demo_data="empty" not in opts,
                    key_expires=expires,
                )
                done = "added" + (" (empty)" if "empty" in opts else " with a copy of the demo catalogue")
            doc = sb.store.get("*", "account", client_id)
        sys.stdout.write(f"account {client_id} {done} in {sb.store.path}\n")
        if done != "key replaced":
            sys.stdout.write(_performance_lines(doc))
    finally:
        sb.close()
    return 0


def _key_expires(text: str | None) -> str | None:
    """`--key-expires`: a day (its start, UTC) or a moment, as `/v1/roles` writes it; None if not given."""

    if text is None:
        return None
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.timezone.utc)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise UsageError(
            f"--key-expires: expected a date YYYY-MM-DD or a time 2027-03-01T12:00:00Z, got {text!r}"
        ) from None
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _performance_lines(doc: dict[str, object]) -> str:
    from oint.sandbox.model.performance.auth import account_credentials

    performance_id, secret = account_credentials(doc)
    return f"Performance API client id: {performance_id}\nPerformance API client secret: {secret}\n"


def _show_account(db: str | None, client_id: str) -> int:
    """`oint sandbox account [--clientid ID]`: the account (the demo's by default) and its
    Performance API credentials; never its Api-Key, unless it is the demo's published one."""
    from oint.sandbox.core import Sandbox
    from oint.sandbox.demo import DEMO_API_KEY, DEMO_CLIENT_ID

    client_id = client_id or DEMO_CLIENT_ID
    sb = Sandbox(db)
    try:
        with sb.store.transaction():
            doc = sb.store.get("*", "account", client_id)
        if doc is None:
            raise UsageError(f"no sandbox account {client_id} in {sb.store.path}")
        key = doc.get("api_key")
        lines = [
            f"account {client_id} ({doc.get('name') or 'no name'}) in {sb.store.path}",
            f"Client-Id: {client_id}",
            f"Api-Key: {key if key == DEMO_API_KEY else '(as given when it was added)'}",
            f"key expires: {doc.get('key_expires_at') or '-'}",
        ]
        sys.stdout.write("\n".join(lines) + "\n" + _performance_lines(doc))
    finally:
        sb.close()
    return 0


def _set_key_expiry(db: str | None, client_id: str, expires: str) -> int:
    """Give an existing account's key the expiry `expires`; nothing else changes."""
    from oint.sandbox.core import Sandbox

    sb = Sandbox(db)
    try:
        with sb.store.transaction():
            existing = sb.store.get("*", "account", client_id)
            if existing is None:
                raise UsageError(f"no sandbox account {client_id} in {sb.store.path}")
            sb.store.put("*", "account", client_id, {**existing, "key_expires_at": expires})
        sys.stdout.write(f"account {client_id}: key expires {expires}\n")
    finally:
        sb.close()
    return 0


def _routes(rest: list[str]) -> int:
    from oint.sandbox.routes import KINDS, matching

    words = [a for a in rest if not a.startswith("-")]
    _options([a for a in rest if a.startswith("-")], {})
    if len(words) > 1:
        raise UsageError("oint sandbox routes takes at most one word (see: oint sandbox routes --help)")
    found = matching(words[0] if words else None)
    counts = ", ".join(f"{sum(r.kind == k for r in found)} {k}" for k in KINDS)
    sys.stdout.write("".join(r.line() + "\n" for r in found) + f"{len(found)} operations: {counts}\n")
    return 0


def _serve(rest: list[str]) -> int:
    opts = _options(
        rest,
        {
            "host": True,
            "port": True,
            "db": True,
            "quiet": False,
            "no-rate-limit": False,
            "limit-per-ip": False,
            "api-date": True,
            "admin-token": True,
            "allowed-host": True,
            "push-to": True,
        },
    )
    port = _int(opts, "port", 8080)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port: {port} is not a port number")
    api_date = opts.get("api-date")
    from oint.sandbox.core import API_DATE_ENV, parse_api_date

    try:
        parse_api_date(api_date if api_date is not None else os.environ.get(API_DATE_ENV))
    except ValueError as e:
        where = "--api-date" if api_date is not None else API_DATE_ENV
        raise UsageError(f"{where}: {e}") from None
    host = opts.get("host") or "127.0.0.1"
    token = opts.get("admin-token") or os.environ.get("OINT_SANDBOX_ADMIN_TOKEN") or None
    from oint.sandbox.app import is_loopback, serve

    if not is_loopback(host) and token is None:
        raise UsageError(
            f"--host {host}: other machines could reset the sandbox and inject faults; "
            "give --admin-token TOKEN (or OINT_SANDBOX_ADMIN_TOKEN) to protect /__sandbox/..."
        )

    def listening(url: str, state_file: str, api_key: str | None) -> None:
        sys.stdout.write(banner(url, state_file, api_key, token is not None))
        sys.stdout.flush()

    def log_request(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    serve(
        host,
        port,
        opts.get("db"),
        log_request=None if "quiet" in opts else log_request,
        on_listening=listening,
        rate_limits=False if "no-rate-limit" in opts else None,
        limit_per_ip=True if "limit-per-ip" in opts else None,
        api_date=api_date,
        admin_token=token,
        allowed_hosts=_names(opts.get("allowed-host") or os.environ.get("OINT_SANDBOX_ALLOWED_HOSTS")),
        push_hosts=_names(opts.get("push-to") or os.environ.get("OINT_SANDBOX_PUSH_TO")),
    )
    return 0


def _names(text: str | None) -> tuple[str, ...]:
    """Comma-separated names, blanks dropped."""
    return tuple(name.strip() for name in (text or "").split(",") if name.strip())


def banner(url: str, state_file: str, api_key: str | None, admin_token: bool) -> str:
    """What `oint sandbox serve` prints once it listens at `url`: the address, the web view, the
    state file and the demo account. Its key is shown while it is the public demo key (the one
    OInt's documentation prints); a key given to it since (`--rotate-key`) is masked."""
    from oint.sandbox.demo import DEMO_API_KEY, DEMO_CLIENT_ID

    shown = api_key == DEMO_API_KEY
    if api_key is None:
        key = "(no demo account in this state file: oint sandbox reset)"
    elif shown:
        key = api_key
    else:
        key = "******** (masked: not the public demo key)"
    try_key = f"'{api_key}'" if shown else "KEY"
    lines = [
        f"oint sandbox: the Ozon Seller API sandbox is listening at {url}",
        f"  web view:    {url}/__sandbox/" + (" (admin token required)" if admin_token else ""),
        f"  state file:  {state_file}",
        f"  Client-Id:   {DEMO_CLIENT_ID}",
        f"  Api-Key:     {key}",
        f"  try:         oint ozon GetProductList --base-url {url} "
        f"--clientid {DEMO_CLIENT_ID} --apikey {try_key}",
        "  Performance: the advertising API at /api/client/... too (credentials: oint sandbox account)",
        "  Ctrl-C stops it; each request is logged on stderr (--quiet: not logged)",
    ]
    return "\n".join(lines) + "\n"


def _reset(db: str | None) -> int:
    """Reset to the demo state; a state file that is not a usable database is moved aside first."""
    from oint.sandbox.core import Sandbox
    from oint.sandbox.errors import SandboxStateError
    from oint.sandbox.store import default_db_path, move_aside

    path = db or default_db_path()
    try:
        sb = Sandbox(path)
    except SandboxStateError as e:
        if e.kind != "damaged" or not os.path.isfile(path):
            raise  # a directory, no permission: nothing to move aside
        try:
            aside = move_aside(path)
        except OSError as e:
            raise UsageError(f"sandbox state file {path}: cannot be moved aside: {e.strerror}") from None
        sys.stderr.write(f"oint: sandbox state file {path} was not usable; moved it to {aside}\n")
        sb = Sandbox(path)
    try:
        sb.reset()
    finally:
        sb.close()
    sys.stdout.write(f"sandbox reset: {path}\n")
    return 0


def _types(text: str | None, ping: bool = False) -> list[str] | None:
    """Push types from "T1,T2" (checked: exit 2 naming an unknown one; TYPE_PING only if `ping`);
    None without."""
    if text is None:
        return None
    from oint.sandbox.model.pushes import PING, TYPES

    names = [t.strip().upper() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in TYPES and not (ping and t == PING)]
    if unknown or not names:
        raise UsageError(
            f"--types: unknown push type {', '.join(unknown) or repr(text)} (known: {', '.join(TYPES)})"
        )
    return names


def _push(rest: list[str]) -> int:
    from oint.sandbox.core import Sandbox
    from oint.sandbox.demo import DEMO_CLIENT_ID
    from oint.sandbox.errors import ApiError

    opts = _options(
        rest, {"url": True, "types": True, "off": False, "send": False, "clientid": True, "db": True}
    )
    if "off" in opts and ("url" in opts or "types" in opts):
        raise UsageError("--off and --url/--types: one or the other")
    if "types" in opts and "url" not in opts:
        raise UsageError("--types goes with --url (the URL the types are pushed to)")
    types = _types(opts.get("types"))
    url = opts.get("url")
    if url is not None and not url.strip():
        raise UsageError("--url: expected an http(s) URL, got nothing")
    client_id = opts.get("clientid") or DEMO_CLIENT_ID
    sb = Sandbox(opts.get("db"))
    try:
        if sb.store.get("*", "account", client_id) is None:
            raise UsageError(f"no sandbox account {client_id} (add it with: oint sandbox account)")
        try:
            state = sb.push(client_id, url=url, types=types, off="off" in opts)
        except ApiError as e:
            raise UsageError(f"--url: {e.message}" if url is not None else e.message) from None
        if "send" in opts:
            sent = sb.push_step()
            state = {**sb.push(client_id), "sent": sent}
    finally:
        sb.close()
    sys.stdout.write(json.dumps(state, ensure_ascii=False) + "\n")
    return 0


def _push_fault(opts: dict[str, str | None]) -> int:
    from oint.sandbox.core import Sandbox

    extra = sorted(set(opts) - {"push", "times", "delay", "types", "db"})
    if extra:
        raise UsageError(f"--push takes --times, --delay and --types, not --{', --'.join(extra)}")
    sb = Sandbox(opts.get("db"))
    try:
        fault = sb.add_push_fault(
            str(opts.get("push") or "").lower(),
            times=_int(opts, "times", 1),
            delay=number_option(opts, "delay", 0.0) or 0.0,
            types=tuple(_types(opts.get("types"), ping=True) or ()),
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    finally:
        sb.close()
    sys.stdout.write(json.dumps(fault, ensure_ascii=False) + "\n")
    return 0


def _fault(rest: list[str]) -> int:
    from oint.sandbox.core import FaultSpecError, Sandbox

    opts = _options(
        rest,
        {
            "path": True,
            "status": True,
            "times": True,
            "retry-after": True,
            "delay": True,
            "body": True,
            "db": True,
            "push": True,
            "types": True,
        },
    )
    if "push" in opts:
        return _push_fault(opts)
    if "types" in opts:
        raise UsageError("--types goes with --push (the pushes a fault drops or delays)")
    body_text = opts.get("body")
    body: object = None
    if body_text is not None:
        try:
            body = json.loads(body_text)
        except ValueError:
            body = body_text
        if not isinstance(body, (dict, str)):
            body = body_text  # a JSON scalar or array: sent as text
    sb = Sandbox(opts.get("db"))
    try:
        fault = sb.add_fault(
            opts.get("path") or "*",
            _int(opts, "status", 500),
            times=_int(opts, "times", 1),
            body=body,
            delay=number_option(opts, "delay", 0.0) or 0.0,
            retry_after=number_option(opts, "retry-after"),
        )
    except FaultSpecError as e:
        raise UsageError(str(e)) from None
    finally:
        sb.close()
    sys.stdout.write(json.dumps(fault, ensure_ascii=False) + "\n")
    return 0


def _clock_change(db: str | None, change: dict[str, object]) -> int:
    from oint.sandbox.clock import ClockError
    from oint.sandbox.core import Sandbox

    sb = Sandbox(db)
    try:
        before = sb.clock()
        state = sb.change_clock(**change) if change else sb.clock.describe()
        lapsed = keys_lapsed(sb, before)
    except ClockError as e:
        raise UsageError(str(e)) from None
    finally:
        sb.close()
    sys.stdout.write(json.dumps(state) + "\n")
    _say_lapsed(lapsed)
    return 0


def keys_lapsed(sandbox: Sandbox, before: float) -> list[tuple[str, str]]:
    """(Client-Id, expiry) of the accounts whose key expired between `before` and the sandbox's
    time now: the clock moved past it, so their calls are now refused as Ozon refuses them."""
    from oint.sandbox.demo import key_expired

    now = sandbox.clock()
    return [
        (client_id, str(doc.get("key_expires_at")))
        for client_id, doc in sandbox.store.items("*", "account")
        if key_expired(doc, now) and not key_expired(doc, before)
    ]


def _say_lapsed(lapsed: list[tuple[str, str]]) -> None:
    """One line on stderr for each key the clock's change made expire, with how to renew it."""
    for client_id, expires in lapsed:
        sys.stderr.write(
            f"oint sandbox: the key of account {client_id} expired at {expires} (sandbox time): its"
            f" calls are now refused (403); renew it: oint sandbox account --clientid {client_id}"
            " --key-expires DATE\n"
        )


# what the event log's types are called in `oint sandbox advance`'s report, in a posting's order
EVENT_WORDS = {
    "order_created": "orders",
    "shipped": "shipped",
    "delivering": "handed to delivery",
    "last_mile": "last mile",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "arbitration": "arbitration",
    "returned": "returned",
    "compensation": "compensations",
}


def happened(sandbox: Sandbox, since: float) -> dict[str, dict[str, int]]:
    """Per account, the number of events of each type in the event log from `since` on
    (`oint.sandbox.model.market.events`); accounts without any are left out."""

    from oint.sandbox.model import market
    from oint.sandbox.model.base import Account

    now = sandbox.clock()
    counts: dict[str, dict[str, int]] = {}
    for client_id, _ in sandbox.store.items("*", "account"):
        found = Counter(e["type"] for e in market.events(Account(sandbox.store, client_id, now), since))
        if found:
            order = {kind: i for i, kind in enumerate(EVENT_WORDS)}
            counts[client_id] = dict(
                sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
            )
    return counts


def happened_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    """`happened` in words: one line an account ("account 2128753: 12 orders, 3 delivered")."""
    if not counts:
        return ["nothing happened meanwhile (no buyers? see: oint sandbox buyers)"]
    return [
        f"account {client_id}: "
        + ", ".join(f"{n} {EVENT_WORDS.get(kind, kind)}" for kind, n in found.items())
        for client_id, found in counts.items()
    ]


def _advance(db: str | None, duration: str) -> int:
    """Move the clock on; stdout: the clock as JSON with `happened` (events by type per account over
    the advanced period); stderr: the same in words, one line an account."""
    from oint.sandbox.clock import ClockError
    from oint.sandbox.core import Sandbox

    sb = Sandbox(db)
    try:
        before = sb.clock()
        state = sb.change_clock(advance=duration)
        counts = happened(sb, before)
        lapsed = keys_lapsed(sb, before)
    except ClockError as e:
        raise UsageError(str(e)) from None
    finally:
        sb.close()
    sys.stdout.write(json.dumps({**state, "happened": counts}) + "\n")
    sys.stdout.flush()
    moment = str(state.get("now", ""))[:19].replace("T", " ")
    sys.stderr.write(f"oint sandbox: sandbox time moved on {duration}, to {moment} UTC\n")
    for line in happened_lines(counts):
        sys.stderr.write(f"oint sandbox: {line}\n")
    _say_lapsed(lapsed)
    return 0


def _clock_cmd(rest: list[str]) -> int:
    opts = _options(
        rest,
        {"freeze": False, "unfreeze": False, "rate": True, "set": True, "advance": True, "db": True},
    )
    if "freeze" in opts and "unfreeze" in opts:
        raise UsageError("--freeze and --unfreeze: one or the other")
    change: dict[str, object] = {}
    if "set" in opts:
        change["set"] = opts["set"]
    if "rate" in opts:
        change["rate"] = number_option(opts, "rate")
    if "freeze" in opts or "unfreeze" in opts:
        change["freeze"] = "freeze" in opts
    if "advance" in opts:
        change["advance"] = opts["advance"]
    return _clock_change(opts.get("db"), change)


def _buyers(rest: list[str]) -> int:
    from oint.sandbox.core import Sandbox
    from oint.sandbox.demo import DEMO_CLIENT_ID
    from oint.sandbox.model import buyers

    names = {"orders-per-day", "seed", "fbo-share", "cancel-share", "return-share", "review-share"}
    opts = _options(rest, {**{n: True for n in names}, "clientid": True, "db": True})
    settings: dict[str, object] = {}
    for name in names & set(opts):
        if name == "seed":
            text = str(opts[name])
            settings["seed"] = int(text) if text.lstrip("-").isdigit() else text
        else:
            settings[name.replace("-", "_")] = number_option(opts, name)
    client_id = opts.get("clientid") or DEMO_CLIENT_ID
    sb = Sandbox(opts.get("db"))
    try:
        if sb.store.get("*", "account", client_id) is None:
            raise UsageError(f"no sandbox account {client_id} (add it with: oint sandbox account)")
        state = sb.buyers(client_id, **settings)
    except buyers.BuyersError as e:
        raise UsageError(str(e)) from None
    finally:
        sb.close()
    sys.stdout.write(json.dumps(state, ensure_ascii=False) + "\n")
    return 0


def _seed(opts: dict[str, str | None]) -> int:
    from oint.sandbox.core import Sandbox
    from oint.sandbox.demo import DEMO_CLIENT_ID
    from oint.sandbox.seed import seed_catalogue

    count = _int(opts, "products", 0)
    if count < 1:
        raise UsageError("oint sandbox seed needs --products N (N >= 1)")
    prefix = opts.get("prefix") or "SEED"
    client_id = opts.get("clientid") or DEMO_CLIENT_ID
    sb = Sandbox(opts.get("db"))
    try:
        if sb.store.get("*", "account", client_id) is None:
            raise UsageError(f"no sandbox account {client_id} (add it with: oint sandbox account)")
        start = time.monotonic()
        first, last = seed_catalogue(sb.store, client_id, count, prefix=prefix, now=sb.clock())
        took = time.monotonic() - start
    finally:
        sb.close()
    sys.stdout.write(f"{count} products {first}..{last} added to account {client_id} in {took:.1f}s\n")
    return 0
