"""Which tools read and which write, derived; and the `--allow-write` policy.

An operation of the Seller API is classified from its path: the last segment that holds a verb
decides (`/v1/product/import/info` reads, `/v1/product/pictures/import` writes). Reports change
nothing in a store (`/v1/report/...` reads). Where the path holds no verb, the first word of
Ozon's Russian title decides ("Список…" reads, "Изменить…" writes); then GET reads and any other
unknown operation counts as a write (the safe side). `OVERRIDES` lists the few operations these
rules get wrong, each with the reason; a test checks every override changes the derived answer.

An OInt function has the access of the operation it calls; local helpers build structures and
call nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from oint.apis.seller.spec import Operation
from oint.apps.catalog import words
from oint.compat.registry import GROUPS, Method

Access = Literal["read", "write", "local"]
READ: Access = "read"
WRITE: Access = "write"
LOCAL: Access = "local"

READ_WORDS = frozenset(
    "list info get search count status check tree values history summary details data totals total top "
    "tips rating limit map balance index pdf png json timetable by validate validation verify params "
    "options restrictions comparison competitors checkout types roles candidates analytics".split()
)
WRITE_WORDS = frozenset(
    "create update import delete archive unarchive set add remove cancel edit approve decline accept "
    "reject activate deactivate enable disable bind unbind upload send ship split pause unpause start "
    "generate reset change confirm registrate fill place compensate arbitration move answer comment "
    "delivering delivered apply".split()
)
READ_TITLE_WORDS = frozenset(
    "список получить информация отчёт отчет позаказный реестр количество проверить узнать статус".split()
)
WRITE_TITLE_WORDS = frozenset(
    "изменить передать создать обновить удалить добавить отменить установить загрузить отметить "
    "подтвердить перенести".split()
)
READ_RESOURCES = frozenset({"report"})  # reports are made from a store's data and change nothing

OVERRIDES: dict[str, tuple[Access, str]] = {
    "/v1/posting/fbs/cancel-reason": (READ, "lists the reasons a posting may be cancelled for"),
    "/v1/posting/fbs/timeslot/change-restrictions": (READ, "lists the dates a delivery may move to"),
    "/v1/pricing-strategy/status": (WRITE, "changes a strategy's status (the path reads like a query)"),
    "/v1/return/giveout/barcode": (READ, "answers the value of a giveout barcode"),
    "/v2/returns/rfbs/verify": (WRITE, "approves a buyer's rFBS return request"),
    "/v2/posting/fbs/package-label": (READ, "answers the labels of postings as a PDF"),
    "/v1/supply-order/bundle": (READ, "answers the contents of a supply"),
    "/v1/posting/global/etgb": (READ, "answers customs declarations"),
}


# The Performance API's operations the rules get wrong, by the layer's key: statistics reports are
# made from the account's data and change nothing (as the Seller API's `/v1/report/...`), and a few
# questions are POSTs without a verb in their path.
PERFORMANCE_OVERRIDES: dict[str, tuple[Access, str]] = {
    "/api/client/statistics": (READ, "starts a statistics report"),
    "/api/client/statistics/video": (READ, "starts a statistics report"),
    "/api/client/statistic/orders/generate": (READ, "starts a report of orders"),
    "/api/client/statistic/products/generate": (READ, "starts a report of products"),
    "/api/client/statistics/all_sku_promo/orders/generate": (READ, "starts a report of orders"),
    "/api/client/statistics/all_sku_promo/products/generate": (READ, "starts a report of products"),
    "/api/client/min/sku": (READ, "answers the minimal bids of products"),
    "/external/api/dynamic_budget": (READ, "calculates a campaign's minimal budget"),
}


def performance_access(op: Operation) -> Access:
    """The access of a Performance API operation: the same rules, its own overrides."""
    override = PERFORMANCE_OVERRIDES.get(op.key)
    return override[0] if override else derived_access(op)


def _segments(path: str) -> list[str]:
    parts = [s for s in path.split("/") if s]
    if parts and re.fullmatch(r"v\d+", parts[0]):
        parts = parts[1:]
    return [s for s in parts if not s.startswith("{")]


def derived_access(op: Operation) -> Access:
    """The access the rules give (without `OVERRIDES`)."""
    segments = _segments(op.path)
    if segments and segments[0] in READ_RESOURCES:
        return READ
    for segment in reversed(segments):
        for word in words(segment):
            if word in WRITE_WORDS:
                return WRITE
            if word in READ_WORDS:
                return READ
    first = op.title.split(maxsplit=1)[0].lower() if op.title else ""
    if first in WRITE_TITLE_WORDS:
        return WRITE
    if first in READ_TITLE_WORDS:
        return READ
    return READ if op.method == "GET" else WRITE


def operation_access(op: Operation) -> Access:
    override = OVERRIDES.get(op.path)
    return override[0] if override else derived_access(op)


def method_access(method: Method) -> Access:
    op = method.endpoint
    return LOCAL if op is None else operation_access(op)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us")) and len(word) > 3:
        return word[:-1]
    return word


def path_words(path: str) -> set[str]:
    """The words of a path, singular: what `--allow-write WORD` matches."""
    return {_singular(w) for s in _segments(path) for w in words(s)}


@dataclass(frozen=True)
class WritePolicy:
    """What `--allow-write` allows: nothing (read-only, the default), everything, or the writes
    named by scopes. A scope is a word of the operation's path (`prices`, `stocks`, `products`,
    `postings`...), an OInt group (`Prices-and-stocks`), a tool or operation name, or `all`."""

    scopes: frozenset[str] = frozenset()
    everything: bool = False

    @classmethod
    def parse(cls, value: str | None) -> WritePolicy:
        """None: read-only; "" or "all": every write; "prices,stocks": those scopes."""
        if value is None:
            return cls()
        tokens = frozenset(t.strip().lower() for t in value.split(",") if t.strip())
        if not tokens or tokens & {"all", "*"}:
            return cls(everything=True)
        return cls(scopes=tokens)

    @property
    def read_only(self) -> bool:
        return not self.everything and not self.scopes

    def allows(self, path: str, names: Iterable[str] = (), group: str | None = None) -> bool:
        """Whether a write to `path` (by a tool of `names`, in OInt `group`) is allowed."""
        if self.everything:
            return True
        if not self.scopes:
            return False
        keys = {_singular(s) for s in self.scopes} | set(self.scopes)
        if keys & path_words(path):
            return True
        named = {n.lower() for n in names} | {path.lower()}
        if group is not None:
            named |= {group.lower(), GROUPS.get(group, (group,))[0].lower()}
        return bool(self.scopes & named)

    def describe(self) -> str:
        if self.everything:
            return "writes allowed (--allow-write)"
        if self.scopes:
            return f"writes allowed only for: {', '.join(sorted(self.scopes))} (--allow-write)"
        return "read-only (start with --allow-write to allow changes)"
