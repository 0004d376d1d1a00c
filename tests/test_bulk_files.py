"""Files of bulk jobs: rows checked and converted by the operation's request schema, nested
fields by dotted columns, reports and exports written in a stream; the progress line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from oint.apis.seller.spec import operation
from oint.apps.cli.bulk_cmd import ProgressLine
from oint.core.errors import UsageError
from oint.jobs.export import columns, rows_of
from oint.jobs.files import Check, ItemSchema, open_writer, read_table


def items(schema: ItemSchema, path: Path) -> list[tuple[Any, list[str]]]:
    table = read_table(str(path))
    assert schema.check_header(table.header) == []
    return [schema.item_of(table.header, cells) for _, cells in table.rows]


def test_csv_with_semicolons_and_dotted_nested_columns(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "offer_id;name;price;description_category_id;type_id;images;attributes.0.id;attributes.0.values.0.value\n"
        'A-1;Плёнка;1300;17028922;91565;["https://a/1.jpg","https://a/2.jpg"];85;Samsung\n'
        "A-2;Чехол;990.50;17028922;91565;https://a/3.jpg;;\n",
        encoding="utf-8-sig",
    )
    schema = ItemSchema(operation("/v3/product/import"), (("offer_id",),), decimals=("price",))
    (first, p1), (second, p2) = items(schema, path)
    assert p1 == p2 == []
    assert first == {
        "offer_id": "A-1",
        "name": "Плёнка",
        "price": "1300",
        "description_category_id": 17028922,
        "type_id": 91565,
        "images": ["https://a/1.jpg", "https://a/2.jpg"],
        "attributes": [{"id": 85, "values": [{"value": "Samsung"}]}],
    }
    assert second["images"] == ["https://a/3.jpg"] and "attributes" not in second


def test_json_lines_typed_values_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "stocks.jsonl"
    lines = [
        {"offer_id": "A", "warehouse_id": 1, "stock": 5},
        {"product_id": 7, "warehouse_id": "2", "stock": 6},
        {"offer_id": "B", "warehouse_id": 1, "stock": 1, "colour": "red"},
        {"offer_id": "C", "warehouse_id": 1, "stock": "x"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    schema = ItemSchema(
        operation("/v2/products/stocks"), (("offer_id", "product_id"),), (Check("stock", ">=", 0),)
    )
    got = items(schema, path)
    assert got[0] == ({"offer_id": "A", "warehouse_id": 1, "stock": 5}, [])
    assert got[1] == ({"product_id": 7, "warehouse_id": 2, "stock": 6}, [])
    assert got[2][1] == ["field 'colour': not a field of /v2/products/stocks items"]
    assert got[3][1] == ["field 'stock': expected a whole number, got 'x'"]


def test_scalar_items_of_archive(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("product_id\n11\n12\nabc\n", encoding="utf-8")
    schema = ItemSchema(operation("/v1/product/archive"))
    got = items(schema, path)
    assert [g[0] for g in got[:2]] == [11, 12]
    assert got[2][1] == ["column 'product_id' (A): expected a whole number, got 'abc'"]


def test_file_kinds_are_named_by_extension(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.csv, \.xlsx or \.jsonl"):
        read_table(str(tmp_path / "stocks.ods"))
    with pytest.raises(UsageError, match="does not exist"):
        read_table(str(tmp_path / "missing.csv"))


def test_export_columns_come_from_the_response_schema() -> None:
    stocks = operation("/v4/product/info/stocks")
    cols = columns(stocks, "stocks")
    assert cols[:2] == ["offer_id", "product_id"] and {"present", "reserved", "type", "warehouse_ids"} <= set(
        cols
    )
    item = {
        "offer_id": "A",
        "product_id": 1,
        "stocks": [{"type": "fbs", "present": 3, "warehouse_ids": [9]}, {"type": "fbo", "present": 1}],
    }
    assert rows_of(item, "stocks") == [
        {"offer_id": "A", "product_id": 1, "type": "fbs", "present": 3, "warehouse_ids": [9]},
        {"offer_id": "A", "product_id": 1, "type": "fbo", "present": 1},
    ]
    prices = columns(operation("/v5/product/info/prices"), None)
    assert "price.price" in prices and "price.old_price" in prices  # nested objects: dotted


def test_writers_stream_csv_and_jsonl(tmp_path: Path) -> None:
    out = open_writer(str(tmp_path / "a.csv"), ["x", "y.z"])
    out.write({"x": 1, "y.z": [1, 2]})
    out.close()
    assert (tmp_path / "a.csv").read_text().splitlines() == ["x,y.z", '1,"[1,2]"']
    out = open_writer(str(tmp_path / "a.jsonl"), [])
    out.write({"x": {"y": "ё"}})
    out.close()
    assert json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8")) == {"x": {"y": "ё"}}
    with pytest.raises(UsageError, match="does not exist"):
        open_writer(str(tmp_path / "no" / "a.csv"), ["x"])


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeSummary:
    def __init__(self, confirmed: int, failed: int, total: int) -> None:
        self.confirmed, self.failed, self.total = confirmed, failed, total


def test_progress_bar_on_a_terminal_and_lines_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = Tty()
    bar = ProgressLine("job-1", 1000, stream=tty)
    bar(FakeSummary(0, 0, 1000), force=True)
    bar(FakeSummary(400, 10, 1000), force=True)
    bar.end(FakeSummary(990, 10, 1000))
    text = tty.getvalue()
    assert text.count("\r[") == 3 and text.endswith("\n")
    assert "[#########" in text and "410/1,000 (41%) confirmed 400 failed 10" in text
    assert "items/min" in text and "ETA" in text
    monkeypatch.setenv("OINT_PROGRESS_EVERY", "3600")
    plain = io.StringIO()
    quiet = ProgressLine("job-2", 10, stream=plain)
    quiet(FakeSummary(1, 0, 10))
    quiet(FakeSummary(2, 0, 10))  # within the hour: no line
    quiet.end(FakeSummary(10, 0, 10))
    lines = plain.getvalue().splitlines()
    assert (
        len(lines) == 2 and lines[-1].startswith("oint: job-2: 10/10 (100%)") and "\r" not in plain.getvalue()
    )


def test_rate_and_eta_never_beat_ozons_quota_and_waits_are_shown() -> None:
    """A fresh window lets 80 requests of 100 stocks go at once: 8,000 items in a second measured
    480,000 items a minute and an ETA of 0:11 for 92,000 more, where Ozon allows 8,000 a minute."""
    from oint.jobs.jobs import Summary

    now = [0.0]
    tty = Tty()
    bar = ProgressLine("job-1", 100_000, stream=tty, clock=lambda: now[0])
    start = Summary("job-1", 100_000, 0, 0, 100_000, 0, quota_per_minute=8_000.0)
    bar(start, force=True)
    now[0] = 1.0
    bar(start._replace(confirmed=8_000, pending=92_000), force=True)
    line = tty.getvalue().split("\r")[-1]
    assert "| 8,000 items/min (Ozon allows 8,000) | ETA 11:30 |" in line, line
    now[0] = 20.0
    waiting = start._replace(
        confirmed=8_000,
        pending=92_000,
        waiting="Ozon's stocks limit (80 requests a minute)",
        waiting_seconds=41.2,
    )
    bar(waiting, force=True)
    line = tty.getvalue().split("\r")[-1]
    assert line.endswith("| waiting for Ozon's stocks limit (80 requests a minute), 41 s\x1b[K"), line
    bar.end(Summary("job-1", 100_000, 100_000, 0, 0, 0))  # the last summary tells no quota
    assert "(Ozon allows 8,000)" in tty.getvalue().split("\r")[-1]
