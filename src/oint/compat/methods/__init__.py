"""Declarations of the OInt Ozon functions, one module per area of the API.

`REGISTRY` holds them in the order of OInt's catalogue (`CATALOGUE_ORDER`).
"""

from __future__ import annotations

from oint.compat.registry import Registry

CATALOGUE_ORDER: tuple[str, ...] = (
    "GetCategoriesAndProductTypesTree",
    "GetCategoryAttributes",
    "GetAttributeValues",
    "SearchAttributeValue",
    "GetProductsRequestsLimits",
    "GetProductList",
    "GetProductsAttributesData",
    "GetProductsInformation",
    "GetProductDescription",
    "GetProductsContentRating",
    "CreateUpdateProducts",
    "CreateProductByOzonID",
    "UpdateProductsAttributes",
    "UpdateProductImages",
    "CheckProductsImagesUpload",
    "UpdateProductsArticles",
    "ArchiveProducts",
    "UnarchiveProducts",
    "DeleteProductsWithoutSKU",
    "UploadProductActivationCodes",
    "GetProductSubscribersCount",
    "GetRelatedSKUs",
    "GetProductCreationStatus",
    "GetCodesUploadStatus",
    "GetProductStructure",
    "GetSimplifiedProductStructure",
    "GetAttributesUpdateStructure",
    "GetProductsFilterStructure",
    "AddProductVideo",
    "AddProductVideoCover",
    "CompleteComplexAttribute",
    "BindBarcodes",
    "CreateBarcodes",
    "GetProductsStocks",
    "GetProductsPrices",
    "GetDiscountInformation",
    "UpdateProductsStocks",
    "UpdateProductsPrices",
    "SetProductDiscount",
    "GetProductStocksStructure",
    "GetProductPriceStructure",
    "GetPromotionsList",
    "GetAvailablePromoProducts",
    "GetCurrentPromoProducts",
    "GetWarehousesList",
    "GetClustersList",
    "GetShippingWarehousesList",
    "GetFBOShipmentsList",
    "CreateFBODraft",
    "GetFBODraft",
    "GetFBOTimeslots",
    "GetShipmentAdditionalFields",
    "GetShipmentsFilterStructure",
)

REGISTRY = Registry()


def _load() -> None:
    from oint.compat.methods import (
        barcodes,
        categories,
        fbo,
        prices_stocks,
        product_actions,
        product_import,
        products,
        promotions,
        structures,
        warehouses,
    )

    methods = [
        m
        for module in (
            categories,
            product_import,
            products,
            product_actions,
            structures,
            barcodes,
            prices_stocks,
            promotions,
            warehouses,
            fbo,
        )
        for m in module.METHODS
    ]
    rank = {name: i for i, name in enumerate(CATALOGUE_ORDER)}
    REGISTRY.add(*sorted(methods, key=lambda m: rank.get(m.name_en, len(rank))))


_load()
