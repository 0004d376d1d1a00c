"""The Seller API: its operation layer (`spec`, over `data/`), generated types and typed operations."""
