"""oint: OpenIntegrations-compatible Ozon Seller API client, CLI and sandbox."""

__version__ = "0.1.0"

LIBRARIES = {"ozon": "Ozon Seller API (OPI_Ozon): products, images, prices, stocks, promotions, FBO"}
