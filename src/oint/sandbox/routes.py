"""The sandbox's route index: how it answers each operation of the Seller API.

- `stateful`: a model (`oint.sandbox.model`) answers it from the account's state and changes it
  (`module`: the model module that owns the route, the one the sandbox imports to answer it);
- `structural`: a generic answer built from the operation's response schema (`structural.py`):
  well-formed and deterministic, nothing stored;
- `retired`: no model, and Ozon switched it off: answered structurally before its date, 410
  "obsolete method cannot be used" from then on (a stateful operation Ozon switched off keeps
  its kind and shows its date too).

`data/routes.json` is derived from the operation layer and the model's route table by
`tools/routes.py` (not shipped):

    python -m tools.routes --write   # after adding a model route
    python -m tools.routes --check   # exit 1 when the file is not up to date (a test runs it)

`oint sandbox routes [WORD]` prints it, reading only the file; the sandbox reads it to import only
the model module a request needs (`owner`).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, NamedTuple

KINDS = ("stateful", "structural", "retired")
FILE = os.path.join(os.path.dirname(__file__), "data", "routes.json")


class Route(NamedTuple):
    method: str
    path: str
    kind: str  # one of KINDS
    title: str  # Ozon's short title of the operation
    retired: str | None  # the date Ozon switches it off (410 from then on), if any
    module: str | None = None  # of a stateful route: the model module that owns it ("pictures")

    def line(self) -> str:
        kind = f"{self.kind}, 410 from {self.retired}" if self.retired else self.kind
        return f"{self.method:<4} {self.path:<58} {kind:<29} {self.title}".rstrip()


@lru_cache(maxsize=1)
def _written() -> dict[str, Any]:
    with open(FILE, encoding="utf-8") as fh:
        routes: dict[str, Any] = json.load(fh)["routes"]
    return routes


@lru_cache(maxsize=1)
def load() -> tuple[Route, ...]:
    """The index as written in `data/routes.json` (no model is imported)."""
    return tuple(
        Route(d["method"], path, d["kind"], d.get("title", ""), d.get("retired"), d.get("module"))
        for path, d in _written().items()
    )


def owner(path: str) -> str | None:
    """The model module that owns the operation at `path` (its template), as the index says; None
    for an operation without a model."""
    entry = _written().get(path)
    return None if entry is None else entry.get("module")


def matching(word: str | None) -> list[Route]:
    """The routes whose path, kind or title holds `word` (any case; all without a word)."""
    if not word:
        return list(load())
    needle = word.casefold().replace("ё", "е")
    return [
        r
        for r in load()
        if any(
            needle in text.casefold().replace("ё", "е")
            for text in (r.path, r.kind, r.title, r.path.replace("/", "_"))
        )
    ]
