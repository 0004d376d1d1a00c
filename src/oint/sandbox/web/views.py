"""What each page of the web view shows, as plain frozen data: `data.py` reads it from the store,
`pages.py` renders it. Nothing here knows SQLite or HTML."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AccountRef:
    """A seller account; `default` is the one shown when a page names none (links leave it out)."""

    client_id: str
    name: str
    default: bool = True


@dataclass(frozen=True)
class StockRow:
    """A product's stock on one warehouse (warehouse 0: Ozon's own, FBO)."""

    warehouse_id: int
    warehouse: str
    source: str  # fbs, rfbs, fbo
    available: int
    reserved: int
    updated_at: str = ""

    @property
    def present(self) -> int:
        return self.available + self.reserved


@dataclass(frozen=True)
class ProductRow:
    id: int
    offer_id: str
    sku: int
    name: str
    images: tuple[str, ...] = ()
    price: str = ""
    old_price: str = ""
    min_price: str = ""
    currency: str = "RUB"
    vat: str = ""
    archived: bool = False
    status: str = ""
    stocks: tuple[StockRow, ...] = ()

    @property
    def present(self) -> int:
        return sum(s.present for s in self.stocks)


@dataclass(frozen=True)
class ProductList:
    account: AccountRef
    rows: tuple[ProductRow, ...]
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class ProductDetail:
    account: AccountRef
    product: ProductRow
    description: str = ""
    barcodes: tuple[str, ...] = ()
    images360: tuple[str, ...] = ()
    color_image: str = ""
    created_at: str = ""
    updated_at: str = ""
    errors: tuple[str, ...] = ()
    document: str = ""  # the stored document as JSON text (shown folded)


@dataclass(frozen=True)
class PostingLine:
    name: str
    offer_id: str
    sku: int
    quantity: int
    price: str
    currency: str = "RUB"


@dataclass(frozen=True)
class PostingRow:
    number: str
    scheme: str  # FBO, FBS, rFBS
    status: str
    substatus: str
    created_at: str
    lines: tuple[PostingLine, ...]
    place: str = ""  # warehouse, city


@dataclass(frozen=True)
class Postings:
    account: AccountRef
    status: str  # "" for all
    counts: tuple[tuple[str, int], ...]  # by status, in the model's order
    rows: tuple[PostingRow, ...]
    total: int  # postings of the status asked (rows may be fewer: the newest are shown)


@dataclass(frozen=True)
class Transaction:
    id: str
    date: str
    type: str
    amount: float
    currency: str = "RUB"
    posting: str = ""
    description: str = ""


@dataclass(frozen=True)
class Finance:
    account: AccountRef
    rows: tuple[Transaction, ...]
    totals: tuple[tuple[str, float], ...]  # named sums; the renderer adds none of its own
    currency: str = "RUB"
    total: int = 0  # transactions in all (rows may be fewer)


@dataclass(frozen=True)
class RequestRow:
    seq: int
    at: str
    client_id: str
    method: str
    path: str
    status: int
    size: int  # bytes of the request body
    answer_size: int


@dataclass(frozen=True)
class RequestLog:
    rows: tuple[RequestRow, ...]  # newest first
    kept: int  # how many the log keeps (OINT_SANDBOX_LOG)
    statuses: tuple[tuple[int, int], ...]  # answers by status since the last reset
    older: int | None = None  # `before` of the next (older) page, None on the last one


@dataclass(frozen=True)
class RequestDetail:
    row: RequestRow
    body: str
    answer: str  # as kept: at most `kept_bytes` of a text answer, "" for a file
    answer_type: str = ""
    kept_bytes: int = 0


@dataclass(frozen=True)
class Overview:
    account: AccountRef
    accounts: tuple[AccountRef, ...]
    api_date: str
    now: str
    products: int
    archived: int
    warehouses: int
    stock_entries: int
    postings: tuple[tuple[str, int], ...]  # by status
    transactions: int
    requests: int
    recent: tuple[ProductRow, ...] = field(default=())  # the catalogue's first products, linked
