"""Promises a newcomer's hostile streams found broken, each with its minimal input.

Each test asserts the documented promise with the minimal input that broke it (both are
fixed: a sequenced event's anomaly waits for the event ordered before it; an inventory
listing a resource twice unalike is refused). Daily UTC cycles, worked by hand in the
comments.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])
MARCH_1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


def _said(statements: list[rk.Statement]) -> list[tuple[str, tuple[str, ...]]]:
    return [(a.kind, a.record_ids) for s in statements for a in s.anomalies]


@pytest.mark.parametrize("restart_at", ["2026-03-01T05:00:00Z", "2026-03-01T06:00:00Z"])
def test_a_sequenced_stops_anomaly_waits_for_the_event_sequenced_before_it(restart_at: str) -> None:
    # START e1 (seq 1) at 00:00, STOP e2 (seq 2) at 02:00, START e3 (seq 3) at 05:00 (or
    # 06:00), STOP e4 (seq 4) stamped 04:50: by seq, e4 follows e3 and takes effect at its
    # instant (zero duration, "out_of_order"). Every record is fed before the first
    # statement. At the watermark 05:00, metering sees e4 but not e3 (not before 05:00):
    # e4 reads as a second STOP ("duplicate_stop"), which batch over all records never
    # says. docs/streaming.md (anomalies in a stream): "When every record is fed before the
    # watermark passes its instant, a stream says the anomalies that one batch rate() over
    # all the records says, each once".
    records = [
        rk.Event("a", "r", "2026-03-01T00:00:00Z", kind="start", id="e1", seq=1),
        rk.Event("a", "r", "2026-03-01T02:00:00Z", kind="stop", id="e2", seq=2),
        rk.Event("a", "r", restart_at, kind="start", id="e3", seq=3),
        rk.Event("a", "r", "2026-03-01T04:50:00Z", kind="stop", id="e4", seq=4),
    ]
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    assert rater.feed(records).accepted == ("e1", "e2", "e3", "e4")
    statements = [rater.statement(t) for t in ("2026-03-01T05:00:00Z", "2026-03-02T00:00:00Z")]
    batch = rk.rate(records, PLAN, span=MARCH_1, meters=[VM_HOURS], as_of=MARCH_1.end)
    # The charges agree: 2 h (00:00 to 02:00) and e3's zero-length run.
    assert sum(line.amount for s in statements for line in s.lines) == batch.total() == 2
    assert [(a.kind, a.record_ids) for a in batch.anomalies] == [("out_of_order", ("e4", "e3"))]
    assert _said(statements) == [("out_of_order", ("e4", "e3"))]


def test_an_inventory_listing_a_resource_twice_with_other_attributes_is_refused() -> None:
    # A reconciler's listing that names vm-1 as small and as large says two things of one
    # resource at one instant; principle 5 of the design: bad data is refused or reported,
    # never dropped silently (inventories of one instant that disagree are a "tie").
    with pytest.raises(rk.BadRecordError) as raised:
        rk.Inventory(
            "2026-03-01T12:00:00Z",
            [("a", "vm-1", {"flavor": "small"}), ("a", "vm-1", {"flavor": "large"})],
            id="inv",
        )
    assert str(raised.value) == (
        "inventory 'inv' lists resource ('a', 'vm-1') twice with other attributes, "
        "{'flavor': 'small'} and {'flavor': 'large'}: one of them would be dropped. List "
        "each resource once, with all its attributes in that listing (the same listing "
        "twice is taken as once)."
    )


@pytest.mark.parametrize(
    "listings",
    [
        # attributes in one listing, none in the other: the first's flavor would be lost
        [("a", "vm-1", {"flavor": "small"}), ("a", "vm-1")],
        [("a", "vm-1"), ("a", "vm-1", {"flavor": "small"})],
        # apart in the list, other resources between: still one resource listed twice
        [("a", "vm-1", {"n": 1}), ("a", "vm-0"), ("b", "vm-1"), ("a", "vm-1", {"n": 2})],
        # the same names, one more attribute
        [("a", "vm-1", {"n": 1}), ("a", "vm-1", {"n": 1, "m": 2})],
    ],
)
def test_a_resource_listed_twice_unalike_is_refused_whatever_the_order(
    listings: list[tuple[object, ...]],
) -> None:
    with pytest.raises(rk.BadRecordError, match=r"^Inventory lists resource \('a', 'vm-1'\) twice"):
        rk.Inventory("2026-03-01T12:00:00Z", listings)
    with pytest.raises(rk.BadRecordError, match="twice with other attributes"):
        rk.Inventory("2026-03-01T12:00:00Z", listings[::-1])


def test_an_inventory_listing_a_resource_twice_alike_lists_it_once() -> None:
    # The same listing twice says one thing: it is taken, and opens vm-1 once (12 h to
    # midnight at 1 EUR).
    inventory = rk.Inventory("2026-03-01T12:00:00Z", [("a", "vm-1"), ("a", "vm-1")], id="inv")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([inventory])
    assert rater.statement("2026-03-02T00:00:00Z").total() == Decimal(12)
