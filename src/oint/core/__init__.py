"""The kernel every API and application stands on: errors, retry and rate limits, paging, request
validation, base URLs, profiles, transports, the operation-layer loader (`layer`), sans-I/O flows
and the client base. It imports nothing of oint above it (import-linter checks)."""
