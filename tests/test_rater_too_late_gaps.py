"""A too-late part over an assignment gap names only what was billed, or would be.

The account's plan ends on 2 March at 12:00 and starts again on 4 March (daily cycles, no
horizon): its VM, running since 1 March, is billed 24 h on 1 March and 12 h on 2 March,
36 h at 1 EUR; its 12 h of 2 March after noon and all of 3 March are unpriced (an
``"unpriced"`` anomaly), as in batch ``rate()``. Once 1 and 2 March are compacted, a
record that takes back the VM's running there gets a ``"too_late"`` anomaly whose
quantity is, by docs/streaming.md, "what the stream billed that batch does not": the
stream's lines plus the quantities named are batch's. The part named used to run over
the gap too, 12 h that no line billed, so the sum fell 12 h (12 EUR) short of batch. An
event placed in the compacted state and an inventory reconciled with it now name their
part within the account's assignments, and so does a ``last_seen`` closing. So do a
counter reading's part and a sequenced event's ``"late"`` parts, which come from
metering's late rows of the compacted cycles: those rows are per cycle, whose spans do
not say where in the cycle the usage lies, so the rater's engine tells metering where
each account has a plan, and a late row keeps only that time (a time meter's running
cut at the plan's ends, a counter's increment in proportion to that time).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
PLANS = [
    rk.Assignment("acme", PLAN, end="2026-03-02T12:00:00Z"),
    rk.Assignment("acme", PLAN, start="2026-03-04T00:00:00Z"),
]
ON = rk.Event("acme", "vm-5", "2026-03-01T00:00:00Z", kind="start", id="on")
DAYS = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")


def _billed() -> tuple[rk.Rater, Decimal]:
    rater = rk.Rater(PLANS, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([ON])
    billed = rater.statement("2026-03-04T00:00:00Z").total()  # 1 and 2 March compacted
    assert billed == 24 + 12  # 1 March whole, 2 March to noon; the rest is unpriced
    return rater, billed


def test_a_stop_placed_too_late_names_only_the_hours_billed() -> None:
    rater, billed = _billed()
    stop = rk.Event("acme", "vm-5", "2026-03-01T10:00:00Z", kind="stop", id="off")
    feed = rater.feed([stop])
    later = rater.statement("2026-03-05T00:00:00Z").total()  # 3 March unpriced, 4 March stopped
    assert later == 0
    # Batch bills 1 March 00:00-10:00: 10 h. The stream billed 36 h, 26 of them after
    # 10:00 (14 h of 1 March, 12 h of 2 March): the part named is -26, and 36 - 26 = 10.
    # It named -38 (10:00 on 1 March to 3 March: the 12 h of the gap too): 36 - 38 = -2.
    assert rk.rate([ON, stop], PLANS, span=DAYS, meters=[VM]).total() == 10
    assert [a.quantity for a in feed.anomalies] == [Decimal(-26)]
    assert billed + later + feed.anomalies[0].quantity == 10


def test_an_inventory_reconciled_too_late_names_only_the_hours_billed() -> None:
    rater, billed = _billed()
    inventory = rk.Inventory("2026-03-01T10:00:00Z", [], id="inv")  # closes the VM at 10:00
    feed = rater.feed([inventory])
    later = rater.statement("2026-03-05T00:00:00Z").total()
    assert later == 0
    # As for the STOP: batch bills 10 h, the stream billed 26 h after 10:00 (14 + 12),
    # named -26 (it named -38): 36 - 26 = 10.
    assert rk.rate([ON, inventory], PLANS, span=DAYS, meters=[VM]).total() == 10
    assert [a.quantity for a in feed.anomalies] == [Decimal(-26)]
    assert billed + later + feed.anomalies[0].quantity == 10


def test_a_last_seen_closing_names_only_the_hours_billed() -> None:
    rater, _ = _billed()
    inventory = rk.Inventory("2026-03-04T05:00:00Z", [], close="last_seen", id="inv")
    assert rater.feed([inventory]).anomalies == ()  # stamped after the watermark
    statement = rater.statement("2026-03-05T00:00:00Z")
    assert statement.total() == 0
    # Batch closes the VM at its last sign of life, its START: nothing is billed. The
    # stream billed 36 h of the compacted days, the part that stays billed: -36, and
    # 36 - 36 = 0. It named -48 (all of 1 and 2 March): 36 - 48 = -12.
    assert rk.rate([ON, inventory], PLANS, span=DAYS, meters=[VM]).total() == 0
    parts = [a.quantity for a in statement.anomalies if a.kind == "too_late"]
    assert parts == [Decimal(-36)]
    assert 36 + parts[0] == 0


COUNTER = rk.Meter("b", "B", rk.Counter())
BYTES = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("b", "b", rk.PerUnit(1))])
NO_PLAN_ON_2_MARCH = [
    rk.Assignment("acme", BYTES, end="2026-03-02T00:00:00Z"),
    rk.Assignment("acme", BYTES, start="2026-03-03T00:00:00Z"),
]
FIRST = rk.Sample("acme", "c", "b", "2026-03-01T12:00:00Z", 0, kind="counter", id="r0")
SECOND = rk.Sample("acme", "c", "b", "2026-03-04T12:00:00Z", 720, kind="counter", id="r1")
WEEK = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")


def test_a_counter_part_names_only_what_batch_bills() -> None:
    counter, plans, first, second = COUNTER, NO_PLAN_ON_2_MARCH, FIRST, SECOND
    rater = rk.Rater(plans, [counter], start="2026-03-01T00:00:00Z")
    rater.feed([first])
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted
    feed = rater.feed([second])
    billed = rater.statement("2026-03-05T00:00:00Z").total()
    # 720 B over 72 h, 10 B an hour: 120 B on 1 March, 240 on 2 March (no plan), 240 on 3
    # March and 120 on 4 March. Batch bills 120 + 240 + 120 = 480; the stream 360 (3 and
    # 4 March). The part named should be 120 (1 March): 360 + 120 = 480. It names 360,
    # the 240 of 2 March too, which nobody bills: 360 + 360 = 720.
    assert billed == 360
    assert rk.rate([first, second], plans, span=WEEK, meters=[counter]).total() == 480
    assert [a.quantity for a in feed.anomalies] == [Decimal(120)]


def test_a_counter_reading_placed_names_only_what_batch_bills() -> None:
    rater = rk.Rater(NO_PLAN_ON_2_MARCH, [COUNTER], start="2026-03-01T00:00:00Z")
    rater.feed([FIRST, SECOND])
    billed = rater.statement("2026-03-05T00:00:00Z").total()  # 1 to 3 March compacted
    # 720 B over 72 h: 120 B on 1 March, 240 on 3 March, 120 on 4 March (2 March: no plan).
    assert billed == 480
    middle = rk.Sample("acme", "c", "b", "2026-03-01T18:00:00Z", 300, kind="counter", id="m")
    feed = rater.feed([middle])
    billed += rater.statement("2026-03-06T00:00:00Z").total()
    # With 300 at 1 March 18:00, the 420 B after run over 66 h, 70/11 B an hour: 1 March
    # 300 + 420/11, 2 March 1680/11 (no plan), 3 March 1680/11, 4 March 840/11. Batch:
    # 300 + 2940/11 = 567.27...; the stream corrects 4 March (kept) to 840/11: 120 + 240 +
    # 840/11 = 436.36.... The part to name is 1 March's change, 180 + 420/11, and 3
    # March's, 1680/11 - 240: 1440/11 = 130.90... (it names 480/11, 2 March's -960/11 in).
    batch = rk.rate([FIRST, SECOND, middle], NO_PLAN_ON_2_MARCH, span=WEEK, meters=[COUNTER])
    assert batch.total() == Decimal("567.272727272727272727272727")
    assert [a.quantity for a in feed.anomalies] == [Decimal("130.909090909090909090909091")]
    assert billed + feed.anomalies[0].quantity == batch.total()


def test_the_late_parts_of_a_sequenced_event_name_only_what_was_billed() -> None:
    plans = [  # no plan on 28 March
        rk.Assignment("acme", PLAN, end="2026-03-28T00:00:00Z"),
        rk.Assignment("acme", PLAN, start="2026-03-29T00:00:00Z"),
    ]
    later = rk.Event("acme", "vm-8", "2026-03-27T12:00:00Z", kind="start", id="s1", seq=84)
    first = rk.Event("acme", "vm-8", "2026-03-29T18:00:00Z", kind="start", id="s0", seq=64)
    rater = rk.Rater(plans, [VM], start="2026-03-27T00:00:00Z")
    rater.feed([later])
    billed = rater.statement("2026-03-30T00:00:00Z").total()  # 27 and 28 March compacted
    assert billed == 12 + 24  # 27 March from noon, 29 March (28 March: no plan)
    rater.feed([first])
    statement = rater.statement("2026-03-31T00:00:00Z")
    assert statement.total() == -24 + 6 + 24  # 29 March corrected to 6 h, 30 March
    # Batch runs the VM from 29 March 18:00 (s1 comes after s0 by seq): 6 + 24 = 30 h.
    # The stream billed 42; the 12 h of 27 March it billed are the part named, -12:
    # 42 - 12 = 30. It names -24 for 28 March too, where nothing was billed: 42 - 36 = 6.
    span = rk.Span("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")
    assert rk.rate([later, first], plans, span=span, meters=[VM]).total() == 30
    parts = [a.quantity for a in statement.anomalies if a.kind == "late"]
    assert parts == [Decimal(-12)]


def test_the_late_parts_of_a_sequenced_event_end_where_the_plan_ends_in_a_cycle() -> None:
    plans = [  # the plan ends on 28 March at noon, starts again on 29 March
        rk.Assignment("acme", PLAN, end="2026-03-28T12:00:00Z"),
        rk.Assignment("acme", PLAN, start="2026-03-29T00:00:00Z"),
    ]
    later = rk.Event("acme", "vm-8", "2026-03-27T12:00:00Z", kind="start", id="s1", seq=84)
    first = rk.Event("acme", "vm-8", "2026-03-29T18:00:00Z", kind="start", id="s0", seq=64)
    rater = rk.Rater(plans, [VM], start="2026-03-27T00:00:00Z")
    rater.feed([later])
    billed = rater.statement("2026-03-30T00:00:00Z").total()  # 27 and 28 March compacted
    assert billed == 12 + 12 + 24  # 27 March from noon, 28 March to noon, 29 March
    rater.feed([first])
    statement = rater.statement("2026-03-31T00:00:00Z")
    assert statement.total() == -24 + 6 + 24  # 29 March corrected to 6 h, 30 March
    # Batch runs the VM from 29 March 18:00: 6 + 24 = 30 h. The stream billed 48 + 6 =
    # 54; its parts before the kept cycles are the 12 h of 27 March and the 12 h of 28
    # March before noon, -12 each: 54 - 24 = 30. It named -24 for 28 March (the 12 h
    # after noon, where no plan is, too): 54 - 36 = 18.
    span = rk.Span("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")
    assert rk.rate([later, first], plans, span=span, meters=[VM]).total() == 30
    parts = [a.quantity for a in statement.anomalies if a.kind == "late"]
    assert parts == [Decimal(-12), Decimal(-12)]
    assert billed + statement.total() + sum(parts, Decimal(0)) == 30


def test_a_counter_part_ends_where_the_plan_ends_in_a_cycle() -> None:
    plans = [  # the plan ends on 2 March at noon, starts again on 3 March
        rk.Assignment("acme", BYTES, end="2026-03-02T12:00:00Z"),
        rk.Assignment("acme", BYTES, start="2026-03-03T00:00:00Z"),
    ]
    rater = rk.Rater(plans, [COUNTER], start="2026-03-01T00:00:00Z")
    rater.feed([FIRST])
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted
    feed = rater.feed([SECOND])
    billed = rater.statement("2026-03-05T00:00:00Z").total()
    # 720 B over 72 h, 10 B an hour: 120 B on 1 March (from noon), 120 on 2 March before
    # noon (the 120 after: no plan), 240 on 3 March, 120 on 4 March. Batch bills 600; the
    # stream 360 (3 and 4 March), and the part named is 120 + 120 = 240: 360 + 240 = 600.
    # It named 360 (2 March whole): 720.
    assert billed == 360
    assert rk.rate([FIRST, SECOND], plans, span=WEEK, meters=[COUNTER]).total() == 600
    assert [a.quantity for a in feed.anomalies] == [Decimal(240)]


_DAYS = 6


def _iso(hour: int) -> str:
    """The instant ``hour`` hours after 1 March 00:00 UTC."""
    day, rest = divmod(hour, 24)
    return f"2026-03-{day + 1:02d}T{rest:02d}:00:00Z"


def _assigned_hours(lo: int, hi: int, gap: tuple[int, int]) -> int:
    """The hours of ``[lo, hi)`` outside ``gap``: the brute-force count, hour by hour."""
    return sum(1 for hour in range(lo, hi) if not gap[0] <= hour < gap[1])


def _gap_plans(plan: rk.Plan, gap: tuple[int, int]) -> list[rk.Assignment]:
    return [
        rk.Assignment("acme", plan, end=_iso(gap[0])),
        rk.Assignment("acme", plan, start=_iso(gap[1])),
    ]


def _lines_and_named(statements: list[rk.Statement], feeds: list[rk.Feed]) -> Decimal:
    """The stream's usage plus every quantity its "late" and "too_late" anomalies name."""
    lines = sum((line.quantity for s in statements for line in s.lines), Decimal(0))
    said = [a for report in (*statements, *feeds) for a in report.anomalies]
    named = [a.quantity for a in said if a.kind in {"late", "too_late"} and a.quantity]
    return lines + sum(named, Decimal(0))


@given(
    gap_start=st.integers(12, 84),
    gap_hours=st.integers(1, 36),
    later_at=st.integers(0, 95),
    after=st.integers(0, 24 * _DAYS - 1),
    first_kind=st.sampled_from(["start", "stop"]),
    compacted_by=st.integers(3, 5),
)
def test_sequenced_parts_over_a_gap_add_up_to_batch(  # noqa: PLR0917 - drawn values
    gap_start: int,
    gap_hours: int,
    later_at: int,
    after: int,
    first_kind: str,
    compacted_by: int,
) -> None:
    # A START (seq 84) billed and compacted, then a START or STOP stamped at or after it
    # and ordered before it (seq 64): batch moves the START to that event's instant (out
    # of order) and bills the hours from there to the end where the account has a plan.
    # (One stamped before a compacted START cannot be placed: its anomaly says so.)
    gap = (gap_start, gap_start + gap_hours)
    first_at = min(later_at + after, 24 * _DAYS - 1)
    if gap[0] <= later_at < gap[1] or (first_kind == "start" and gap[0] <= first_at < gap[1]):
        return  # usage where the account has no plan is refused at the feed
    plans = _gap_plans(PLAN, gap)
    later = rk.Event("acme", "vm", _iso(later_at), kind="start", id="s1", seq=84)
    first = rk.Event("acme", "vm", _iso(first_at), kind=first_kind, id="s0", seq=64)  # type: ignore[arg-type]
    rater = rk.Rater(plans, [VM], start=_iso(0))
    feeds = [rater.feed([later])]
    statements = [rater.statement(_iso(24 * compacted_by))]
    feeds.append(rater.feed([first]))
    statements.append(rater.statement(_iso(24 * _DAYS)))
    expected = _assigned_hours(first_at, 24 * _DAYS, gap)
    span = rk.Span(_iso(0), _iso(24 * _DAYS))
    assert rk.rate([later, first], plans, span=span, meters=[VM]).total() == expected
    assert _lines_and_named(statements, feeds) == expected


@given(
    gap_start=st.integers(12, 84),
    gap_hours=st.integers(1, 36),
    hours=st.lists(st.integers(0, 24 * _DAYS - 1), min_size=2, max_size=3, unique=True),
    rises=st.lists(st.integers(0, 500), min_size=2, max_size=2),
    compacted_by=st.integers(3, 5),
)
def test_counter_parts_over_a_gap_add_up_to_batch(
    gap_start: int, gap_hours: int, hours: list[int], rises: list[int], compacted_by: int
) -> None:
    # The first reading drawn billed and compacted, the others fed after (before it, after
    # it, or around it): the counter rises in time, each rise spread evenly over the hours
    # since the reading before, and batch bills the share of those hours where the
    # account has a plan.
    gap = (gap_start, gap_start + gap_hours)
    if any(gap[0] <= hour < gap[1] for hour in hours):
        return  # usage where the account has no plan is refused at the feed
    plans = _gap_plans(BYTES, gap)
    in_time = sorted(hours)
    values = dict(zip(in_time, [0, rises[0], rises[0] + rises[1]], strict=False))
    readings = [
        rk.Sample("acme", "c", "b", _iso(hour), values[hour], kind="counter", id=f"r{hour}")
        for hour in hours
    ]
    rater = rk.Rater(plans, [COUNTER], start=_iso(0))
    feeds = [rater.feed(readings[:1])]
    statements = [rater.statement(_iso(24 * compacted_by))]
    feeds.append(rater.feed(readings[1:]))
    statements.append(rater.statement(_iso(24 * _DAYS)))
    expected = Decimal(0)
    for a, b in itertools.pairwise(in_time):
        share = Decimal(_assigned_hours(a, b, gap)) / Decimal(b - a)
        expected += (values[b] - values[a]) * share
    span = rk.Span(_iso(0), _iso(24 * _DAYS))
    batch = rk.rate(readings, plans, span=span, meters=[COUNTER]).total()
    assert abs(batch - expected) < Decimal("1e-20")
    assert _lines_and_named(statements, feeds) == batch
