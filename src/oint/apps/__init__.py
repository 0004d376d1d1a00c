"""The applications over the library: the CLI (`cli/`), the MCP server (`mcp/`) and the search
catalogue they share (`catalog`)."""
