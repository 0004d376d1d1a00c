"""oint's MCP server: an AI assistant runs an Ozon store through oint (`oint mcp`).

Every tool is derived from what oint declares once: the 53 OInt functions of the registry
(`oint.compat.methods.REGISTRY`) become one tool each, and the whole Seller API of the operation
layer (`oint.apis.seller.spec`) is reached through discovery tools (search, describe, call, more); bulk
jobs (`oint.bulk`) through four more (start, progress, report, list).

- `access`: which tools and operations read and which write, and the `--allow-write` scopes;
- `catalog`: JSON Schemas of parameter kinds, search and description of operations;
- `tools`: the tool list (names, descriptions, input schemas), generated;
- `answers`: answers sized for a model (long lists summarised), errors with hints;
- `service`: the engine (clients per profile, the read-only guard, dry runs and confirmation);
- `jobs`: the bulk-job tools over `oint.bulk` (a checked preview, then a background job);
- `server`: the glue to the official MCP SDK (`pip install 'oint[mcp]'`), imported only by
  `oint mcp` (`cli`), so that the base install needs no SDK.

Only `server` imports the SDK (the top-level `mcp` package; imports here are absolute).
"""
