"""`oint ozon ops` and `oint ozon <operation>`: any Seller API operation from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import creds


def test_ops_lists_operations_by_word(run_cli: Any) -> None:
    r = run_cli("ozon", "ops", "posting")
    assert r.code == 0
    assert "/v3/posting/fbs/list" in r.out and "/v3/posting/fbo/list" in r.out
    assert "pages:cursor" in r.out and "/v2/products/stocks" not in r.out
    ru = run_cli("ozon", "ops", "отправлений")
    assert ru.code == 0 and "/v3/posting/fbs/list" in ru.out
    everything = run_cli("ozon", "ops")
    assert everything.out.startswith("509 operations") and "off 2026-10-01" in everything.out
    none = run_cli("ozon", "ops", "zzzz")  # as grep: nothing found is exit 1, one line on stderr
    assert none.code == 1 and none.out == ""
    assert none.err.count("\n") == 1 and none.err.startswith("oint: no operation matches 'zzzz'")


def test_operation_help_shows_fields_and_types(run_cli: Any) -> None:
    r = run_cli("ozon", "v3_posting_fbs_list", "--help")
    assert r.code == 0
    assert r.out.startswith("POST /v3/posting/fbs/list - ")
    assert "pages by offset (items: result.postings" in r.out
    lines = {line.split()[0]: line for line in r.out.splitlines() if line.startswith(("filter", "limit"))}
    assert "yes" in lines["filter.since"] and "date-time" in lines["filter.since"]
    assert "integer" in lines["limit"]
    stocks = run_cli("ozon", "/v2/products/stocks")  # no options: help, as OInt's methods do
    assert stocks.code == 0 and "batch field: stocks, at most 100 per request" in stocks.out
    assert "stocks[].warehouse_id" in stocks.out


def test_call_by_path_and_by_name(run_cli: Any, sandbox_url: str) -> None:
    by_path = run_cli(
        "ozon", "/v3/product/info/list", "--body", "{'product_id': [1111588191]}", *creds(sandbox_url)
    )
    assert by_path.code == 0, by_path.err
    by_name = run_cli("ozon", "v3_product_info_list", "--product_id", "1111588191", *creds(sandbox_url))
    assert by_name.code == 0, by_name.err
    assert by_path.json() == by_name.json()
    assert by_name.json()["items"][0]["id"] == 1111588191


def test_all_pages_streams_json_lines(run_cli: Any, sandbox_url: str, tmp_path: Path) -> None:
    args = [
        "ozon",
        "v3_product_list",
        "--filter",
        "{'visibility':'ALL'}",
        "--limit",
        "1",
        *creds(sandbox_url),
    ]
    whole = run_cli(*args[:3], "{'visibility':'ALL'}", "--limit", "1000", *creds(sandbox_url)).json()
    expected = [item["product_id"] for item in whole["result"]["items"]]
    streamed = run_cli(*args, "--all-pages")
    assert streamed.code == 0, streamed.err
    assert [json.loads(line)["product_id"] for line in streamed.out.splitlines()] == expected
    out = tmp_path / "items.jsonl"
    to_file = run_cli(*args, "--all-pages", "--out", str(out))
    assert to_file.code == 0 and to_file.out == ""
    assert out.read_text(encoding="utf-8") == streamed.out


def test_bad_input_is_refused_before_sending(run_cli: Any, sandbox_url: str) -> None:
    cases = [
        (["v3_product_list", "--bogus", "1"], "unknown option --bogus for v3_product_list"),
        (["v3_product_list", "--limit", "many"], "--limit: expected a whole number"),
        (["v3_product_list", "--body", "{oops"], "--body: malformed JSON"),
        (["v2_products_stocks", "--body", "{}", "--all-pages"], "does not page"),
        (["/v1/cargoes-label/file/{file_guid}", "--sandbox"], "missing path parameter --file_guid"),
        (["v1_actions", "--body", "{}"], "takes no body"),
    ]
    for args, message in cases:
        r = run_cli("ozon", *args, *creds(sandbox_url))
        assert r.code == 2, (args, r.err)
        assert message in r.err and "Traceback" not in r.err
        assert len(r.err.strip().splitlines()) == 1


def test_ozon_error_is_printed_with_exit_1(run_cli: Any, server: Any, sandbox_url: str) -> None:
    server.fault(
        path="/v3/product/list", status=400, body={"code": 3, "message": "bad filter", "details": []}
    )
    r = run_cli("ozon", "v3_product_list", "--body", "{}", "--retries", "0", *creds(sandbox_url))
    assert r.code == 1 and r.json()["message"] == "bad filter"


def test_all_pages_error_goes_to_stderr(run_cli: Any, server: Any, sandbox_url: str) -> None:
    server.fault(path="/v3/product/list", status=403)
    r = run_cli("ozon", "v3_product_list", "--body", "{}", "--all-pages", *creds(sandbox_url))
    assert r.code == 1 and r.out == ""
    assert json.loads(r.err.removeprefix("oint: "))["code"] == 7


def test_item_errors_exit_1_as_oint_functions_do(run_cli: Any, sandbox_url: str) -> None:
    """An answer whose items carry Ozon's errors exits 1, by OInt's function or by operation alike."""
    fbs, rfbs = 1020005000050693, 1020005000050694
    unknown = {"offer_id": "NO-SUCH-OFFER", "stock": 1, "warehouse_id": fbs}

    def stocks(offer: str, warehouse: int) -> list[dict[str, Any]]:  # a pair once per 30 s (Ozon's limit)
        return [unknown, {"offer_id": offer, "stock": 3, "warehouse_id": warehouse}]

    by_operation = run_cli(
        "ozon",
        "v2_products_stocks",
        "--body",
        json.dumps({"stocks": stocks("91132", fbs)}),
        *creds(sandbox_url),
    )
    by_function = run_cli(
        "ozon", "UpdateProductsStocks", "--stocks", json.dumps(stocks("91132", rfbs)), *creds(sandbox_url)
    )
    for r in (by_operation, by_function):
        assert r.code == 1, r.err
        assert "Ozon did not apply 1 item(s) (--allow-item-errors: exit 0)" in r.err
        assert [x["updated"] for x in r.json()["result"]] == [False, True]  # the answer is printed whole
    body = json.dumps({"stocks": [unknown]})
    allowed = run_cli(
        "ozon", "/v2/products/stocks", "--body", body, "--allow-item-errors", *creds(sandbox_url)
    )
    assert allowed.code == 0 and allowed.err == ""
    clean = run_cli(
        "ozon",
        "v2_products_stocks",
        "--body",
        json.dumps({"stocks": stocks("143210609", fbs)[1:]}),
        *creds(sandbox_url),
    )
    assert clean.code == 0, clean.err
