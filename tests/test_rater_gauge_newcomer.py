"""Each sample aggregation fed to the streaming rater across statements, worked by hand.

A newcomer's gauges (a peak, a low, the latest value, a time-weighted mean over the known
time and over the period, a count, a unique count, a percentile) and a counter from zero,
read over daily UTC cycles, with statements between the readings (at a reading's
instant, at a cycle's end, again with nothing new), restores through JSON, a price
change and a description change mid-cycle, late and too-late readings. Every figure is
worked in a comment; every stream's lines, summed per line, equal one batch `rk.rate()`
over the same records, to the last digit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

from tests._gauge_streams import charge_sums, line_sums

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
START = "2026-03-01T00:00:00Z"
Record = rk.Event | rk.Sample | rk.Inventory
Said = list[tuple[str, int, str, Decimal, Decimal, bool]]


def _gauge(meter: str, at: str, value: int, key: str, *, seq: int | None = None) -> rk.Sample:
    return rk.Sample("acme", "app", meter, at, value, kind="gauge", id=key, seq=seq)


def _said(statement: rk.Statement) -> Said:
    """A statement's lines: role, day of the cycle, entry, quantity, amount, late."""
    return [
        (line.role, line.cycle.start.day, line.entry, line.quantity, line.amount, line.late)
        for line in statement.lines
    ]


def _restored(rater: rk.Rater, plan: rk.Plan, meters: Sequence[rk.Meter]) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, list(meters))


def _as_batch(
    statements: Sequence[rk.Statement],
    records: Sequence[Record],
    plan: rk.Plan,
    meters: Sequence[rk.Meter],
) -> None:
    """The statements' lines add up to one batch `rk.rate()` of ``records``."""
    as_of = statements[-1].as_of
    span = rk.Span(START, DAILY.containing(as_of - dt.timedelta(microseconds=1)).end)
    rating = rk.rate(records, plan, span=span, meters=list(meters), as_of=as_of)
    lines = [line for statement in statements for line in statement.lines]
    assert line_sums(lines) == charge_sums(rating.charges)


def test_a_peak_across_statements_is_priced_under_each_price_for_its_share_of_the_time() -> None:
    # 2 EUR a user until 12:00, 3 EUR after; readings 4 at 03:00 and 10 at 14:00.
    plan = rk.Plan("p", "EUR", DAILY, [
        rk.PriceEntry("a", "peak", rk.PerUnit(2)),
        rk.PriceEntry("b", "peak", rk.PerUnit(3), start="2026-03-01T12:00:00Z", priority=1),
    ])  # fmt: skip
    meters = [rk.Meter("peak", "user", rk.Max())]
    records = [_gauge("peak", "2026-03-01T03:00:00Z", 4, "p1"),
               _gauge("peak", "2026-03-01T14:00:00Z", 10, "p2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement(f"2026-03-01T{hour}:00:00Z") for hour in ("06", "12", "18")]
    said.append(rater.statement("2026-03-02T00:00:00Z"))
    # 06:00: the peak so far is 4, all under a: 4 x 2 = 8.
    assert _said(said[0]) == [("charge", 1, "a", 4, 8, False)]
    # 12:00, the instant the price changes: still 4 over 00:00-12:00, nothing new.
    assert _said(said[1]) == []
    # 18:00: the peak is 10 over 18 hours, each share cut at the peak's 60th digit
    # (1E-58): 10 x 12/18 = 6.66...67 under a (4 before: an increment of 2.66...67; x 2,
    # 40/3, not terminating, rounded once at its 60th digit 13.33...33: 5.33...33 EUR
    # more), and 10 x 6/18 = 3.33...33 under b (x 3 = 10 EUR: the exact share's amount).
    assert _said(said[2]) == [
        ("increment", 1, "a", Decimal("2." + "6" * 57 + "7"),
         Decimal("5." + "3" * 58), False),
        ("charge", 1, "b", Decimal("3." + "3" * 58), Decimal(10), False),
    ]  # fmt: skip
    # The day's end: 10 x 12/24 = 5 under a (10 EUR), 5 under b (15 EUR): 25 in all.
    assert _said(said[3]) == [
        ("increment", 1, "a", Decimal("-1." + "6" * 57 + "7"),
         Decimal("-3." + "3" * 58), False),
        ("increment", 1, "b", Decimal("1." + "6" * 57 + "7"), Decimal(5), False),
    ]  # fmt: skip
    assert said[3].invoices[0].total == 25
    _as_batch(said, records, plan, meters)


MEAN_KNOWN = Decimal("13." + "3" * 58)  # 40/3 in the 60 digits ratekit computes in


def test_a_mean_over_the_known_time_across_statements_and_restores() -> None:
    # Readings 10 at 06:00 and 20 at 18:00 of 1 March, 1 EUR a user, restored after each
    # statement. At 18:00 the reading there is not known yet: 10 over 06:00-18:00. At the
    # day's end: (10 x 12 + 20 x 6) / 18 = 40/3. 2 March has no reading: the level 20
    # holds all day.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "mean", rk.PerUnit(1))])
    meters = [rk.Meter("mean", "user", rk.TimeWeightedMean())]
    records = [_gauge("mean", "2026-03-01T06:00:00Z", 10, "m1"),
               _gauge("mean", "2026-03-01T18:00:00Z", 20, "m2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = []
    for as_of in ("2026-03-01T18:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z",
                  "2026-03-03T00:00:00Z"):  # fmt: skip
        said.append(rater.statement(as_of))
        rater = _restored(rater, plan, meters)
    assert _said(said[0]) == [("charge", 1, "a", 10, 10, False)]
    rest = Decimal("3." + "3" * 58)  # 40/3 - 10, exactly as said
    assert _said(said[1]) == [("increment", 1, "a", rest, rest, False)]
    assert _said(said[2]) == [("charge", 2, "a", 20, 20, False)]
    assert _said(said[3]) == []  # 20 all day: nothing changed
    _as_batch(said, records, plan, meters)


def test_a_mean_over_the_period_counts_the_time_before_the_first_reading_as_zero() -> None:
    # The same readings over the period: at 18:00, 10 x 12 / 18 = 6.66...67 (59 places);
    # at the day's end (10 x 12 + 20 x 6) / 24 = 10 exactly, so the increment is the rest.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "mean", rk.PerUnit(1))])
    meters = [rk.Meter("mean", "user", rk.TimeWeightedMean(over="period"))]
    records = [_gauge("mean", "2026-03-01T06:00:00Z", 10, "m1"),
               _gauge("mean", "2026-03-01T18:00:00Z", 20, "m2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement("2026-03-01T18:00:00Z")]
    rater = _restored(rater, plan, meters)
    said.append(rater.statement("2026-03-02T00:00:00Z"))
    so_far = Decimal("6." + "6" * 58 + "7")
    assert _said(said[0]) == [("charge", 1, "a", so_far, so_far, False)]
    rest = Decimal("3." + "3" * 59)  # 10 - 6.66...67
    assert _said(said[1]) == [("increment", 1, "a", rest, rest, False)]
    assert said[1].invoices[0].total == 10
    _as_batch(said, records, plan, meters)


def test_a_mean_holds_its_last_level_through_compacted_cycles_and_a_restore() -> None:
    # As above, no horizon: 1 and 2 March close at 3 March 00:00 (40/3 and 20), and 1
    # March is compacted when 3 March closes. The compacted state keeps the level 20: 3
    # March is 20, and 4 March too until a reading of 2 at 18:00 comes:
    # (20 x 18 + 2 x 6) / 24 = 372/24 = 15.5, an increment of -4.5.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "mean", rk.PerUnit(1))])
    meters = [rk.Meter("mean", "user", rk.TimeWeightedMean())]
    records = [_gauge("mean", "2026-03-01T06:00:00Z", 10, "m1"),
               _gauge("mean", "2026-03-01T18:00:00Z", 20, "m2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement("2026-03-03T00:00:00Z")]
    rater = _restored(rater, plan, meters)
    said.append(rater.statement("2026-03-04T12:00:00Z"))
    late = _gauge("mean", "2026-03-04T18:00:00Z", 2, "m3")
    assert rater.feed([late]).accepted == ("m3",)
    rater = _restored(rater, plan, meters)
    said.append(rater.statement("2026-03-05T00:00:00Z"))
    assert _said(said[0]) == [
        ("charge", 1, "a", MEAN_KNOWN, MEAN_KNOWN, False),
        ("charge", 2, "a", 20, 20, False),
    ]
    assert [c.start.day for c in said[0].closed] == [1, 2]
    assert _said(said[1]) == [("charge", 3, "a", 20, 20, False), ("charge", 4, "a", 20, 20, False)]
    assert _said(said[2]) == [("increment", 4, "a", Decimal("-4.5"), Decimal("-4.5"), False)]
    _as_batch(said, [*records, late], plan, meters)


def test_the_latest_value_corrected_by_a_reading_fed_behind_the_watermark() -> None:
    # Readings 5 at 10:00 and 3 at 20:00 of 1 March, 1 EUR a user, a horizon of 6 hours.
    # At 15:00 the latest is 5; at the day's end 3 (an increment of -2). At 03:00 a
    # reading of 9 at 23:00 comes: the latest of 1 March is 9, not 3. 1 March closes at
    # 06:00, so the 04:00 statement takes back the 3 and charges 9 in the open cycle; one
    # more reading (1 at 23:30), fed after the close, corrects the closed cycle (late).
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "last", rk.PerUnit(1))])
    meters = [rk.Meter("last", "user", rk.Latest())]
    records = [_gauge("last", "2026-03-01T10:00:00Z", 5, "l1"),
               _gauge("last", "2026-03-01T20:00:00Z", 3, "l2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START, horizon=dt.timedelta(hours=6))
    rater.feed(records)
    said = [rater.statement("2026-03-01T15:00:00Z"), rater.statement("2026-03-02T00:00:00Z")]
    nine = _gauge("last", "2026-03-01T23:00:00Z", 9, "l3")
    assert rater.feed([nine]).accepted == ("l3",)  # the cycle is still open
    said.append(rater.statement("2026-03-02T04:00:00Z"))
    said.append(rater.statement("2026-03-02T06:00:00Z"))
    one = _gauge("last", "2026-03-01T23:30:00Z", 1, "l4")
    assert rater.feed([one]).late == ("l4",)
    said.append(rater.statement("2026-03-02T07:00:00Z"))
    assert _said(said[0]) == [("charge", 1, "a", 5, 5, False)]
    assert _said(said[1]) == [("increment", 1, "a", -2, -2, False)]
    assert _said(said[2]) == [
        ("reversal", 1, "a", -3, -3, False),
        ("correction", 1, "a", 9, 9, False),
    ]
    assert said[3].invoices[0].total == 9
    assert _said(said[4]) == [
        ("reversal", 1, "a", -9, -9, True),
        ("correction", 1, "a", 1, 1, True),
    ]
    _as_batch(said, [*records, nine, one], plan, meters)


def test_the_latest_value_across_a_description_change_and_a_tie_ordered_by_seq() -> None:
    # 1 EUR a user, 3 EUR under tier gold. The app runs plain from 00:00 and is gold from
    # 12:00; the latest is 8 from 04:00. At 18:00: 8 x 12/18 = 5.33... plain and
    # 8 x 6/18 = 2.66...67 gold (8 EUR), cut at the level's 60th digit (1E-59). Two
    # readings at 20:00, 6 with seq 2 and 2 with seq 1: by seq the 6 is the later, so the
    # day's latest is 6: 6 x 12/24 = 3 plain (-2.33...33) and 3 gold (9 EUR).
    plan = rk.Plan("p", "EUR", DAILY, [
        rk.PriceEntry("a", "last", rk.PerUnit(1)),
        rk.PriceEntry("g", "last", rk.PerUnit(3), where={"tier": "gold"}, priority=1),
    ])  # fmt: skip
    meters = [rk.Meter("last", "user", rk.Latest())]
    records: list[Record] = [
        rk.Event("acme", "app", "2026-03-01T00:00:00Z", {"tier": "plain"}, kind="start", id="e1"),
        _gauge("last", "2026-03-01T04:00:00Z", 8, "l1"),
    ]
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement("2026-03-01T06:00:00Z")]
    gold = rk.Event("acme", "app", "2026-03-01T12:00:00Z", {"tier": "gold"}, kind="update", id="e2")
    rater.feed([gold])
    said.append(rater.statement("2026-03-01T18:00:00Z"))
    tie = [_gauge("last", "2026-03-01T20:00:00Z", 6, "l2", seq=2),
           _gauge("last", "2026-03-01T20:00:00Z", 2, "l3", seq=1)]  # fmt: skip
    rater.feed(tie)
    rater = _restored(rater, plan, meters)
    said.append(rater.statement("2026-03-02T00:00:00Z"))
    assert _said(said[0]) == [("charge", 1, "a", 8, 8, False)]
    two_thirds = Decimal("2." + "6" * 58 + "7")  # 8/3 at 60 digits
    assert _said(said[1]) == [
        ("increment", 1, "a", two_thirds.copy_negate(), two_thirds.copy_negate(), False),
        ("charge", 1, "g", two_thirds, Decimal(8), False),
    ]
    assert _said(said[2]) == [
        ("increment", 1, "a", Decimal("-2." + "3" * 59), Decimal("-2." + "3" * 59), False),
        ("increment", 1, "g", Decimal("0." + "3" * 59), Decimal(1), False),
    ]
    assert said[2].invoices[0].total == 12  # 3 + 9
    _as_batch(said, [*records, gold, *tie], plan, meters)


def test_a_counter_from_zero_across_statements_counts_from_its_start() -> None:
    # docs/usage.md's boot: a START at 22:00 of 1 March, readings 1800 at 01:00 and 5400
    # at 03:00 of 2 March, 1 EUR a second, a horizon of 6 hours. Nothing before the first
    # reading is known (00:00 and 01:00: no line; the reading at 01:00 is not read at
    # 01:00). At 02:00: 1800 over the 3 hours from 22:00, 1200 on 1 March, 600 on 2
    # March. At 04:00: 2 March is 600 + (5400 - 1800) = 4200.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "cpu", rk.PerUnit(1))])
    meters = [rk.Meter("cpu", "s", rk.Counter(from_zero=True))]
    boot = rk.Event("acme", "vm", "2026-03-01T22:00:00Z", kind="start", id="e1")
    first = rk.Sample("acme", "vm", "cpu", "2026-03-02T01:00:00Z", 1800, kind="counter", id="c1")
    second = rk.Sample("acme", "vm", "cpu", "2026-03-02T03:00:00Z", 5400, kind="counter", id="c2")
    rater = rk.Rater(plan, meters, start=START, horizon=dt.timedelta(hours=6))
    rater.feed([boot])
    said = [rater.statement("2026-03-02T00:00:00Z")]
    rater.feed([first])
    said += [rater.statement("2026-03-02T01:00:00Z"), rater.statement("2026-03-02T02:00:00Z")]
    rater = _restored(rater, plan, meters)
    rater.feed([second])
    said += [rater.statement("2026-03-02T04:00:00Z"), rater.statement("2026-03-03T00:00:00Z")]
    assert _said(said[0]) == _said(said[1]) == []
    assert _said(said[2]) == [
        ("charge", 1, "a", 1200, 1200, False),
        ("charge", 2, "a", 600, 600, False),
    ]
    assert _said(said[3]) == [("reversal", 2, "a", -600, -600, False),
                              ("correction", 2, "a", 4200, 4200, False)]  # fmt: skip
    assert _said(said[4]) == []
    _as_batch(said, [boot, first, second], plan, meters)


def test_a_counter_from_zero_after_a_delete_resets_without_a_new_stretch() -> None:
    # A START at 10:00, a reading 600 at 12:00 (from zero: 600 on 1 March), a delete at
    # 14:00 and a START at 20:00: after a delete a START is an after_delete anomaly and
    # opens nothing, so the next reading, 300 at 2 March 02:00, is a reset counted from
    # 12:00: 300 x 12/14 = 257.14... on 1 March (857.14... in all) and 300 x 2/14 =
    # 42.85... on 2 March; as batch bills them.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "cpu", rk.PerUnit(1))])
    meters = [rk.Meter("cpu", "s", rk.Counter(from_zero=True))]
    records: list[Record] = [
        rk.Event("acme", "vm", "2026-03-01T10:00:00Z", kind="start", id="e1"),
        rk.Sample("acme", "vm", "cpu", "2026-03-01T12:00:00Z", 600, kind="counter", id="c1"),
        rk.Event("acme", "vm", "2026-03-01T14:00:00Z", kind="delete", id="e2"),
        rk.Event("acme", "vm", "2026-03-01T20:00:00Z", kind="start", id="e3"),
        rk.Sample("acme", "vm", "cpu", "2026-03-02T02:00:00Z", 300, kind="counter", id="c2"),
    ]
    rater = rk.Rater(plan, meters, start=START, horizon=dt.timedelta(hours=12))
    rater.feed(records[:2])
    said = [rater.statement("2026-03-01T13:00:00Z")]
    rater.feed(records[2:4])
    said.append(rater.statement("2026-03-01T21:00:00Z"))
    rater = _restored(rater, plan, meters)
    rater.feed(records[4:])
    said += [rater.statement("2026-03-02T03:00:00Z"), rater.statement("2026-03-03T00:00:00Z")]
    assert _said(said[0]) == [("charge", 1, "a", 600, 600, False)]
    assert (_said(said[1]), [a.kind for a in said[1].anomalies]) == ([], ["after_delete"])
    assert _said(said[2]) == [
        ("reversal", 1, "a", -600, -600, False),
        ("correction", 1, "a", Decimal("857.142857142857142857142857"),
         Decimal("857.142857142857142857142857"), False),
        ("charge", 2, "a", Decimal("42.857142857142857142857143"),
         Decimal("42.857142857142857142857143"), False),
    ]  # fmt: skip
    assert sorted(a.kind for a in said[2].anomalies) == ["after_delete", "counter_reset"]
    _as_batch(said, records, plan, meters)


def test_count_unique_count_and_a_percentile_grow_reading_by_reading() -> None:
    # Readings 3, 9, 3, 5 at 03:00, 09:00, 12:00 and 20:00, each stated an hour after.
    # Count: 1, 2, 3, 4 (an increment of 1 each). Unique values: {3}, {3, 9}, the same,
    # {3, 5, 9}. The 90th percentile by nearest rank (the ceil(0.9 n)-th smallest): 3,
    # then 9 (2nd of 2), 9 (3rd of 3), 9 (4th of 4).
    plan = rk.Plan(
        "p", "EUR", DAILY, [rk.PriceEntry(name, name, rk.PerUnit(1)) for name in ("n", "u", "q")]
    )
    meters = [rk.Meter("n", "user", rk.Count()), rk.Meter("u", "user", rk.UniqueCount()),
              rk.Meter("q", "user", rk.Percentile(90))]  # fmt: skip
    records, said = [], []
    rater = rk.Rater(plan, meters, start=START)
    for hour, value in (("03", 3), ("09", 9), ("12", 3), ("20", 5)):
        batch = [
            _gauge(name, f"2026-03-01T{hour}:00:00Z", value, f"{name}{hour}") for name in "nuq"
        ]
        rater.feed(batch)
        records += batch
        said.append(rater.statement(f"2026-03-01T{int(hour) + 1:02}:00:00Z"))
    said.append(rater.statement("2026-03-02T00:00:00Z"))
    assert [[(line.role, line.entry, line.quantity) for line in s.lines] for s in said] == [
        [("charge", "n", 1), ("charge", "q", 3), ("charge", "u", 1)],
        [("increment", "n", 1), ("increment", "q", 6), ("increment", "u", 1)],
        [("increment", "n", 1)],
        [("increment", "n", 1), ("increment", "u", 1)],
        [],
    ]
    assert said[-1].invoices[0].total == 4 + 3 + 9
    _as_batch(said, records, plan, meters)


def test_a_peak_read_at_the_cycle_end_belongs_to_the_next_cycle() -> None:
    # Readings 4 at 1 March 08:00 and 10 at 2 March 00:00, the instant 1 March ends. The
    # statement at 2 March 00:00 closes 1 March with a peak of 4 and does not read the
    # 10; asked again at that watermark, it says nothing. Restored, one microsecond later
    # the 10 is 2 March's peak; 2 March closes with it.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "peak", rk.PerUnit(1))])
    meters = [rk.Meter("peak", "user", rk.Max())]
    records = [_gauge("peak", "2026-03-01T08:00:00Z", 4, "p1"),
               _gauge("peak", "2026-03-02T00:00:00Z", 10, "p2")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement("2026-03-02T00:00:00Z"), rater.statement("2026-03-02T00:00:00Z")]
    rater = _restored(rater, plan, meters)
    said += [
        rater.statement("2026-03-02T00:00:00.000001Z"),
        rater.statement("2026-03-03T00:00:00Z"),
    ]
    assert (_said(said[0]), said[0].invoices[0].total) == ([("charge", 1, "a", 4, 4, False)], 4)
    assert (said[1].lines, said[1].invoices, said[1].anomalies) == ((), (), ())
    assert _said(said[2]) == [("charge", 2, "a", 10, 10, False)]
    assert (_said(said[3]), said[3].invoices[0].total) == ([], 10)
    _as_batch(said, records, plan, meters)


def test_readings_too_late_for_a_peak_and_a_count_change_nothing_kept() -> None:
    # A peak of 7 and a reading counted each day at 06:00, no horizon: the statement at 4
    # March 00:00 closes 1 to 3 March, keeps 3 March (the last closed) and compacts 1 and
    # 2 March. Then a peak of 50 and a reading counted, both of 1 March 12:00: too late.
    # The peak is named with no quantity (no quantity corrects a peak), the count with
    # its 1; neither changes 3 March (kept) or 4 March. From 3 March on the lines add up
    # to batch's; 1 March lacks the 1 named and the peak's 50 - 7 = 43.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "peak", rk.PerUnit(1)),
                                       rk.PriceEntry("n", "n", rk.PerUnit(1))])  # fmt: skip
    meters = [rk.Meter("peak", "user", rk.Max()), rk.Meter("n", "user", rk.Count())]
    records = [_gauge(meter, f"2026-03-0{day}T06:00:00Z", 7, f"{meter}{day}")
               for day in (1, 2, 3, 4) for meter in ("peak", "n")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records[:6])
    said = [rater.statement("2026-03-04T00:00:00Z")]  # 7 and 1 a day, 1-3 March
    assert [c.start.day for c in said[0].closed] == [1, 2, 3]
    old = [_gauge("peak", "2026-03-01T12:00:00Z", 50, "old-peak"),
           _gauge("n", "2026-03-01T12:00:00Z", 50, "old-n")]  # fmt: skip
    feed = rater.feed([*old, *records[6:]])
    assert feed.too_late == ("old-peak", "old-n")
    assert {(a.record_ids, a.quantity) for a in feed.anomalies} == {
        (("old-peak",), None),
        (("old-n",), 1),
    }
    rater = _restored(rater, plan, meters)
    said.append(rater.statement("2026-03-05T00:00:00Z"))
    assert _said(said[1]) == [("charge", 4, "n", 1, 1, False), ("charge", 4, "a", 7, 7, False)]
    as_of = said[-1].as_of
    rating = rk.rate([*records, *old], plan, span=rk.Span(START, as_of), meters=meters, as_of=as_of)
    kept = rk.Span("2026-03-03T00:00:00Z", as_of).start_us
    lines = [line for statement in said for line in statement.lines]
    assert line_sums(lines, kept) == charge_sums(rating.charges, kept)
    # batch: 50 + 2 on 1 March, 7 + 1 on each other day, 76; the stream 4 x 8 = 32
    assert (rating.total(), said[0].total() + said[1].total()) == (76, 32)


def test_a_low_below_zero_across_a_watermark_at_its_instant_and_a_restore() -> None:
    # A balance read 5 at 02:00, -3 at 10:00 and 4 at 16:00 of 1 March, 2 EUR a unit.
    # 06:00: the low is 5 (10 EUR). 10:00, the instant of the -3: not read yet, nothing
    # new. Restored; 12:00: the low is -3, -6 EUR, an increment of -8 units, -16 EUR.
    # The 4 changes nothing: the day closes at -6 EUR, as batch bills it.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "low", rk.PerUnit(2))])
    meters = [rk.Meter("low", "unit", rk.Min())]
    records = [_gauge("low", "2026-03-01T02:00:00Z", 5, "b1"),
               _gauge("low", "2026-03-01T10:00:00Z", -3, "b2"),
               _gauge("low", "2026-03-01T16:00:00Z", 4, "b3")]  # fmt: skip
    rater = rk.Rater(plan, meters, start=START)
    rater.feed(records)
    said = [rater.statement("2026-03-01T06:00:00Z"), rater.statement("2026-03-01T10:00:00Z")]
    rater = _restored(rater, plan, meters)
    said += [rater.statement("2026-03-01T12:00:00Z"), rater.statement("2026-03-02T00:00:00Z")]
    assert _said(said[0]) == [("charge", 1, "a", 5, 10, False)]
    assert _said(said[1]) == []
    assert _said(said[2]) == [("increment", 1, "a", -8, -16, False)]
    assert _said(said[3]) == []
    assert said[3].invoices[0].total == -6
    charges = said[3].invoices[0].lines[0].charges  # the 4 is named by the closing invoice
    assert [charge.record_ids for charge in charges] == [("b1", "b2", "b3")]
    _as_batch(said, records, plan, meters)


def test_a_mean_corrected_by_readings_fed_after_the_watermark_passed_them() -> None:
    # 1 EUR a user. 10 at 00:00: the mean to 12:00 is 10. Then 30 at 06:00 comes, stamped
    # before that watermark: at 18:00 the mean is (10 x 6 + 30 x 12) / 18 = 420/18 =
    # 70/3, said as a reversal of the 10 and a correction. Then 0 at 12:00, the first
    # watermark's instant: the day is (10 x 6 + 30 x 6 + 0 x 12) / 24 = 240/24 = 10.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("a", "mean", rk.PerUnit(1))])
    meters = [rk.Meter("mean", "user", rk.TimeWeightedMean())]
    records = [
        _gauge("mean", "2026-03-01T00:00:00Z", 10, "m1"),
        _gauge("mean", "2026-03-01T06:00:00Z", 30, "m2"),
        _gauge("mean", "2026-03-01T12:00:00Z", 0, "m3"),
    ]
    rater = rk.Rater(plan, meters, start=START)
    said = []
    for record, as_of in zip(records, ("12", "18", "24"), strict=True):
        assert rater.feed([record]).accepted == (record.id,)
        rater = _restored(rater, plan, meters)
        at = "2026-03-02T00:00:00Z" if as_of == "24" else f"2026-03-01T{as_of}:00:00Z"
        said.append(rater.statement(at))
    seventy_thirds = Decimal("23." + "3" * 58)
    assert _said(said[0]) == [("charge", 1, "a", 10, 10, False)]
    assert _said(said[1]) == [
        ("reversal", 1, "a", -10, -10, False),
        ("correction", 1, "a", seventy_thirds, seventy_thirds, False),
    ]
    assert _said(said[2]) == [
        ("reversal", 1, "a", seventy_thirds.copy_negate(), seventy_thirds.copy_negate(), False),
        ("correction", 1, "a", 10, 10, False),
    ]
    _as_batch(said, records, plan, meters)
