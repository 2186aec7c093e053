"""The record ids a usage row or an anomaly names are record ids: non-empty UTF-8 text.

A record's id is a non-empty string of valid Unicode text (``rk.Event`` refuses ``""`` and
a lone surrogate). A `UsageRow` or an `Anomaly` built by hand, or read back with
``rk.from_row`` from stored JSON (where ``"\\ud800"`` is a lone surrogate), holds its ids
to the same rule: such an id reached the charges, the FOCUS rows (``x_RecordIds``) and the
frames, and the host's UTF-8 writer failed on it far from the row that brought it.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))]
)
SURROGATE_TAIL = (
    "is not valid Unicode text: it holds a surrogate code point ('\\ud800' at index 1), "
    "which is no character and which UTF-8 cannot encode, so no UTF-8 JSON, CSV or database "
    "text could hold it; give text decoded strictly from its bytes (or with errors='replace')."
)


def _row(record_ids: object) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 3, "hour", {}, record_ids)  # type: ignore[arg-type]


def test_a_usage_row_refuses_a_surrogate_record_id() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        _row(("e1", "e\ud800"))
    assert str(raised.value) == f"UsageRow record_ids item [1] 'e\\ud800' {SURROGATE_TAIL}"


def test_a_usage_row_refuses_an_empty_record_id() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        _row(("e1", ""))
    assert str(raised.value) == (
        "UsageRow record_ids must be a list of record ids, each a non-empty string (as a "
        "record's id), but its item [1] is ''."
    )


def test_an_anomaly_refuses_a_surrogate_or_empty_record_id() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.Anomaly("duplicate", "seen twice.", ("e\ud800",))
    assert str(raised.value) == f"Anomaly record_ids item [0] 'e\\ud800' {SURROGATE_TAIL}"
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.Anomaly("duplicate", "seen twice.", ("",))
    assert str(raised.value) == (
        "Anomaly record_ids must be a list of record ids, each a non-empty string (as a "
        "record's id), but its item [0] is ''."
    )


def test_a_stored_row_with_an_escaped_surrogate_id_is_refused_by_from_row() -> None:
    stored = json.dumps(rk.to_row(_row(("e1",)))).replace('"e1"', '"e\\ud800"')
    row = json.loads(stored)  # JSON's lone "\ud800" escape: a str holding a surrogate
    assert row["record_ids"] == ["e\ud800"]
    with pytest.raises(rk.BadDataError) as raised:
        rk.from_row(rk.UsageRow, row, path="usage[3]")
    assert str(raised.value) == (
        f"usage[3].record_ids: UsageRow record_ids item [0] 'e\\ud800' {SURROGATE_TAIL}"
    )


def test_a_row_with_plain_ids_is_priced_and_exported_as_utf8() -> None:
    # 3 hours at 0.5 = 1.5
    rating = rk.rate([_row(("e1", "é2"))], PLAN, span=MARCH)
    assert rating.total() == Decimal("1.5")
    (focus,) = rk.focus_rows(rating, provider="Example")
    assert focus["x_RecordIds"] == ["e1", "é2"]
    json.dumps(focus, ensure_ascii=False).encode("utf-8")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_IDS = st.lists(
    st.text(
        st.one_of(st.characters(categories=["Cs"]), st.sampled_from("ae\u00e9\U0001f600\n")),
        max_size=4,
    ),
    max_size=4,
)


@settings(max_examples=LAWS)
@given(ids=_IDS)
def test_law_a_row_is_refused_or_its_charges_rows_are_utf8(ids: list[str]) -> None:
    # Oracle: ids are accepted iff each is non-empty and strictly UTF-8 encodable, as an
    # rk.Event's id is; what is accepted exports as UTF-8 text.
    valid = all(ids) and all(map(_encodes, ids))
    if not valid:
        with pytest.raises(rk.RatekitTypeError, match=r"^UsageRow record_ids "):
            _row(ids)
        with pytest.raises(rk.RatekitTypeError, match=r"^Anomaly record_ids "):
            rk.Anomaly("duplicate", "seen twice.", ids)
        return
    row = _row(ids)
    for id_ in ids:  # an rk.Event takes each as its id
        rk.Event("acme", "vm-1", MARCH.start, kind="start", id=id_)
    rating = rk.rate([row], PLAN, span=MARCH)
    exported = [rk.to_row(row), *rk.focus_rows(rating, provider="Example")]
    json.dumps(exported, ensure_ascii=False).encode("utf-8")
    assert rk.from_row(rk.UsageRow, json.loads(json.dumps(rk.to_row(row)))) == row
