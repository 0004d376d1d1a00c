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
class ProductQuery:
    """What the catalogue page searches: text in the offer id, name or SKU; a visibility group
    (`products.SEARCH_VISIBILITIES`); stock present or not ("present", "none", "" for either)."""

    text: str = ""
    visibility: str = "EVERY"
    stock: str = ""

    @property
    def narrowed(self) -> bool:
        return bool(self.text.strip() or self.visibility != "EVERY" or self.stock)


@dataclass(frozen=True)
class ProductList:
    account: AccountRef
    rows: tuple[ProductRow, ...]
    total: int  # products that match the query
    offset: int = 0
    limit: int = 50
    query: ProductQuery = ProductQuery()
    visibilities: tuple[str, ...] = ()  # the groups the search offers


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
class EventRow:
    """An event of the marketplace's log: what happened, when, to which posting."""

    at: str  # Ozon's timestamp
    type: str  # order_created, shipped, delivering, delivered, cancelled, returned, ...
    posting: str = ""
    scheme: str = ""  # FBO, FBS, rFBS
    detail: str = ""  # who cancelled, the reason of a return, an amount
    items: str = ""  # the posting's lines the event is about: "name × 2, ..."


@dataclass(frozen=True)
class ReturnRow:
    id: int
    kind: str  # "return" (FBS, FBO: Ozon handles it) or "rFBS request" (the seller decides)
    scheme: str
    posting: str
    product: str
    offer_id: str
    sku: int
    quantity: int
    reason: str
    status: str
    created_at: str
    changed_at: str = ""


@dataclass(frozen=True)
class PostingDetail:
    account: AccountRef
    row: PostingRow
    ship_by: str = ""  # FBS/rFBS: the shipment date the seller must pack it by
    overdue: bool = False  # not shipped and the ship-by moment has passed
    order_number: str = ""
    delivery: str = ""  # the delivery method (FBS) or type (FBO)
    city: str = ""
    tracking_number: str = ""
    cancellation: str = ""
    history: tuple[EventRow, ...] = ()  # oldest first
    returns: tuple[ReturnRow, ...] = ()
    chat_id: str = ""


@dataclass(frozen=True)
class Returns:
    account: AccountRef
    rows: tuple[ReturnRow, ...]  # newest first
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class ReviewRow:
    id: str
    sku: int
    product: str  # its name, "" when the SKU is not in the catalogue
    product_id: int
    rating: int
    text: str
    status: str
    published_at: str
    posting: str = ""
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reviews:
    account: AccountRef
    rows: tuple[ReviewRow, ...]  # newest first
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class QuestionRow:
    id: str
    sku: int
    product: str
    product_id: int
    text: str
    author: str
    status: str
    published_at: str
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Questions:
    account: AccountRef
    rows: tuple[QuestionRow, ...]  # newest first
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class MessageRow:
    who: str  # Customer, Seller
    at: str
    text: str
    read: bool = True


@dataclass(frozen=True)
class ChatRow:
    id: str
    posting: str
    status: str
    created_at: str
    messages: int
    unread: int
    last: MessageRow | None = None


@dataclass(frozen=True)
class Chats:
    account: AccountRef
    rows: tuple[ChatRow, ...]  # newest first
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class ChatDetail:
    account: AccountRef
    row: ChatRow
    messages: tuple[MessageRow, ...]  # oldest first


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
    kept: int  # how many the log keeps at most (OINT_SANDBOX_LOG)
    statuses: tuple[tuple[int, int], ...]  # the logged requests (those still kept) by status
    older: int | None = None  # `before` of the next (older) page, None on the last one
    served: int = 0  # requests answered since the last reset, kept or not


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
    returns: int = 0
    reviews: int = 0
    questions: int = 0
    chats: int = 0
    activity: tuple[EventRow, ...] = ()  # the newest events of the marketplace, newest first


@dataclass(frozen=True)
class PushRow:
    """A push notification sent (or to be sent) to the seller's URL, and what came of it."""

    seq: int
    type: str
    url: str
    created: float  # epoch seconds, sandbox time
    state: str  # pending, delivered, given_up, dropped, suspended, off
    subject: str  # the posting, offer, chat or product it is about ("" for a PING)
    attempts: int
    last: str  # the last attempt's answer: "200 in 0.012 s", "timeout", "ConnectError: ..."
    answer: str  # the first characters of the last answer's body
    next_at: float | None  # when it is tried again (pending)


@dataclass(frozen=True)
class Pushes:
    """The account's push notifications: its URLs, active or suspended, the pushes newest first."""

    account: AccountRef
    state: str
    since: float
    reason: str
    details: str
    skipped: int
    endpoints: tuple[tuple[int, str, tuple[str, ...], bool], ...]  # (id, url, types, enabled)
    counts: tuple[tuple[str, int], ...]  # pushes by state
    rows: tuple[PushRow, ...]
    total: int
    offset: int = 0
    limit: int = 50
    pruned: tuple[tuple[str, int], ...] = ()  # finished pushes removed after their retention, by state
