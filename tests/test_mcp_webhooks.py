"""`oint mcp --webhooks-inbox`: the read tool over the push inbox (issue 17), offered only when the
server is given an inbox; it reads, never writes; bad arguments are the tool's errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from oint.apps.mcp.access import LOCAL, WritePolicy
from oint.apps.mcp.cli import parse as parse_options
from oint.apps.mcp.cli import settings_from
from oint.apps.mcp.service import Service, Settings
from oint.apps.mcp.tools import WEBHOOKS_INBOX, ToolConfig, build_tools
from oint.core.errors import UsageError
from oint.webhooks import SQLiteInbox, parse


def call(service: Service, **arguments: Any) -> tuple[bool, Any]:
    reply = asyncio.run(service.call(WEBHOOKS_INBOX, arguments))
    return reply.is_error, json.loads(service.text(reply))


def test_the_tool_is_offered_only_with_an_inbox() -> None:
    assert WEBHOOKS_INBOX not in {t.name for t in build_tools(ToolConfig())}
    [tool] = [t for t in build_tools(ToolConfig(webhooks=True)) if t.name == WEBHOOKS_INBOX]
    assert tool.access == LOCAL and tool.annotations["read_only_hint"] is True


def test_recent_events_and_failed_deliveries(tmp_path: Path) -> None:
    where = str(tmp_path / "inbox.db")
    inbox = SQLiteInbox(where)
    for n in range(3):
        inbox.put(parse({"message_type": "TYPE_NEW_POSTING", "posting_number": f"1-1-{n}", "products": []}))
    inbox.put(parse({"message_type": "TYPE_CHAT_CLOSED", "chat_id": "c1"}))
    taken = inbox.claim("me", 30)
    assert taken is not None
    inbox.failed(taken.id, "me", "the shop answered 500", None)
    inbox.close()
    service = Service(
        Settings(sandbox=str(tmp_path / "sb.db"), policy=WritePolicy.parse(None), webhooks_inbox=where)
    )
    error, everything = call(service)
    assert not error and everything["counts"]["parked"] == 1 and len(everything["events"]) == 4
    assert everything["events"][0]["event"] == {"message_type": "TYPE_CHAT_CLOSED", "chat_id": "c1"}
    error, failed = call(service, state="failed")
    assert not error and [(e["id"], e["last_error"]) for e in failed["events"]] == [
        (1, "the shop answered 500")
    ]
    error, chats = call(service, type="TYPE_CHAT_CLOSED", limit=5)
    assert not error and [e["message_type"] for e in chats["events"]] == ["TYPE_CHAT_CLOSED"]
    error, _ = call(service, state="lost")
    assert error
    error, _ = call(service, colour="red")
    assert error


def test_the_option_is_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no inbox"):
        settings_from(parse_options(["--sandbox", "--webhooks-inbox", str(tmp_path / "none.db")]))
    SQLiteInbox(tmp_path / "i.db").close()
    settings = settings_from(parse_options(["--sandbox", "--webhooks-inbox", str(tmp_path / "i.db")]))[0]
    assert settings.webhooks_inbox == str(tmp_path / "i.db")
