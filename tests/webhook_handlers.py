"""Handlers that `oint webhooks serve --handler webhook_handlers:NAME` runs in the tests
(test_webhooks_receiver.py): the test puts this folder on PYTHONPATH."""

from __future__ import annotations

import os
import time

from oint.webhooks import Event


def record(event: Event) -> None:
    """Append the event's key to the file OINT_TEST_RECORD (one line, one write: O_APPEND keeps
    the lines of two processes apart), after OINT_TEST_HANDLER_SLEEP seconds."""
    time.sleep(float(os.environ.get("OINT_TEST_HANDLER_SLEEP", "0")))
    line = (event.key + "\n").encode()
    fd = os.open(os.environ["OINT_TEST_RECORD"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def slow(event: Event) -> None:
    """A handler that takes 10 s."""
    time.sleep(10)
