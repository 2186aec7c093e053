"""An inventory's listing of a resource is a sign of life for ``close="last_seen"``.

A resource known only from listings (opened by an inventory, never an event or sample)
is closed by a ``last_seen`` inventory that does not list it at its last listing, not at
its opening: in batch metering, with a carried state, and in the streaming rater alike.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
CALLS = rk.Meter("calls", "call", rk.Discrete())
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
HALF = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit("0.5"))]
)
BOTH = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.5")),
        rk.PriceEntry("c", "calls", rk.PerUnit("0.01")),
    ],
)
OPENED = rk.Inventory("2026-03-01T10:00:00Z", [("acme", "vm-1")], id="i10")
LISTED = rk.Inventory("2026-03-01T14:00:00Z", [("acme", "vm-1")], id="i14")
GONE = rk.Inventory("2026-03-01T18:00:00Z", [], close="last_seen", id="i18")


def test_a_resource_known_only_from_listings_closes_at_its_last_listing() -> None:
    # Opened by i10 at 10:00, listed again by i14 at 14:00, not listed by i18 (last_seen)
    # at 18:00: closed at 14:00, its last sign of life. 4 h x 0.5 EUR = 2.00 (before: it
    # closed at its opening, 10:00, and nothing was charged).
    rating = rk.rate([OPENED, LISTED, GONE], HALF, span=DAY, meters=[RUNTIME])
    assert [(c.quantity, c.amount) for c in rating.charges] == [(Decimal(4), Decimal("2.0"))]
    usage = rk.meter([GONE, LISTED, OPENED], [RUNTIME], span=DAY, cycle=None, as_of=DAY.end)
    (closed,) = [a for a in usage.anomalies if a.kind == "reconciled_close"]
    assert closed.message == (
        "inventory 'i18' at 2026-03-01T18:00:00Z does not list 'vm-1' of 'acme', running "
        "since 2026-03-01T10:00:00Z: closed at 2026-03-01T14:00:00Z (its last sign of life)."
    )


def test_a_sample_after_the_last_listing_is_the_later_sign_of_life() -> None:
    # Listed at 10:00 and 14:00, a sample at 15:30: closed at 15:30, 5.5 h.
    call = rk.Sample("acme", "vm-1", "calls", "2026-03-01T15:30:00Z", 3, id="s1")
    usage = rk.meter([OPENED, LISTED, GONE, call], [RUNTIME, CALLS], span=DAY, cycle=None,
                     as_of=DAY.end)  # fmt: skip
    assert [(r.meter, r.quantity) for r in usage.rows] == [
        ("calls", Decimal(3)),
        ("runtime", Decimal("5.5")),
    ]


def test_a_listing_after_the_last_seen_inventory_is_no_sign_of_life_before_it() -> None:
    # Listed at 10:00 and again at 20:00, after i18: closed at 10:00 (zero hours), then
    # opened again at 20:00 by the later listing: 4 h to midnight.
    later = rk.Inventory("2026-03-01T20:00:00Z", [("acme", "vm-1")], id="i20")
    usage = rk.meter([OPENED, GONE, later], [RUNTIME], span=DAY, cycle=None, as_of=DAY.end)
    assert usage.total() == Decimal(4)


def test_a_carried_state_remembers_the_last_listing() -> None:
    # Metered to 16:00 (i10, i14 known): 6 h. The next call gets i18, late for nothing
    # (stamped after the clock) but closing at the last sign of life, 14:00, which the
    # state remembers (its listings): a late row of -2 h (14:00 to 16:00), 4 h in all,
    # as metering at once.
    cut = "2026-03-01T16:00:00Z"
    one = rk.meter([OPENED, LISTED], [RUNTIME], span=rk.Span(DAY.start, cut), cycle=None,
                   as_of=cut)  # fmt: skip
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in one.state]
    two = rk.meter([GONE], [RUNTIME], span=rk.Span(cut, DAY.end), cycle=None, as_of=DAY.end,
                   state=state)  # fmt: skip
    assert one.total() == Decimal(6)
    assert two.total() == Decimal(0)
    assert [(r.span.start, r.span.end, r.quantity) for r in two.late] == [
        (to_dt("2026-03-01T14:00:00Z"), to_dt(cut), Decimal(-2))
    ]


def test_a_carried_state_remembers_the_last_sample() -> None:
    # Started at 00:00, a call at 05:00, metered to 06:00: 6 h. The next call gets a
    # last_seen inventory at 10:00 that does not list it: closed at 05:00, the call, its
    # last sign of life, which the state remembers (its readings): a late row of -1 h
    # (05:00 to 06:00), 5 h in all, as metering at once. (It closed at the start, 00:00,
    # as if the call had not been: -6 h.)
    cut = "2026-03-01T06:00:00Z"
    started = rk.Event("acme", "vm-1", DAY.start, kind="start", id="e")
    call = rk.Sample("acme", "vm-1", "calls", "2026-03-01T05:00:00Z", 3, id="s")
    gone = rk.Inventory("2026-03-01T10:00:00Z", [], close="last_seen", id="gone")
    one = rk.meter([started, call], [RUNTIME, CALLS], span=rk.Span(DAY.start, cut), cycle=None,
                   as_of=cut)  # fmt: skip
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in one.state]
    two = rk.meter([gone], [RUNTIME, CALLS], span=rk.Span(cut, DAY.end), cycle=None,
                   as_of=DAY.end, state=state)  # fmt: skip
    assert sum(r.quantity for r in one.rows if r.meter == "runtime") == Decimal(6)
    assert [r for r in two.rows if r.meter == "runtime"] == []
    assert [(r.span.start, r.span.end, r.quantity) for r in two.late] == [
        (to_dt("2026-03-01T05:00:00Z"), to_dt(cut), Decimal(-1))
    ]
    at_once = rk.meter([started, call, gone], [RUNTIME, CALLS], span=DAY, cycle=None,
                       as_of=DAY.end)  # fmt: skip
    assert sum(r.quantity for r in at_once.rows if r.meter == "runtime") == Decimal(5)


def to_dt(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_the_rater_counts_listings_in_kept_cycles() -> None:
    # Fed in three batches with statements between: the rater's lines add up to batch's
    # 2.00 (4 h x 0.5 EUR): 4 h billed by 16:00 (10:00 to 14:00 and on), corrected back.
    rater = rk.Rater(HALF, [RUNTIME], start=DAY.start, horizon=dt.timedelta(days=1))
    rater.feed([OPENED])
    first = rater.statement("2026-03-01T12:00:00Z").total()  # 2 h: 1.0
    rater.feed([LISTED])
    second = rater.statement("2026-03-01T16:00:00Z").total()  # 4 h more: 2.0
    rater.feed([GONE])
    third = rater.statement(DAY.end).total()  # closed at 14:00: -2 h, -1.0
    assert (first, second, third) == (Decimal("1.0"), Decimal("2.0"), Decimal("-1.0"))


def test_the_rater_says_a_closing_into_compacted_cycles_from_the_last_listing() -> None:
    # Daily cycles, one hour of horizon: opened by a listing on 1 March 10:00, listed again
    # on 2 March 14:00, found gone by a last_seen inventory on 5 March 05:00, fed after 1 to
    # 3 March were compacted. It closes at 2 March 14:00 (not 1 March 10:00): the part from
    # there to 4 March 00:00, 10 + 24 = 34 hours, stays billed.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit(1))]
    )
    rater = rk.Rater(plan, [RUNTIME], start=DAY.start, horizon=dt.timedelta(hours=1))
    again = rk.Inventory("2026-03-02T14:00:00Z", [("acme", "vm-1")], id="i2")
    rater.feed([OPENED, again])
    billed = sum(rater.statement(f"2026-03-0{day}T06:00:00Z").total() for day in range(2, 6))
    assert billed == Decimal(92)  # 14 + 24 + 24 + 24 hours of 1-4 March, 6 of 5 March
    feed = rater.feed([rk.Inventory("2026-03-05T05:00:00Z", [], close="last_seen", id="gone")])
    (anomaly,) = feed.anomalies
    assert anomaly.message == (
        "inventory 'gone' at 2026-03-05T05:00:00Z (close='last_seen') closes 'vm-1' of 'acme', "
        "running since 2026-03-02T14:00:00Z (its last sign of life), before every cycle the "
        "rater keeps: the part from 2026-03-02T14:00:00Z to 2026-03-04T00:00:00Z (34 hours "
        "running) belonged to cycles already compacted and stays billed ('runtime': -34 hour "
        "under description {}): not applied (the part from then on is)."
    )
    assert (anomaly.meter, anomaly.quantity) == ("runtime", Decimal(-34))
    # 4 March (24 h) and 5 March (6 h) taken back: 92 - 30 = 62 billed, where batch bills
    # 14 + 14 = 28 (1 March 10:00 to 2 March 14:00): the 34 hours named above.
    assert rater.statement("2026-03-06T06:00:00Z").total() == Decimal(-30)
    batch = rk.rate([OPENED, again, rk.Inventory("2026-03-05T05:00:00Z", [], close="last_seen")],
                    plan, span=rk.Span(DAY.start, "2026-03-06T06:00:00Z"), meters=[RUNTIME])  # fmt: skip
    assert sum(c.amount for c in batch.charges) == Decimal(28) == Decimal(62 - 34)


_CLOSED = re.compile(r"closed at (\S+) \(its last sign of life\)\.$")

QUARTER_US = 15 * 60 * 1_000_000
QUARTERS = 96  # in a day


@settings(max_examples=LAWS * 3 // 2)
@given(
    start=st.none() | st.integers(0, QUARTERS - 1),
    listings=st.lists(st.integers(0, QUARTERS - 1), max_size=4),
    samples=st.lists(st.integers(0, QUARTERS - 1), max_size=3),
    gone=st.integers(0, QUARTERS - 1),
    split=st.integers(1, QUARTERS - 1),
)
def test_a_last_seen_closing_is_the_last_sign_of_life_before_it(
    start: int | None, listings: list[int], samples: list[int], gone: int, split: int
) -> None:
    # Oracle, by brute force over quarter-hour ticks: the resource opens at its first
    # event or listing; the last_seen inventory at ``gone`` (not listing it) closes it at
    # the max over its event, listings and samples up to ``gone``, unless a listing of
    # that very instant keeps it (inventories at one instant: listed by any, present).
    # Closed, it is deleted: a listing after ``gone`` opens it again until the day's end
    # (an event after it is ignored).
    t0 = DAY.start_us

    def at(quarter: int) -> str:
        return format_us(t0 + quarter * QUARTER_US)

    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Inventory(at(gone), [], close="last_seen", id="gone")
    ]
    if start is not None:
        records.append(rk.Event("acme", "vm-1", at(start), kind="start", id="e"))
    records += [rk.Inventory(at(q), [("acme", "vm-1")], id=f"i{n}") for n, q in enumerate(listings)]
    records += [
        rk.Sample("acme", "vm-1", "calls", at(q), 1, id=f"s{n}") for n, q in enumerate(samples)
    ]
    openers = [*([] if start is None else [start]), *listings]
    ticks: set[int] = set()
    closed_at: int | None = None
    before = [q for q in openers if q <= gone]
    if before:
        first = min(before)
        if gone in listings:
            ticks.update(range(first, QUARTERS))
        else:
            closed_at = max([*before, *(q for q in samples if q <= gone)])
            ticks.update(range(first, closed_at))
    # Closed, it is deleted: a later event is ignored, a later listing opens it again.
    after = [q for q in (listings if closed_at is not None else openers) if q > gone]
    if (after and closed_at is not None) or not before:
        ticks.update(range(min(after, default=QUARTERS), QUARTERS))
    usage = rk.meter(records, [RUNTIME, CALLS], span=DAY, cycle=None, as_of=DAY.end)
    runtime = sum((r.quantity for r in usage.rows if r.meter == "runtime"), Decimal(0))
    assert Fraction(runtime) == Fraction(len(ticks), 4)
    closes = [a for a in usage.anomalies if a.kind == "reconciled_close"]
    if closed_at is None:
        assert not closes
    else:
        (close,) = closes
        found = _CLOSED.search(close.message)
        assert found is not None
        assert to_us(found[1], "closing") == t0 + closed_at * QUARTER_US
    # Metered in two calls cut at a quarter (the state carried through JSON): the rows of
    # both and the late rows of the second add up to the same hours, whatever signs of
    # life the first call saw (its samples and listings: the state remembers them).
    cut_us = t0 + split * QUARTER_US
    early = [r for r in records if r.at_us < cut_us]
    first_call = rk.meter(early, [RUNTIME, CALLS], span=rk.Span.from_us(t0, cut_us), cycle=None,
                          as_of=format_us(cut_us))  # fmt: skip
    carried = [
        rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in first_call.state
    ]
    second_call = rk.meter([r for r in records if r.at_us >= cut_us], [RUNTIME, CALLS],
                           span=rk.Span.from_us(cut_us, DAY.end_us), cycle=None,
                           as_of=DAY.end, state=carried)  # fmt: skip
    hours = sum(
        (
            r.quantity
            for r in (*first_call.rows, *second_call.rows, *second_call.late)
            if r.meter == "runtime"
        ),
        Decimal(0),
    )
    assert Fraction(hours) == Fraction(len(ticks), 4)
    # The streaming rater, fed in two batches with a statement between, agrees with batch.
    rater = rk.Rater(BOTH, [RUNTIME, CALLS], start=DAY.start, horizon=dt.timedelta(days=1))
    cut = len(records) // 2
    rater.feed(records[cut:])
    total = rater.statement(at(gone)).total()
    rater.feed(records[:cut])
    total += rater.statement(DAY.end).total()
    batch = rk.rate(records, BOTH, span=DAY, meters=[RUNTIME, CALLS])
    assert total == sum((c.amount for c in batch.charges), Decimal(0))
