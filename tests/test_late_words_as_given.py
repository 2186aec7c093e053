"""A late change's words rewritten by the rater show the caller's values as given.

The rater rewrites the figure (and, up to a kept closing, the span's end) of metering's
``"late"`` anomaly. It rewrote the first place the text read so, which a resource's name
or a description's value may hold: the caller's value was changed and the figure or the
span left as it was. Daily UTC cycles, 1 EUR an hour; worked as in
tests/test_rater_seq_named.py (12 h on 2 March, up to the closing at 15:00, given back)."""

from __future__ import annotations

from decimal import Decimal

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS
from tests._seq_plan import METERS, PLAN, START

import ratekit as rk
from ratekit import _rater_parts
from ratekit._shown import show


def _said(resource: str, attributes: dict[str, object] | None) -> rk.Anomaly:
    # s starts the resource on 2 March 03:00 (seq 9); its last sign of life is a reading
    # at 15:00; a last_seen inventory of 3 March 12:00 closes it there. 2 March is
    # compacted at 4 March 03:00; then a START of 5 March 21:00 is ordered before s
    # (seq 3): the 12 h billed on 2 March (03:00 to 15:00) are given back, -12.
    start = rk.Event("a", resource, "2026-03-02T03:00:00Z", attributes, kind="start", seq=9)
    reading = rk.Sample("a", resource, "bytes", "2026-03-02T15:00:00Z", 700, kind="counter")
    inventory = rk.Inventory("2026-03-03T12:00:00Z", [], accounts=["a"], close="last_seen")
    early = rk.Event("a", resource, "2026-03-05T21:00:00Z", kind="start", id="t", seq=3)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([reading])
    rater.feed([inventory])
    rater.feed([start])
    rater.statement("2026-03-04T03:00:00Z")
    feed = rater.feed([early])
    last = rater.statement("2026-03-06T00:00:00Z")
    (said,) = [a for a in (*feed.anomalies, *last.anomalies) if a.meter == "hours"]
    return said


def test_a_description_reading_like_the_span_is_left_as_given() -> None:
    note = "..2026-03-03T00:00:00Z, before "
    said = _said("vm", {"note": note})
    assert said.quantity == Decimal(-12)
    assert said.message.startswith(
        "late records of 'vm' of 'a' change meter 'hours' by -12 hour under description "
        "{'note': '..2026-03-03T00:00:00Z, before '} over "
        "2026-03-02T03:00:00Z..2026-03-02T15:00:00Z, before what was already metered"
    )


def test_a_resource_named_like_the_figure_is_left_as_given() -> None:
    resource = "vm change meter 'hours' by -21 x"
    said = _said(resource, None)
    assert said.quantity == Decimal(-12)
    assert said.message.startswith(
        "late records of \"vm change meter 'hours' by -21 x\" of 'a' change meter 'hours' by "
        "-12 hour under description {} over 2026-03-02T03:00:00Z..2026-03-02T15:00:00Z"
    )


def test_a_resource_named_like_the_note_of_a_part_named_before_is_left_as_given() -> None:
    # A part named before is named again as the change from what was named (5) to what
    # it comes to (3): -2, its note at the end of the message; the resource keeps its name.
    resource = "r Named of this part before: 1"
    message = (
        f"late records of {resource!r} of 'a' change meter 'hours' by 5 hour under "
        "description {} over 2026-03-02T00:00:00Z..2026-03-02T05:00:00Z, before what was "
        "already metered: see Usage.late."
    )
    late = rk.Anomaly("late", message, account="a", resource=resource, meter="hours", quantity=5)
    again = _rater_parts._rest(late, Decimal(5), Decimal(3), 1772668800000000)
    assert again.quantity == Decimal(-2)  # 3 - 5
    assert again.message == (
        f"late records of {resource!r} of 'a' change meter 'hours' by -2 hour under "
        "description {} over 2026-03-02T00:00:00Z..2026-03-02T05:00:00Z, before what was "
        "already metered: see Usage.late. Named of this part before: 5; by "
        "2026-03-05T00:00:00Z it comes to 3."
    )
    # Named once more, the note is replaced, not added to: 3 named, now 4, +1.
    third = _rater_parts._rest(again, Decimal(3), Decimal(4), 1772668800000000)
    assert third.message.endswith(
        "see Usage.late. Named of this part before: 3; by 2026-03-05T00:00:00Z it comes to 4."
    )
    assert third.message.startswith(
        f"late records of {resource!r} of 'a' change meter 'hours' by 1 "
    )


_FRAGMENTS = [
    "vm",
    "..2026-03-03T00:00:00Z, before ",
    "..2026-03-03T00:00:00Z, before what was already metered",
    " change meter 'hours' by -21 ",
    " Named of this part before: 1; by x it comes to 2.",
    "'",
    '"',
]


@pytest.mark.property
@settings(max_examples=LAWS // 10, deadline=None)
@given(
    resource=st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=3).map("".join),
    note=st.lists(st.sampled_from(_FRAGMENTS), max_size=3).map("".join),
)
def test_law_the_caller_values_are_shown_as_given(resource: str, note: str) -> None:
    # Oracle: metering's words for the part, written from the values given (a long
    # description shortened as metering shows it).
    said = _said(resource, {"note": note})
    assert said.quantity == Decimal(-12)
    assert said.message.startswith(
        f"late records of {resource!r} of 'a' change meter 'hours' by -12 hour under "
        f"description {show({'note': note})} over 2026-03-02T03:00:00Z..2026-03-02T15:00:00Z, "
        "before what was already metered: see Usage.late."
    )
