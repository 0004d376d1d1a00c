"""`oint serve`: an HTTP gateway to OInt's functions and the Seller API's operations, for callers
that cannot start a process per call (1C's `HTTPСоединение`, scripts, other services).

- `config.py` — the TOML file: handlers (what each URL runs, with which account, which arguments
  are fixed on the server), callers and their tokens (kept as SHA-256 digests), the request log;
- `calls.py` — one call: the caller's arguments read as the CLI reads `--option value`, run by
  the async client, and its outcome as an HTTP status and a body;
- `app.py` — the ASGI application: host and origin checks, tokens, handlers, the request log;
- `cli.py` — the command line, `oint serve ...` (uvicorn, the `serve` extra).
"""
