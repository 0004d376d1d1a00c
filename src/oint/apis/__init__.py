"""One package per Ozon API: its operation layer (data), types and typed client."""
