"""Ozon's Performance API (advertising): its operation layer (`spec`), types and typed clients."""
