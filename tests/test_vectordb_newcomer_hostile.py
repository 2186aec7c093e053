"""A vector database's hostile pod streams, each on its smallest input, streamed and in batch.

Plan ``std`` of ``_vectordb_pods``: small pods 0.10 an hour by day, 0.05 at night (22:00
to 06:00 Berlin time), 1,000 query units free a week, then 0.001 each. The day rated is
Sunday 29 March 2026, 23 hours long (00:00 CET to 24:00 CEST); its nights are
23:00Z..04:00Z and 20:00Z..22:00Z.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal

import pytest
from tests._vectordb_pods import DAYS, METERS, PRO, START, STD, TZ

import ratekit as rk

E, S = rk.Event, rk.Sample
SUNDAY_END = "2026-03-30T00:00:00+02:00"
SUNDAY = rk.Span(START, SUNDAY_END)
Record = rk.Event | rk.Sample | rk.Inventory


def _streamed(records: list[Record], as_of: str = SUNDAY_END) -> tuple[rk.Feed, rk.Statement]:
    rater = rk.Rater(STD, METERS, start=START, tz=TZ)
    feed = rater.feed(records)
    saved = json.loads(json.dumps(rater.snapshot()))
    return feed, rk.Rater.restore(saved, STD, METERS).statement(as_of)


def _charged(statement: rk.Statement) -> list[tuple[str | None, Decimal, Decimal]]:
    return sorted((line.entry, line.quantity, line.amount) for line in statement.lines)


def _batch(records: list[Record], as_of: str = SUNDAY_END) -> rk.Invoice:
    rating = rk.rate(records, STD, span=SUNDAY, meters=METERS, as_of=as_of)
    (invoice,) = rk.bill(rating, tz=TZ)
    return invoice


def _invoice_entries(invoice: rk.Invoice) -> list[tuple[str | None, Decimal, Decimal]]:
    return sorted((line.entry, line.quantity, line.amount) for line in invoice.lines)


def _small(at: str, name: str, seq: int | None = None) -> rk.Event:
    return E("acme", "p", at, {"size": "s"}, kind="start", id=name, seq=seq)


def test_a_resize_and_a_delete_at_one_instant_without_seq_is_a_tie_the_resize_first() -> None:
    records: list[Record] = [
        _small("2026-03-29T08:00:00+02:00", "c"),
        E("acme", "p", "2026-03-29T10:00:00+02:00", {"size": "m"}, kind="update", id="r"),
        E("acme", "p", "2026-03-29T10:00:00+02:00", kind="delete", id="d"),
    ]
    _, statement = _streamed(records)
    # 06:00Z..08:00Z small by day: 2 x 0.10; the resize lasts no time
    assert _charged(statement) == [("pod-s", Decimal(2), Decimal("0.20"))]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [("tie", ("r", "d"))]
    assert _invoice_entries(_batch(records)) == _charged(statement)


def test_a_resize_sequenced_after_the_delete_at_its_instant_is_ignored_not_a_new_pod() -> None:
    records: list[Record] = [
        _small("2026-03-29T08:00:00+02:00", "c", seq=1),
        E("acme", "p", "2026-03-29T10:00:00+02:00", kind="delete", id="d", seq=2),
        E("acme", "p", "2026-03-29T10:00:00+02:00", {"size": "m"}, kind="update", id="r", seq=3),
    ]
    _, statement = _streamed(records)
    assert _charged(statement) == [("pod-s", Decimal(2), Decimal("0.20"))]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [("after_delete", ("r", "d"))]
    assert _invoice_entries(_batch(records)) == _charged(statement)


def _readings(tied: tuple[int | None, int | None]) -> list[Record]:
    return [
        _small("2026-03-29T08:00:00+02:00", "c"),
        S("acme", "p", "qu", "2026-03-29T09:00:00+02:00", 100, kind="counter", id="q1"),
        S(
            "acme",
            "p",
            "qu",
            "2026-03-29T10:00:00+02:00",
            900,
            kind="counter",
            id="q2",
            seq=tied[0],
        ),
        S("acme", "p", "qu", "2026-03-29T10:00:00+02:00", 5, kind="counter", id="q3", seq=tied[1]),
        S("acme", "p", "qu", "2026-03-29T11:00:00+02:00", 2000, kind="counter", id="q4"),
    ]


def _queries(statement: rk.Statement) -> list[tuple[Decimal, Decimal]]:
    return [(line.quantity, line.amount) for line in statement.lines if line.meter == "qu"]


def test_a_reset_and_a_reading_at_one_instant_in_seq_order_is_a_reset() -> None:
    records = _readings((1, 2))
    _, statement = _streamed(records)
    # 900 - 100 = 800, then the reset counts 5 from zero, then 2000 - 5 = 1995: 2800;
    # 1,000 free this week (std covers the whole week): 1800 x 0.001 = 1.8
    assert _queries(statement) == [(Decimal(2800), Decimal("1.8"))]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [
        ("counter_reset", ("q3", "q2"))
    ]
    assert _invoice_entries(_batch(records)) == [
        (e, q, a) for e, q, a in _charged(statement) if e != "queries"
    ] + [("queries", Decimal(2800), Decimal("1.80"))]


def test_a_reset_and_a_reading_at_one_instant_without_seq_is_a_tie_read_as_a_rise() -> None:
    records = _readings((None, None))
    _, statement = _streamed(records)
    # the lower first: 5 resets (counts 5), 900 rises 895, 2000 rises 1100: 2000 in all,
    # 1,000 of them free: 1000 x 0.001 = 1 (the source's order would give 2800)
    assert _queries(statement) == [(Decimal(2000), Decimal(1))]
    assert sorted((a.kind, a.record_ids) for a in statement.anomalies) == [
        ("counter_reset", ("q3", "q1")),
        ("tie", ("q2", "q3")),
    ]


def test_a_query_counter_that_wraps_is_a_reset_counting_from_zero() -> None:
    records: list[Record] = [
        _small("2026-03-29T08:00:00+02:00", "c"),
        S("acme", "p", "qu", "2026-03-29T09:00:00+02:00", 2**64 - 10, kind="counter", id="q1"),
        S("acme", "p", "qu", "2026-03-29T10:00:00+02:00", 1200, kind="counter", id="q2"),
    ]
    _, statement = _streamed(records)
    # a lower reading is a reset (usage.md, Counters and gauges): 1200 counted, the 10
    # units up to the wrap are not; 200 above the week's 1,000 free: 0.2
    assert _queries(statement) == [(Decimal(1200), Decimal("0.2"))]
    assert [a.kind for a in statement.anomalies] == ["counter_reset"]


@pytest.mark.parametrize("created", ["2026-03-20T08:00:00+01:00", "2019-03-20T08:00:00+01:00"])
def test_a_pod_created_before_the_raters_start_runs_from_the_start(created: str) -> None:
    records: list[Record] = [
        _small(created, "c"),
        E("acme", "p", "2026-03-29T10:00:00+02:00", kind="delete", id="d"),
    ]
    feed, statement = _streamed(records)
    assert (feed.accepted, feed.too_late) == (("d",), ("c",))
    # 23:00Z..08:00Z: 5 h of night (0.25) and 4 of day (0.40), as batch charges it
    assert _charged(statement) == [
        ("pod-s", Decimal(4), Decimal("0.40")),
        ("pod-s-night", Decimal(5), Decimal("0.25")),
    ]
    assert _invoice_entries(_batch(records)) == _charged(statement)


def test_a_pod_created_before_an_assignment_that_starts_with_the_rater() -> None:
    plan = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("pod", "pod.hours", rk.PerUnit("0.10"))])
    assigned = [rk.Assignment("acme", plan, start=START)]
    meters = [rk.Meter("pod.hours", "hour", rk.OnOff())]
    create = E("acme", "p0", "2026-03-20T08:00:00+01:00", kind="start", id="c")
    batch = rk.rate([create], assigned, span=SUNDAY, meters=meters)
    assert [(c.quantity, c.amount) for c in batch.charges] == [(Decimal(23), Decimal("2.30"))]
    rater = rk.Rater(assigned, meters, start=START)
    assert rater.feed([create]).too_late == ("c",)
    lines = rater.statement(SUNDAY_END).lines
    assert [(line.quantity, line.amount) for line in lines] == [(Decimal(23), Decimal("2.30"))]


def test_a_pod_created_before_the_rater_runs_from_its_start_where_no_plan_is_refused() -> None:
    """A START stamped before the rater's start runs from that start: where the account
    has no plan there (its assignment begins a day later), it makes usage no plan
    charges, and the feed refuses it naming the rater's start as the first such instant."""
    plan = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("pod", "pod.hours", rk.PerUnit("0.10"))])
    later = rk.Assignment("acme", plan, start=SUNDAY_END)
    meters = [rk.Meter("pod.hours", "hour", rk.OnOff())]
    rater = rk.Rater([later], meters, start=START)
    create = E("acme", "p0", "2026-03-20T08:00:00+01:00", kind="start", id="c")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([create])
    assert (
        "event 'c' stamped 2026-03-20T07:00:00Z makes usage of account 'acme' at "
        "2026-03-28T23:00:00Z, where the account has no plan assigned"
    ) in str(caught.value)
    # A delta stamped before the start is not applied at all: taken, too late.
    delta = rk.Sample("acme", "p0", "pod.hours", "2026-03-20T08:00:00+01:00", 1, id="d")
    assert rk.Rater([later], [rk.Meter("pod.hours", "hour", rk.Discrete())], start=START).feed(
        [delta]
    ).too_late == ("d",)


def test_an_inventory_listing_a_pod_before_its_create_arrives() -> None:
    rater = rk.Rater(STD, METERS, start=START, tz=TZ)
    listing = rk.Inventory("2026-03-29T09:00:00+02:00", {("acme", "p"): {"size": "s"}}, id="i9")
    rater.feed([listing])
    first = rater.statement("2026-03-29T10:00:00+02:00")
    # opened at the listing: 07:00Z..08:00Z, 1 h by day
    assert _charged(first) == [("pod-s", Decimal(1), Decimal("0.10"))]
    assert [(a.kind, a.record_ids) for a in first.anomalies] == [("reconciled_open", ("i9",))]
    create = _small("2026-03-29T08:00:00+02:00", "c")
    assert rater.feed([create]).accepted == ("c",)
    second = rater.statement("2026-03-29T10:30:00+02:00")
    # the create moves the start back an hour: 06:00Z..08:30Z, 2.5 h
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("reversal", Decimal(-1), Decimal("-0.10")),
        ("correction", Decimal("2.5"), Decimal("0.250")),
    ]
    batch = _batch([listing, create], as_of="2026-03-29T10:30:00+02:00")
    assert batch.precise_total == Decimal("0.25")


def test_a_plan_switch_at_the_dst_sundays_midnight_inside_the_allowance_week_is_refused() -> None:
    rater = rk.Rater([rk.Assignment("acme", STD)], METERS, start="2026-03-28T00:00:00+01:00")
    rater.feed([_small("2026-03-28T12:00:00+01:00", "c")])
    rater.statement(START)
    # the week of the free units runs Monday 23 to Monday 30 March: a change on the
    # Sunday would reprice the units freed on the Saturday, already stated
    with pytest.raises(rk.BadTimeError, match=r"period 2026-03-22T23:00:00Z\.\.2026-03-29T22:00"):
        rater.assign(rk.Assignment("acme", PRO, start=START))
    monday = dt.datetime.fromisoformat(SUNDAY_END)
    rater.statement(monday)
    assert rater.assign(rk.Assignment("acme", PRO, start=monday)) == (
        rk.Assignment("acme", STD, end="2026-03-29T22:00:00Z"),
        rk.Assignment("acme", PRO, start="2026-03-29T22:00:00Z"),
    )
    statement = rater.statement("2026-03-30T06:00:00+02:00")
    # the pod on pro from 22:00Z: 6 h of night at 0.04
    assert [(line.plan, line.entry, line.quantity, line.amount) for line in statement.lines] == [
        ("pro", "pod-s-night", Decimal(6), Decimal("0.24"))
    ]


def test_the_callers_decimal_context_does_not_matter() -> None:
    records = _readings((1, 2))
    plain = _streamed(records)[1]
    with decimal.localcontext() as hostile:
        hostile.prec, hostile.rounding, hostile.Emax = 3, decimal.ROUND_FLOOR, 5
        hostile.traps[decimal.Inexact] = hostile.traps[decimal.Rounded] = True
        again = _streamed(records)[1]
        batch = _batch(records)
    assert [(line.key, line.amount) for line in again.lines] == [
        (line.key, line.amount) for line in plain.lines
    ]
    # 06:00Z..20:00Z 14 h x 0.10 + 2 h of night x 0.05 + 1800 units x 0.001 = 3.30
    assert batch.precise_total == _batch(records).precise_total == Decimal("3.30")


@pytest.mark.parametrize("year", [1990, 1])
def test_a_create_decades_before_the_start_is_refused_naming_it(year: int) -> None:
    rater = rk.Rater(STD, METERS, start=START, tz=TZ)
    ancient = _small(f"{year:04d}-03-20T08:00:00+01:00", "old")
    # 1990 lies about 13,158 daily cycles back, past the 10,000 a record may lie from the
    # kept cycles (streaming.md, What a feed refuses); year 1 lies outside the calendars
    with pytest.raises(rk.BadTimeError, match="event 'old'"):
        rater.feed([ancient])
    assert rater.feed([_small("2026-03-29T08:00:00+02:00", "c")]).accepted == ("c",)


def test_a_listing_at_the_instant_of_a_delete_reopens_the_pod_described_by_nothing() -> None:
    records: list[Record] = [
        _small("2026-03-29T08:00:00+02:00", "c"),
        E("acme", "p", "2026-03-29T10:00:00+02:00", kind="delete", id="d"),
        rk.Inventory("2026-03-29T10:00:00+02:00", [("acme", "p")], id="i10"),
        rk.Inventory("2026-03-29T11:00:00+02:00", [], id="i11"),
    ]
    _, statement = _streamed(records, as_of="2026-03-29T12:00:00+02:00")
    # the delete comes first at its instant, the listing opens the pod again with no size
    # (usage.md, Reconciliation): 10:00..11:00 is priced by no entry, an "unpriced"
    # anomaly under std (unpriced="anomaly"), not charged; 2 h small as before
    assert _charged(statement) == [("pod-s", Decimal(2), Decimal("0.20"))]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [
        ("reconciled_close", ("i11", "i10")),
        ("reconciled_open", ("i10",)),
        ("unpriced", ("i10", "i11")),
    ]
    rating = rk.rate(records, STD, span=SUNDAY, meters=METERS, as_of="2026-03-29T12:00:00+02:00")
    assert [(c.entry, c.quantity) for c in rating.charges] == [("pod-s", Decimal(2))]
