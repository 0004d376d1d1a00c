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


def ship_new_postings(event: Event) -> None:
    """The seller's code of the end-to-end test (test_webhooks_e2e.py): every call is recorded
    (OINT_TEST_RECORD: the event's key), and a new FBS posting still awaiting packaging is shipped
    through the library on the served sandbox (OINT_TEST_SANDBOX_URL), marks set where needed."""
    from oint.ozon import OzonClient

    line = f"{event.message_type} {event.posting_number or '-'} {event.key}\n".encode()
    fd = os.open(os.environ["OINT_TEST_RECORD"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    number = event.posting_number
    if event.message_type != "TYPE_NEW_POSTING" or number is None:
        return
    with OzonClient(
        os.environ["OINT_TEST_CLIENT_ID"],
        os.environ["OINT_TEST_API_KEY"],
        base_url=os.environ["OINT_TEST_SANDBOX_URL"],
    ) as ozon:
        posting = ozon.call("/v3/posting/fbs/get", {"posting_number": number})["result"]
        if posting["status"] != "awaiting_packaging":
            return  # cancelled meanwhile, or shipped already
        if posting["requirements"]["products_requiring_mandatory_mark"]:
            _set_marks(ozon, number)
        lines = [{"product_id": p["sku"], "quantity": p["quantity"]} for p in posting["products"]]
        ozon.call("/v4/posting/fbs/ship", {"posting_number": number, "packages": [{"products": lines}]})


def _set_marks(ozon: object, number: str) -> None:
    from oint.ozon import OzonClient

    assert isinstance(ozon, OzonClient)
    got = ozon.call("/v6/fbs/posting/product/exemplar/create-or-get", {"posting_number": number})
    products = [
        {
            "product_id": p["product_id"],
            "exemplars": [
                {"exemplar_id": e["exemplar_id"], "marks": [{"mark": MARK, "mark_type": "mandatory_mark"}]}
                for e in p["exemplars"]
            ],
        }
        for p in got["products"]
        if p["is_mandatory_mark_needed"]
    ]
    ozon.call("/v6/fbs/posting/product/exemplar/set", {"posting_number": number, "products": products})


MARK = "0104601234567890215Abc123"  # 01 + GTIN-14, 21 + serial (as tests/living.py)
