"""Which deletion an ``"after_delete"`` anomaly names when the piece after it lasts no time.

A resource deleted (``i12``, 5 March 21:30), listed again by an inventory (``i11``,
6 March 21:30: it opens it), then closed back at that listing, its last sign of life, by
a ``last_seen`` inventory (``i13``, 8 March 12:00): the piece ``i11`` opened lasts no
time and is replaced, so the resource is deleted from ``i12`` on, and a START after it
(``s9``, 8 March 13:00) comes after the deletion of 5 March 21:30 by ``i12``, as batch
``rate()`` says. A metering state used to carry its current piece alone: once 6 March
was compacted (or the rater restored), the state had ``r0`` running from ``i11``, and
the closing replaced that piece with nothing before it, so the stream named ``i13`` at
6 March 21:30 instead (what is billed is the same). A state with no history whose
resource an inventory reopened after a deletion now keeps that deletion as its base.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
RECORDS = [
    rk.Event("a", "r0", "2026-03-05T10:00:00Z", kind="start", id="s0"),
    rk.Event("a", "r0", "2026-03-05T21:30:00Z", kind="delete", id="i12"),
    rk.Inventory("2026-03-06T21:30:00Z", [("a", "r0")], id="i11"),
    rk.Inventory("2026-03-08T12:00:00Z", [], close="last_seen", id="i13"),
    rk.Event("a", "r0", "2026-03-08T13:00:00Z", kind="start", id="s9"),
]
BATCH = (("s9", "i12"), "event 's9' (start of 'r0' at 2026-03-08T13:00:00Z) comes after")


def _named(watermark: str, restore: bool) -> list[tuple[tuple[str, ...], str]]:
    """The after_delete anomalies of the stream: the first three records, a statement
    at ``watermark``, ``i13``, one at 8 March 12:30, ``s9``, one at 9 March."""
    rater = rk.Rater(PLAN, [VM], start="2026-03-05T00:00:00Z")
    said: list[rk.Anomaly] = []
    for batch, at in (
        (RECORDS[:3], watermark),
        (RECORDS[3:4], "2026-03-08T12:30:00Z"),
        (RECORDS[4:], "2026-03-09T00:00:00Z"),
    ):
        rater.feed(batch)
        said += rater.statement(at).anomalies
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    return [(a.record_ids, a.message) for a in said if a.kind == "after_delete"]


def test_batch_names_the_deletion_of_5_march() -> None:
    span = rk.Span("2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z")
    rating = rk.rate(RECORDS, PLAN, span=span, meters=[VM])
    [anomaly] = [a for a in rating.anomalies if a.kind == "after_delete"]
    assert anomaly.record_ids == BATCH[0]
    assert anomaly.message.startswith(BATCH[1])
    assert "deleted at 2026-03-05T21:30:00Z" in anomaly.message


@pytest.mark.parametrize(
    ("watermark", "restore"),
    [
        ("2026-03-07T00:00:00Z", True),  # i11 kept until the restore: named i13
        ("2026-03-08T00:00:00Z", False),  # i11 compacted before i13 came: named i13
        ("2026-03-08T00:00:00Z", True),
    ],
)
def test_the_stream_names_the_deletion_batch_names(watermark: str, restore: bool) -> None:
    [(ids, message)] = _named(watermark, restore)
    assert (ids, "deleted at 2026-03-05T21:30:00Z" in message) == (BATCH[0], True)


def test_uninterrupted_with_the_listing_kept_names_it_as_batch() -> None:
    [(ids, message)] = _named("2026-03-07T00:00:00Z", restore=False)
    assert ids == BATCH[0]
    assert message.startswith(BATCH[1])


def test_metering_continued_from_a_state_names_the_deletion_as_at_once() -> None:
    # The same records metered in two calls, the state between them through JSON: the
    # first call (to 7 March) ends with r0 running from i11's listing, deleted before it
    # by i12; the second closes it back at that listing (i13) and names s9 after the
    # deletion of 5 March 21:30, as metering at once does. 10:00 to 21:30 on 5 March is
    # 11.5 h, the only hours either way.
    whole = rk.Span("2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z")
    cut = rk.Span(whole.start, "2026-03-07T00:00:00Z")
    rest = rk.Span(cut.end, whole.end)
    daily = PLAN.cycle
    once = rk.meter(RECORDS, [VM], span=whole, cycle=daily, as_of=whole.end)
    first = rk.meter(RECORDS[:3], [VM], span=cut, cycle=daily, as_of=cut.end)
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in first.state]
    second = rk.meter(RECORDS[3:], [VM], span=rest, cycle=daily, as_of=rest.end, state=state)
    for usage in (once, second):
        [anomaly] = [a for a in usage.anomalies if a.kind == "after_delete"]
        assert anomaly.record_ids == BATCH[0]
        assert "deleted at 2026-03-05T21:30:00Z" in anomaly.message
    hours = [r.quantity for r in (*first.rows, *second.rows, *second.late)]
    assert sum(hours) == sum(r.quantity for r in once.rows) == Decimal("11.5")
