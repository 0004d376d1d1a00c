"""The applications over the library: the CLI (`cli/`), the MCP server (`mcp/`) and the search
catalogue they share (`catalog`). They name the bulk command in the message of a too-large batch."""

from oint.core.hints import set_batch_hint
from oint.jobs import batch_hint

set_batch_hint(batch_hint)
