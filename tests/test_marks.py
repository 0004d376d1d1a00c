"""Честный знак marks in the sandbox's exemplar checks (issue 15.19): real GS1 DataMatrix marks
with GS separators are accepted, garbage is still refused; the parser as a property."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oint.sandbox.gs1 import GS, is_mark, parse_mark
from oint.sandbox.model.fbs_actions import _mark_errors

REAL = "010460043993125621JgXJ5.T\x1d8005112000\x1d930001"  # a cigarette pack, as a scanner reads it
SET_82 = string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_"


@pytest.mark.parametrize(
    "mark",
    [
        REAL,
        "]d2" + REAL,  # the scanner's symbology identifier
        GS + REAL,  # a leading FNC1
        "0104601234567890215Abc123",  # no separators at all, as sellers store marks
        "0104650118041421215'Mq6XgLz&kR(" + GS + "91EE10" + GS + "92dGVzdGtleWJhc2U2NA==",  # 91 + 92
        "0104650118041421215'Mq6XgLz&kR(" + GS + "93dGVz",
        "010465011804142117261231215abcde" + GS + "93AbCd",  # expiry date between GTIN and serial
    ],
)
def test_real_marks_are_accepted(mark: str) -> None:
    assert _mark_errors(mark) == []


@pytest.mark.parametrize(
    "mark",
    [
        "",
        "bad",
        "0204600439931256215abcde",  # not a GTIN first
        "01046004399312215abcde",  # GTIN of 12 digits
        "0104600439931256",  # no serial
        "010460043993125621abc de",  # a space
        "010460043993125621JgXJ5.T" + GS + GS + "930001",  # an empty element
        "010460043993125621JgXJ5.T" + GS + "99xyz",  # an AI marks do not carry
        "010460043993125621JgXJ5.T" + GS + "800511200",  # a price of five digits
        "010460043993125621" + "x" * 21 + GS + "930001",  # a serial over 20 characters
        "010460043993125621JgXJ5.T" + GS + "93" + "é",  # outside GS1's character set
        "010460043993125621JgXJ5.T\n",
        "0104600439931256" + GS + "21JgXJ5.T" + GS + "21other",  # the serial twice
    ],
)
def test_garbage_is_refused(mark: str) -> None:
    assert _mark_errors(mark) == ["INVALID_MARK_FORMAT"]


gtins = st.text(alphabet=string.digits, min_size=14, max_size=14)
serials = st.text(alphabet=SET_82, min_size=1, max_size=20)
tails = st.lists(
    st.one_of(
        st.text(alphabet=string.digits, min_size=6, max_size=6).map(lambda v: "8005" + v),
        st.text(alphabet=SET_82, min_size=1, max_size=90).map(lambda v: "91" + v),
        st.text(alphabet=SET_82, min_size=1, max_size=90).map(lambda v: "92" + v),
        st.text(alphabet=SET_82, min_size=1, max_size=40).map(lambda v: "93" + v),
    ),
    max_size=3,
    unique_by=lambda element: element[:2],
)


@given(gtins, serials, tails)
def test_every_well_formed_mark_parses_back_to_its_elements(gtin: str, serial: str, tail: list[str]) -> None:
    mark = GS.join(["01" + gtin + "21" + serial, *tail])
    elements = parse_mark(mark)
    assert elements is not None, mark
    assert elements["01"] == gtin and elements["21"] == serial
    for element in tail:
        ai = "8005" if element.startswith("8005") else element[:2]
        assert elements[ai] == element[len(ai) :]


@given(gtins, serials, st.sampled_from([" ", "\n", "\t", "\x00", "é", "Ж"]), st.integers(min_value=0))
def test_a_character_outside_gs1s_set_makes_any_mark_garbage(
    gtin: str, serial: str, bad: str, at: int
) -> None:
    mark = "01" + gtin + "21" + serial + GS + "930001"
    where = at % (len(mark) + 1)
    assert not is_mark(mark[:where] + bad + mark[where:])


@given(st.text(max_size=250))
def test_the_parser_never_raises_and_needs_gtin_and_serial(text: str) -> None:
    elements = parse_mark(text)
    if elements is not None:
        assert len(elements["01"]) == 14 and elements["01"].isdigit() and elements["21"]
