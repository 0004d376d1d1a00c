"""CLI argument parsing: unit and property tests of the pure parsers, and the CLI's
usage errors (exit 2, one line, no traceback)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import DEMO_API_KEY, DEMO_CLIENT_ID, single_quoted
from hypothesis import given
from hypothesis import strategies as st

from oint.apps.cli.args import convert_values, parse_invocation, split_options
from oint.compat.methods import REGISTRY
from oint.compat.values import STRINGS, parse_datetime, relaxed_json, unescape
from oint.core.errors import UsageError

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_relaxed_json_reads_standard_json(value: Any) -> None:
    assert relaxed_json(json.dumps(value)) == value


@given(json_values)
def test_relaxed_json_reads_single_quoted_json(value: Any) -> None:
    assert relaxed_json(single_quoted(value)) == value


@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=15),
        min_size=1,
        max_size=5,
    )
)
def test_array_option_single_quotes_round_trip(items: list[str]) -> None:
    assert STRINGS.parse_cli(single_quoted(items), "images") == items


@given(st.text(max_size=30).filter(lambda s: not s.lstrip().startswith(("[", "{")) and "\\" not in s))
def test_plain_array_value_becomes_one_item_list(text: str) -> None:
    if text and not text.lower().endswith(".json"):
        import os

        if not os.path.exists(text):
            assert STRINGS.parse_cli(text, "images") == [text]


@given(st.text(alphabet="ab\\nrvf", max_size=30))
def test_unescape_never_grows(text: str) -> None:
    assert len(unescape(text)) <= len(text)


def test_unescape_known_sequences() -> None:
    assert unescape(r"a\nb\rc\vd\fe\\n") == "a\nb\rc\vd\fe\\n"


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
            st.text(min_size=1, max_size=10).filter(lambda s: not s.startswith("--")),
        ),
        max_size=6,
    )
)
def test_split_options_round_trip(pairs: list[tuple[str, str]]) -> None:
    tokens = [t for name, value in pairs for t in (f"--{name}", value)]
    assert split_options(tokens) == [(n, v) for n, v in pairs]


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_parse_datetime_iso_round_trip(value: dt.datetime) -> None:
    assert parse_datetime(value.isoformat()) == value
    assert parse_datetime(value.strftime("%m/%d/%Y %H:%M:%S")) == value.replace(microsecond=0)


def test_parse_datetime_oint_forms() -> None:
    assert parse_datetime("2025-07-05T12:47:44.5600826") == dt.datetime(2025, 7, 5, 12, 47, 44, 560082)
    assert parse_datetime("07/29/2025 21:23:13") == dt.datetime(2025, 7, 29, 21, 23, 13)
    assert parse_datetime("2025-07-05T12:47:44Z").tzinfo is not None


def test_images_from_json_file(tmp_path: Any) -> None:
    f = tmp_path / "images.json"
    f.write_text('["https://a.ru/1.jpg", "https://a.ru/2.jpg"]', encoding="utf-8")
    assert STRINGS.parse_cli(str(f), "images") == ["https://a.ru/1.jpg", "https://a.ru/2.jpg"]


def test_invocation_sorts_options() -> None:
    m = REGISTRY["UpdateProductImages"]
    inv = parse_invocation(
        m, ["--ClientID", "1", "--apikey=k", "--productid", "5", "--sandbox", "--OUT", "f"]
    )
    assert inv.values == {"productid": "5"} and inv.flags == {"sandbox"}
    assert inv.settings == {"clientid": "1", "apikey": "k", "out": "f"}
    assert convert_values(m, inv.values) == (5, None, None, "")


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["--productid", "1", "--nope", "x"], "unknown option --nope"),
        (["--productid"], "needs a value"),
        (["--productid", "1", "--productid", "2"], "given twice"),
        (["stray"], "unexpected argument"),
    ],
)
def test_invocation_errors(tokens: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_invocation(REGISTRY["UpdateProductImages"], tokens)


BASE = ["--clientid", DEMO_CLIENT_ID, "--apikey", DEMO_API_KEY, "--sandbox"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ozon", "NoSuchMethod"], "unknown Ozon method"),
        (
            ["ozon", "UpdateProductImages", *BASE, "--productid", "1111588191", "--images", "['a', 'b'"],
            "--images: malformed JSON array",
        ),
        (
            ["ozon", "UpdateProductImages", *BASE, "--images", "['https://a.ru/1.jpg']"],
            "missing required option --productid",
        ),
        (
            ["ozon", "UpdateProductImages", *BASE, "--productid", "1", "--colour", "RED"],
            "unknown option --colour",
        ),
        (
            ["ozon", "UpdateProductImages", *BASE, "--productid", "1", "--timeout", "soon"],
            "--timeout: expected a number",
        ),
        (["nosuchlib"], "unknown command"),
        (["sandbox", "serve", "--port", "http"], "--port"),
    ],
)
def test_cli_usage_errors_exit_2(run_cli: Any, sandbox_db: str, args: list[str], needle: str) -> None:
    r = run_cli(*args, env={"OINT_SANDBOX_DB": sandbox_db})
    assert r.code == 2, (r.out, r.err)
    assert needle in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err
    assert DEMO_API_KEY not in r.err and r.out == ""


def test_cli_pages(run_cli: Any) -> None:
    start = run_cli()
    assert start.code == 0 and "oint 0." in start.out and "ozon" in start.out
    listing = run_cli("ozon")
    assert (
        listing.code == 0
        and "UpdateProductImages" in listing.out
        and "ОбновитьИзображенияТовара" in listing.out
    )
    for name in ("UpdateProductImages", "обновитьизображениятовара", "UPDATEPRODUCTIMAGES"):
        page = run_cli("ozon", name)
        assert page.code == 0 and "--productid" in page.out and "Example:" in page.out
        assert "POST /v1/product/pictures/import" in page.out
    assert run_cli("ozon", "UpdateProductImages", "--help").out == run_cli("ozon", "UpdateProductImages").out


def test_json_file_errors_name_the_option(tmp_path: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match=r"^--images: file .* is not valid JSON"):
        STRINGS.parse_cli(str(bad), "images")
    with pytest.raises(UsageError, match=r"^--images: cannot read"):
        STRINGS.parse_cli(str(tmp_path / "missing.json"), "images")


@pytest.mark.parametrize("timeout", ["0", "-1", "soon"])
def test_one_parser_of_the_client_options_for_calls_operations_bulk_and_export(
    timeout: str, run_cli: Any, tmp_path: Any
) -> None:
    """`--timeout` meant "not negative" for calls and "positive" for bulk jobs: one parser now
    (`main.client_options`), the same answer everywhere, before anything is sent."""
    rows = tmp_path / "stocks.csv"
    rows.write_text("offer_id,warehouse_id,stock\nA,1,1\n", encoding="utf-8")
    env = {"OINT_SANDBOX_DB": str(tmp_path / "s.sqlite3"), "OINT_JOBS_DIR": str(tmp_path / "jobs")}
    commands = [
        ["ozon", "GetProductList", "--sandbox"],
        ["ozon", "v3_product_list", "--sandbox", "--body", "{}"],
        ["ozon", "bulk", "stocks", "--file", str(rows), "--sandbox"],
        ["ozon", "export", "stocks", "--out", str(tmp_path / "x.csv"), "--sandbox"],
    ]
    lines = set()
    for command in commands:
        result = run_cli(*command, "--timeout", timeout, env=env)
        assert result.code == 2 and result.out == "", (command, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        lines.add(result.err.strip())
    assert len(lines) == 1, lines  # the very same line
    assert not (tmp_path / "jobs").exists() and not (tmp_path / "x.csv").exists()
