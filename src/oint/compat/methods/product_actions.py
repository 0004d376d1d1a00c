"""Product actions (OInt group "Uploading-and-updating-products"): renaming articles, archiving,
deleting drafts, digital activation codes, subscribers, related SKUs and content rating."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oint.compat.flows import Current, Flow, failure, lacks, request, task_failure
from oint.compat.methods.common import SKUS, TASK_ID
from oint.compat.methods.products import product_offer_id
from oint.compat.registry import Method, P
from oint.compat.values import IDS, NUMBER, STRINGS, CollectionKind, as_int, as_str, relaxed_json
from oint.core.errors import UsageError

GROUP = "Uploading-and-updating-products"


class ArticlesMapKind(CollectionKind):
    """OInt's `СоответствиеАртикулов`: a JSON object {"current offer_id": "new offer_id"}.

    An array is refused, as OInt does ("Ошибка типа значения соответствия артикулов").
    """

    def __init__(self) -> None:
        super().__init__("object")

    def normalise(self, value: Any, option: str) -> Any:
        if isinstance(value, str) and value.strip():
            try:
                value = relaxed_json(value)
            except ValueError as e:
                raise UsageError(f"--{option}: malformed JSON: {e}") from None
        if isinstance(value, (list, tuple)):
            raise UsageError(
                f"--{option}: articles map value type error (Ошибка типа значения соответствия артикулов): "
                f'expected a JSON object {{"current offer_id": "new offer_id"}}, got an array'
            )
        return super().normalise(value, option)


ARTICLES_MAP = ArticlesMapKind()


def offer_id_pairs(articles: Mapping[str, Any]) -> list[dict[str, str]]:
    """{current: new} -> [{"offer_id": current, "new_offer_id": new}], one pair per map entry."""
    pairs = []
    for current, new in articles.items():
        if isinstance(new, bool) or not isinstance(new, (str, int, float)):
            raise UsageError(
                f"--offers: the new offer_id of {current!r} must be text or a number, "
                f"got {type(new).__name__}"
            )
        pairs.append({"offer_id": str(current), "new_offer_id": as_str(new)})
    return pairs


def offer_id_item(article: Any) -> dict[str, str]:
    """An article (offer_id) as an item of `/v2/products/delete`: {"offer_id": "<as string>"}."""
    return {"offer_id": as_str(article)}


UPDATE_PRODUCTS_ARTICLES = Method(
    name_en="UpdateProductsArticles",
    name_ru="ИзменитьАртикулыТоваров",
    group=GROUP,
    python="update_products_articles",
    summary="Rename offer IDs (articles) of existing products.",
    operation="/v1/product/update/offer-id",
    params=(
        P(
            "offers",
            "offers",
            ARTICLES_MAP,
            ru="СоответствиеАртикулов",
            en="ArticlesMap",
            required=True,
            doc="Articles: Key > current, Value > new",
            type_doc="Map Of KeyAndValue",
            field="update_offer_id",
            convert=offer_id_pairs,
        ),
    ),
    notes=(
        "Ozon renames the offer_id (article) of each product: key = current offer_id, value = new one.",
        "1 to 25 pairs per request; a new offer_id is at most 50 characters.",
        "Conflicts come back per pair in a 200 answer: errors [{offer_id, message}], e.g. the new offer_id "
        "is already used by another product. Empty errors = every pair was renamed.",
        "Ozon limits renamed items per minute: over it the answer is 429 with Retry-After, "
        "Item-Retry-After and Item-Rate-Limit-Remaining.",
        "Pass a JSON object (an array is a usage error, as in OInt) or a path to a .json file.",
    ),
    example=(
        'oint ozon UpdateProductsArticles --clientid "***" --apikey "***" '
        "--offers \"{'143210609':'143210612'}\""
    ),
)

ARCHIVE_PRODUCTS = Method(
    name_en="ArchiveProducts",
    name_ru="АрхивироватьТовары",
    group=GROUP,
    python="archive_products",
    summary="Move products to the archive.",
    operation="/v1/product/archive",
    params=(
        P(
            "products",
            "products",
            IDS,
            ru="IDТоваров",
            en="ProductsID",
            required=True,
            doc="Product IDs to archive",
            type_doc="String, Number, Array of String, Number",
            field="product_id",
        ),
    ),
    notes=(
        "Up to 100 IDs per request. The answer {result: true} only says the request was accepted: "
        "check is_archived with GetProductsInformation.",
        "Set the product's stocks to zero first: Ozon does not archive products with stock.",
        "Archived products without SKU can then be deleted with DeleteProductsWithoutSKU.",
    ),
    example='oint ozon ArchiveProducts --clientid "***" --apikey "***" --products 2831623175',
)

UNARCHIVE_PRODUCTS = Method(
    name_en="UnarchiveProducts",
    name_ru="РазархивироватьТовары",
    group=GROUP,
    python="unarchive_products",
    summary="Restore products from the archive.",
    operation="/v1/product/unarchive",
    params=(
        P(
            "products",
            "products",
            IDS,
            ru="IDТоваров",
            en="ProductsID",
            required=True,
            doc="Product IDs to restore",
            type_doc="String, Number, Array of String, Number",
            field="product_id",
        ),
    ),
    notes=(
        "Up to 100 IDs per request.",
        "Products Ozon archived automatically can be restored only up to a daily limit (error "
        "'restore limit exceeded'; the limit resets at 03:00 Moscow time); manually archived ones "
        "without limit. 'total limit exceeded' means the account's product range limit is reached.",
    ),
    example='oint ozon UnarchiveProducts --clientid "***" --apikey "***" --products 2876547413',
)

DELETE_PRODUCTS_WITHOUT_SKU = Method(
    name_en="DeleteProductsWithoutSKU",
    name_ru="УдалитьТоварыБезSKU",
    group=GROUP,
    python="delete_products_without_sku",
    summary="Delete archived products that have no SKU, by offer ID.",
    operation="/v2/products/delete",
    params=(
        P(
            "articles",
            "articles",
            STRINGS,
            ru="Артикулы",
            en="Articles",
            required=True,
            doc="Product articles (offer IDs)",
            type_doc="String, Number, Array of String, Number",
            field="products",
            convert=offer_id_item,
            per_item=True,
        ),
    ),
    notes=(
        "Only archived products without an SKU can be deleted: archive them first (ArchiveProducts).",
        "Up to 500 articles per request. The answer has one status per article: "
        "{offer_id, is_deleted, error}.",
    ),
    example='oint ozon DeleteProductsWithoutSKU --clientid "***" --apikey "***" --articles "143210609"',
)


# ------------------------------------------------------------------ digital codes, current implementation
def upload_product_activation_codes_current(body: dict[str, Any]) -> Flow:
    """The digital product's stock set to the number of codes (see `CODES_NOTES`)."""
    product_id = body["product_id"]
    codes = list(body.get("digital_codes") or [])
    offer_id = yield from product_offer_id(product_id)
    lacks(
        "UploadProductActivationCodes",
        "Ozon no longer takes activation codes through the Seller API: the codes were not sent; "
        f"/v1/product/digital/stocks/import set the product's digital stock to their number ({len(codes)})",
    )
    answer = yield request(
        "/v1/product/digital/stocks/import", {"stocks": [{"offer_id": offer_id, "stock": len(codes)}]}
    )
    statuses = answer.get("status") or []
    status = next((s for s in statuses if s.get("offer_id") == offer_id), statuses[0] if statuses else {})
    if not status.get("updated"):
        raise task_failure("/v1/product/digital/stocks/import", int(product_id), [status])
    return {"result": {"task_id": int(product_id)}}


def get_codes_upload_status_current(body: dict[str, Any]) -> Flow:
    """A task of the current UploadProductActivationCodes is its product id, complete when it answered."""
    task_id = body.get("task_id", "")
    info = yield request("/v3/product/info/list", {"product_id": [str(task_id)]})
    if not info.get("items"):
        raise failure(404, 5, f"task {task_id} not found", "/v3/product/info/list")
    return {"result": {"status": "imported"}}


CODES_NOTES = (
    "Current implementation: Ozon removed the codes upload (2025-07-01); its successor "
    "/v1/product/digital/stocks/import sets how many units of a digital product are on sale, by offer_id, "
    "and answers at once. The product's offer_id is read with /v3/product/info/list, its digital stock is "
    "set to the number of codes given, and the codes themselves are not sent (a warning says so).",
    "The answer keeps OInt's shape {result: {task_id}}: as the successor has no task, task_id is the "
    "product id. A product the successor does not update raises TaskFailedError with Ozon's errors.",
    "GetCodesUploadStatus with such a task id answers {result: {status: 'imported'}} when the product "
    "exists (the stock was set when UploadProductActivationCodes answered), 404 otherwise.",
)


UPLOAD_PRODUCT_ACTIVATION_CODES = Method(
    name_en="UploadProductActivationCodes",
    name_ru="ЗагрузитьКодыАктивацииТовара",
    group=GROUP,
    python="upload_product_activation_codes",
    summary="Upload activation codes for a digital product or service (async task).",
    operation="/v1/product/upload_digital_codes",
    params=(
        P(
            "product_id",
            "productid",
            NUMBER,
            ru="IDТовара",
            en="ProductID",
            required=True,
            doc="Product ID",
            type_doc="Number",
            field="product_id",
            convert=as_int,
        ),
        P(
            "codes",
            "codes",
            STRINGS,
            ru="Коды",
            en="Codes",
            required=True,
            doc="Digital product activation codes",
            type_doc="String, Array of String",
            field="digital_codes",
        ),
    ),
    notes=(
        "Codes are bound to the digital product card. The answer is a task: check it with "
        "GetCodesUploadStatus (pending, then imported or failed).",
    ),
    current=Current(
        upload_product_activation_codes_current,
        uses=("/v1/product/digital/stocks/import", "/v3/product/info/list"),
        notes=CODES_NOTES,
    ),
    example=(
        'oint ozon UploadProductActivationCodes --clientid "***" --apikey "***" --productid 1235207802 '
        "--codes \"['11111111','22222222']\""
    ),
)

GET_CODES_UPLOAD_STATUS = Method(
    name_en="GetCodesUploadStatus",
    name_ru="ПолучитьСтатусДобавленияКодов",
    group=GROUP,
    python="get_codes_upload_status",
    summary="Get the status of a digital-codes upload task.",
    operation="/v1/product/upload_digital_codes/info",
    params=(TASK_ID,),
    notes=("The task ID comes from UploadProductActivationCodes. Status: pending, imported or failed.",),
    current=Current(get_codes_upload_status_current, uses=("/v3/product/info/list",), notes=CODES_NOTES),
    example='oint ozon GetCodesUploadStatus --clientid "***" --apikey "***" --taskid 1',
)

GET_PRODUCT_SUBSCRIBERS_COUNT = Method(
    name_en="GetProductSubscribersCount",
    name_ru="ПолучитьКоличествоПодписчиковТоваров",
    group=GROUP,
    python="get_product_subscribers_count",
    summary="Get how many users subscribed to 'notify when available' per SKU.",
    operation="/v1/product/info/subscription",
    params=(SKUS,),
    notes=("The answer has {sku, count} per requested SKU.",),
    example='oint ozon GetProductSubscribersCount --clientid "***" --apikey "***" --sku 1626044001',
)

GET_RELATED_SKUS = Method(
    name_en="GetRelatedSKUs",
    name_ru="ПолучитьСвязанныеSKU",
    group=GROUP,
    python="get_related_skus",
    summary="Resolve the unified SKU (and availability) for old FBS/FBO SKUs.",
    operation="/v1/product/related-sku/get",
    params=(SKUS._replace(field="sku"),),
    notes=(
        "Up to 200 SKUs per request. The answer includes every SKU related to the ones passed, "
        "even hidden or deleted; SKUs Ozon cannot resolve come back in errors [{code, sku, message}].",
    ),
    example='oint ozon GetRelatedSKUs --clientid "***" --apikey "***" --sku 1626044001',
)

GET_PRODUCTS_CONTENT_RATING = Method(
    name_en="GetProductsContentRating",
    name_ru="ПолучитьКонтентРейтингТоваров",
    group=GROUP,
    python="get_products_content_rating",
    summary="Get content-rating breakdown of products by SKU.",
    operation="/v1/product/rating-by-sku",
    params=(SKUS,),
    notes=(
        "The rating (0-100) is the weighted sum of groups: important attributes, other attributes, "
        "text description and media. Each group lists its conditions and the attributes to fill "
        "(improve_attributes, improve_at_least) to raise it.",
    ),
    example='oint ozon GetProductsContentRating --clientid "***" --apikey "***" --sku 1626044001',
)

METHODS = (
    UPDATE_PRODUCTS_ARTICLES,
    ARCHIVE_PRODUCTS,
    UNARCHIVE_PRODUCTS,
    DELETE_PRODUCTS_WITHOUT_SKU,
    UPLOAD_PRODUCT_ACTIVATION_CODES,
    GET_CODES_UPLOAD_STATUS,
    GET_PRODUCT_SUBSCRIBERS_COUNT,
    GET_RELATED_SKUS,
    GET_PRODUCTS_CONTENT_RATING,
)
