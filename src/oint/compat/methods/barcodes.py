"""Barcodes (OInt group "Barcodes")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oint.compat.registry import Method, P
from oint.compat.values import IDS, OBJECT, as_str
from oint.core.errors import UsageError

GROUP = "Barcodes"


def sku_barcode_pairs(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    """OInt's {SKU: barcode} map as Ozon's `barcodes` array: [{sku: <number>, barcode: "<text>"}]."""
    pairs: list[dict[str, Any]] = []
    for key, barcode in mapping.items():
        sku = str(key).strip()
        if not sku.isdigit():
            raise UsageError(f"--barcodes: keys must be product SKUs (numbers), got {key!r}")
        if isinstance(barcode, bool) or not isinstance(barcode, (str, int, float)):
            raise UsageError(f"--barcodes: the barcode of SKU {sku} must be text, got {barcode!r}")
        pairs.append({"sku": int(sku), "barcode": as_str(barcode)})
    return pairs


BIND_BARCODES = Method(
    name_en="BindBarcodes",
    name_ru="ПривязатьШтрихкоды",
    group=GROUP,
    python="bind_barcodes",
    summary="Bind existing barcodes to products by SKU.",
    operation="/v1/barcode/add",
    params=(
        P(
            "barcodes",
            "barcodes",
            OBJECT,
            ru="СоответствиеШтрихкодов",
            en="BarcodesMap",
            required=True,
            doc="Key > product SKU, Value > barcode",
            type_doc="Map Of KeyAndValue",
            field="barcodes",
            convert=sku_barcode_pairs,
        ),
    ),
    notes=(
        "Up to 100 barcodes per request and up to 100 barcodes per product; a barcode is at most 100 "
        "characters. At most 20 calls a minute per seller account.",
        "The answer lists failures only: errors [{code, error, barcode, sku}]; an empty list means "
        "every barcode was bound (e.g. a barcode bound to another product is reported there).",
        "CLI accepts the map as JSON text or a path to a .json file.",
    ),
    example='oint ozon BindBarcodes --clientid "***" --apikey "***" --barcodes "{\'1626044001\':\'112233\'}"',
)

CREATE_BARCODES = Method(
    name_en="CreateBarcodes",
    name_ru="СоздатьШтрихкоды",
    group=GROUP,
    python="create_barcodes",
    summary="Have Ozon generate barcodes for products.",
    operation="/v1/barcode/generate",
    params=(
        P(
            "product_ids",
            "productids",
            IDS,
            ru="IDТоваров",
            en="ProductsID",
            required=True,
            doc="Product IDs to create barcodes for",
            type_doc="String, Array of String",
            field="product_ids",
            convert=as_str,
            per_item=True,
        ),
    ),
    notes=(
        "Up to 100 products per request; at most 20 calls a minute per seller account.",
        "The answer lists failures only: errors [{code, error, barcode, product_id}]. The new barcodes "
        "appear in the products' barcodes (GetProductsInformation).",
    ),
    example='oint ozon CreateBarcodes --clientid "***" --apikey "***" --productids 2876547413',
)

METHODS = (BIND_BARCODES, CREATE_BARCODES)
