"""An aggregation's reading fed once its cycle is compacted: the level it leaves is kept.

A ``TimeWeightedMean`` holds the last reading on into later cycles. A reading stamped
before the cycles the rater keeps is too late for its own cycle, but batch rating holds
its level on into the kept cycles when it is the latest reading before them: the rater
places it in the compacted state as the reading in force there (as it places a
counter's reading), and the kept cycles are metered again from it. Its part in the
compacted cycles is named, not applied: with no quantity for a mean or a peak, with
metering's count for an additive aggregation (``Count``). Worked by hand (daily UTC
cycles, 1 EUR a unit); the law compares the stream with one batch ``rate()``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

DAILY = rk.cycles.daily(tz="UTC")
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())
PINGS = rk.Meter("pings", "ping", rk.Count())
PEAK = rk.Meter("peak", "user", rk.Max())
METERS = [USERS, PINGS, PEAK]
HOURS = rk.Meter("hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "B", rk.Counter())
BYTES = rk.Meter("bytes", "B", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in METERS],
)
T0 = to_us("2026-03-01T00:00:00Z")
DAY = 86_400_000_000
HOUR = 3_600_000_000


def gauge(at: str, value: int, id: str, meter: str = "users") -> rk.Sample:  # noqa: A002
    return rk.Sample("a", "r1", meter, at, value, kind="gauge", id=id)


def by_cycle(statements: list[rk.Statement], meter: str) -> dict[str, Fraction]:
    """The stream's quantity per cycle (its start's day) of ``meter``, all lines summed exactly."""
    out: dict[str, Fraction] = {}
    for statement in statements:
        for line in statement.lines:
            if line.meter == meter:
                day = format_us(line.cycle.start_us)[:10]
                out[day] = out.get(day, Fraction(0)) + Fraction(line.quantity)
    return out


def _compacted_rater() -> tuple[rk.Rater, list[rk.Statement]]:
    """10 users from 1 March 00:00; 1 and 2 March compacted by the statement of 4 March."""
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([gauge("2026-03-01T00:00:00Z", 10, "g1")])
    statements = [rater.statement("2026-03-04T06:00:00Z")]
    assert rater._base_us == to_us("2026-03-03T00:00:00Z")  # kept: from 3 March
    return rater, statements


def test_a_too_late_level_after_the_kept_one_holds_in_the_kept_cycles() -> None:
    # 20 users from 2 March 12:00, fed once 2 March is compacted. Batch: 1 March 10,
    # 2 March (10 x 12 + 20 x 12) / 24 = 15, then 20 a day. The stream holds 20 from
    # 3 March on (10 before): 3 March 10 -> 20 corrected, 4 March reported 10 so far ->
    # 20, 5 March 20. 2 March stays 10: its part is named, with no quantity.
    rater, statements = _compacted_rater()
    feed = rater.feed([gauge("2026-03-02T12:00:00Z", 20, "g2")])
    statements.append(rater.statement("2026-03-06T00:00:00Z"))
    assert feed.too_late == ("g2",)
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "users", None)
    assert anomaly.message == (
        "sample 'g2' (users, 20 at 2026-03-02T12:00:00Z) is stamped before every cycle "
        "the rater keeps (from 2026-03-03T00:00:00Z): it comes after the reading of its "
        "meter that the compacted state keeps, and takes its place as the reading in force "
        "at 2026-03-03T00:00:00Z, as metering every reading at once has it: the kept cycles "
        "are metered again from it (a TimeWeightedMean holds it on as the level until the "
        "next reading); its part in the cycles already compacted is not applied, and is no "
        "quantity: meter 'users' aggregates each cycle's readings (a peak, a mean), which "
        "cannot be corrected by a quantity. It may be a replay of a record applied before "
        "and forgotten with its compacted cycle (then it was counted then): the rater "
        "cannot tell the two apart."
    )
    assert by_cycle(statements, "users") == {
        "2026-03-01": 10,
        "2026-03-02": 10,  # batch: 15 (named above, not applied)
        "2026-03-03": 20,
        "2026-03-04": 20,
        "2026-03-05": 20,
    }
    roles = [line.role for line in statements[-1].lines if line.meter == "users"]
    assert roles == ["reversal", "correction", "reversal", "correction", "charge"]


def test_a_too_late_level_before_the_kept_one_changes_nothing_kept() -> None:
    # 30 users at 2 March 06:00 is kept (fed in time); 5 users at 2 March 03:00 comes
    # once 2 March is compacted: the 30 stays in force, the kept cycles hold 30.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([gauge("2026-03-01T00:00:00Z", 10, "g1"), gauge("2026-03-02T06:00:00Z", 30, "g3")])
    statements = [rater.statement("2026-03-04T06:00:00Z")]
    feed = rater.feed([gauge("2026-03-02T03:00:00Z", 5, "g2")])
    statements.append(rater.statement("2026-03-05T00:00:00Z"))
    (anomaly,) = feed.anomalies
    assert "a later reading of its meter (30 at 2026-03-02T06:00:00Z) is the one in force " in (
        anomaly.message
    )
    assert "so it changes nothing in the kept cycles" in anomaly.message
    assert by_cycle(statements, "users")["2026-03-03"] == 30
    assert by_cycle(statements, "users")["2026-03-04"] == 30
    assert {line.role for line in statements[-1].lines} <= {"increment", "charge"}


def test_a_too_late_first_reading_of_a_resource_opens_its_level() -> None:
    # r2 has no record kept and no compacted state: its one reading, 8 users at 2 March
    # 18:00, fed once 2 March is compacted, holds 8 from 3 March on (batch too).
    rater, statements = _compacted_rater()
    late = rk.Sample("a", "r2", "users", "2026-03-02T18:00:00Z", 8, kind="gauge", id="n1")
    rater.feed([late])
    statements.append(rater.statement("2026-03-05T00:00:00Z"))
    span = rk.Span("2026-03-03T00:00:00Z", "2026-03-05T00:00:00Z")
    batch = rk.rate([late], PLAN, span=span, meters=METERS)
    assert sorted(c.quantity for c in batch.charges) == [8, 8]
    assert by_cycle(statements, "users")["2026-03-03"] == 10 + 8
    assert by_cycle(statements, "users")["2026-03-04"] == 10 + 8
    r2 = [line for s in statements for line in s.lines if line.resource == "r2"]
    assert [(format_us(line.cycle.start_us)[:10], line.quantity) for line in r2] == [
        ("2026-03-03", 8),
        ("2026-03-04", 8),
    ]


LEVEL_PLAN = rk.Plan(
    "p", "EUR", DAILY, [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in (USERS, BYTES)]
)


def _first_level_fed_too_late(*extra: rk.Sample) -> tuple[rk.Rater, list[rk.Statement]]:
    """r2's one reading, 6 users at 1 March 07:00, fed once 1 March is compacted.

    No horizon: the statement of 3 March 01:00 closes 2 March and compacts 1 March; the
    reading (with ``extra``) comes after it, and the statements fall inside the days.
    """
    rater = rk.Rater(LEVEL_PLAN, [USERS, BYTES], start="2026-03-01T00:00:00Z")
    statements = [rater.statement("2026-03-03T01:00:00Z")]
    late = rk.Sample("a", "r2", "users", "2026-03-01T07:00:00Z", 6, kind="gauge", id="n1")
    assert rater.feed([late, *extra]).too_late == ("n1",)
    statements += [rater.statement(at) for at in ("2026-03-03T20:00:00Z", "2026-03-04T20:00:00Z")]
    return rater, statements


@pytest.mark.parametrize(
    "extra",
    [(), (rk.Sample("a", "r2", "bytes", "2026-03-03T02:00:00Z", 0, id="b0"),)],
    ids=["alone", "with-a-kept-record"],
)
def test_a_too_late_first_level_holds_at_every_statement(extra: tuple[rk.Sample, ...]) -> None:
    # Batch as of 4 March 20:00 holds 6 users from 1 March 07:00 on: 2 March 6, 3 March
    # 6 (its invoice 6 x 1 = 6.00), 4 March 6 so far (a mean of 6 over 20 hours). The
    # level lives only in the compacted state: the rater used to meter r2 again from it
    # once, at the statement after the feed, then carry it as a resource with nothing
    # running, so 4 March had no line at 20:00 (alone), or (with a kept delta of r2,
    # metered from the carried state) 3 March had 6 + 6 = 12 and its invoice 12.00.
    rater, statements = _first_level_fed_too_late(*extra)
    assert by_cycle(statements, "users") == {"2026-03-02": 6, "2026-03-03": 6, "2026-03-04": 6}
    (invoice,) = statements[-1].invoices
    assert (format_us(invoice.cycle.start_us)[:10], invoice.total) == (
        "2026-03-03",
        Decimal("6.00"),
    )
    # A rater restored now says what the one never restored says next: nothing new.
    data = json.loads(json.dumps(rater.snapshot()))
    restored = rk.Rater.restore(data, LEVEL_PLAN, [USERS, BYTES])
    assert (
        restored.statement("2026-03-05T20:00:00Z").lines
        == rater.statement("2026-03-05T20:00:00Z").lines
    )


def test_a_too_late_count_names_what_it_counts() -> None:
    # Count is additive: a reading counts 1 in its cycle, whatever its value. A ping of
    # value 7 at 2 March 09:00, fed once 2 March is compacted: its part is 1 ping.
    rater, _ = _compacted_rater()
    feed = rater.feed([gauge("2026-03-02T09:00:00Z", 7, "p1", meter="pings")])
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "pings", 1)
    assert "its part before 2026-03-03T00:00:00Z, 1 ping, is not applied." in anomaly.message


def test_a_too_late_peak_names_no_quantity() -> None:
    # Max is no sum: a 50 at 2 March 09:00 raises 2 March's peak by an amount only the
    # compacted readings know. Named, with no quantity; the kept cycles' peaks do not
    # use a reading before them.
    rater, _ = _compacted_rater()
    feed = rater.feed([gauge("2026-03-02T09:00:00Z", 50, "m1", meter="peak")])
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "peak", None)
    assert "meter 'peak' aggregates each cycle's readings" in anomaly.message


@pytest.mark.parametrize("restored", [False, True])
def test_a_placed_level_fed_again_is_a_duplicate(restored: bool) -> None:
    # The placed reading is in the compacted state: fed again, the same is a duplicate,
    # another value under its id conflicting, before and after a snapshot and restore.
    rater, _ = _compacted_rater()
    rater.feed([gauge("2026-03-02T12:00:00Z", 20, "g2")])
    if restored:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    again = rater.feed([gauge("2026-03-02T12:00:00Z", 20, "g2")])
    other = rater.feed([gauge("2026-03-02T12:00:00Z", 21, "g2")])
    assert (again.duplicates, again.anomalies) == (("g2",), ())
    assert other.conflicting == ("g2",)


def test_a_placed_level_too_large_to_price_is_refused() -> None:
    # Held on from the kept cycles, 1E+29 users a day priced 1E+10 EUR each cannot be
    # charged (the feed's sample door), so the batch is refused whole, as in time.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("u", "users", rk.PerUnit("1E+10"))])
    rater = rk.Rater(plan, [USERS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([gauge("2026-03-01T00:00:00Z", 10, "g1")])
    rater.statement("2026-03-04T06:00:00Z")
    with pytest.raises(rk.BadPriceError, match="would make every statement fail to price"):
        rater.feed([gauge("2026-03-02T12:00:00Z", "1E+29", "g2")])  # type: ignore[arg-type]
    # Not taken: 5 March holds 10 as before.
    assert by_cycle([rater.statement("2026-03-06T00:00:00Z")], "users") == {"2026-03-05": 10}


def test_a_placed_counter_reading_too_large_to_price_is_refused() -> None:
    # A counter read 1E+20 on 1 March (compacted) and 1E+20 + 10 on 4 March: 10 B,
    # priced 1E+11 EUR per B. A reading of 0 on 2 March 12:00, fed too late, is placed
    # in the compacted state: a reset, and the 4 March reading then counts 1E+20 + 10 B
    # from it over 36 hours, 2/3 of it (6.7E+19 B) in the kept 3 March: 6.7E+30 EUR,
    # more than a charge holds. Refused whole, as it would be fed in time.
    egress = rk.Meter("egress", "B", rk.Counter())
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "egress", rk.PerUnit("1E+11"))])
    rater = rk.Rater(plan, [egress], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))

    def reading(at: str, value: str, id: str) -> rk.Sample:  # noqa: A002
        return rk.Sample("a", "r1", "egress", at, value, kind="counter", id=id)

    rater.feed([reading("2026-03-01T00:00:00Z", "1E+20", "c1")])
    rater.feed([reading("2026-03-04T00:00:00Z", "100000000000000000010", "c2")])
    rater.statement("2026-03-04T06:00:00Z")
    assert rater._base_us == to_us("2026-03-03T00:00:00Z")
    with pytest.raises(rk.BadPriceError, match="would make every statement fail to price"):
        rater.feed([reading("2026-03-02T12:00:00Z", "0", "c0")])


def test_a_reading_differing_only_in_seq_from_the_kept_one_is_too_late_not_a_duplicate() -> None:
    # Two pings without an id at one instant, one without a seq (fed in time, compacted),
    # one with seq 5 (fed once compacted): two records, as batch counts them. The second
    # is too late, its 1 ping named; it is no replay of the first.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    kept = rk.Sample("a", "gw", "pings", "2026-03-02T12:00:00Z", 1)
    rater.feed([kept])
    rater.statement("2026-03-04T06:00:00Z")
    feed = rater.feed([rk.Sample("a", "gw", "pings", "2026-03-02T12:00:00Z", 1, seq=5)])
    assert feed.counts["too_late"] == 1
    assert [(a.kind, a.quantity) for a in feed.anomalies] == [("too_late", 1)]


@pytest.mark.parametrize("meter", ["users", "pings"])
def test_a_too_late_reading_after_a_compacted_delete_is_said_so(meter: str) -> None:
    # r1 started on 1 March, deleted on 2 March 06:00 (compacted); a reading of it at 2 March 12:00 comes
    # once 2 March is compacted: batch says "after_delete", and so does the feed, for a
    # mean as for a count.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    life = [
        rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s1"),
        gauge("2026-03-01T00:00:00Z", 10, "g1", meter=meter),
        rk.Event("a", "r1", "2026-03-02T06:00:00Z", kind="delete", id="d1"),
    ]
    rater.feed(life)
    rater.statement("2026-03-04T06:00:00Z")
    feed = rater.feed([gauge("2026-03-02T12:00:00Z", 20, "g2", meter=meter)])
    assert [a.kind for a in feed.anomalies] == ["too_late", "after_delete"]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    batch = rk.rate(
        [*life, gauge("2026-03-02T12:00:00Z", 20, "g2", meter=meter)],
        PLAN,
        span=span,
        meters=METERS,
    )
    assert [a.kind for a in batch.anomalies] == ["after_delete"]


def test_many_too_late_counts_cost_what_they_are_not_what_is_kept() -> None:
    # 2,000 readings kept in the open cycles, 200 pings fed once their cycle is compacted:
    # each is metered alone from the compacted state, not with the resource's kept
    # records (which made this feed take seconds). Checked by what it gives: 200 pings
    # named, one each.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([gauge("2026-03-01T00:00:00Z", 1, "p0", meter="pings")])
    rater.statement("2026-03-04T06:00:00Z")
    kept = [
        gauge(format_us(to_us("2026-03-04T06:00:00Z") + k * 60_000_000), 1, f"k{k}", "pings")
        for k in range(2000)
    ]
    rater.feed(kept)
    late = [
        gauge(format_us(to_us("2026-03-02T00:00:00Z") + k * 60_000_000), 1, f"l{k}", "pings")
        for k in range(200)
    ]
    feed = rater.feed(late)
    assert feed.counts["too_late"] == 200
    assert sum(a.quantity for a in feed.anomalies if a.kind == "too_late") == 200


@pytest.mark.parametrize(
    ("at", "outcome", "third"),
    [
        # At 2 March 12:00 (compacted): placed, 20 held from 3 March on.
        ("2026-03-02T12:00:00Z", "too_late", 20),
        # At 3 March 00:00, the kept cycles' start: the level of 3 March whole.
        ("2026-03-03T00:00:00Z", "late", 20),
        # At 3 March 12:00 (kept, closed): 3 March is (10 x 12 + 20 x 12) / 24 = 15.
        ("2026-03-03T12:00:00Z", "late", 15),
    ],
)
def test_a_since_on_an_aggregations_reading_is_no_span(at: str, outcome: str, third: int) -> None:
    # Metering reads an aggregation's sample at its instant, whatever its since (here 2
    # March 06:00, in a compacted cycle): so does the feed. It is no delta over a span
    # that lies before the kept cycles, dropped whole, nor one that reaches back there.
    rater, statements = _compacted_rater()
    reading = rk.Sample(
        "a", "r1", "users", at, 20, kind="delta", since="2026-03-02T06:00:00Z", id="d"
    )
    feed = rater.feed([reading])
    statements.append(rater.statement("2026-03-06T00:00:00Z"))
    assert feed.counts[outcome] == 1
    assert [(a.kind, a.quantity) for a in feed.anomalies] == (
        [("too_late", None)] if outcome == "too_late" else []
    )
    assert by_cycle(statements, "users")["2026-03-03"] == third
    assert by_cycle(statements, "users")["2026-03-05"] == 20


def test_a_since_on_a_too_late_count_counts_one() -> None:
    # A Count reading with a since, fed once its cycle is compacted: 1 ping named (it
    # was named with its value, 7, as a delta over a span).
    rater, _ = _compacted_rater()
    reading = rk.Sample(
        "a", "r1", "pings", "2026-03-02T12:00:00Z", 7, kind="delta",
        since="2026-03-02T06:00:00Z", id="p",
    )  # fmt: skip
    feed = rater.feed([reading])
    assert [(a.kind, a.meter, a.quantity) for a in feed.anomalies] == [("too_late", "pings", 1)]


@pytest.mark.parametrize(
    "reading",
    [
        gauge("2026-03-02T18:00:00Z", 5, "g", meter="users"),
        gauge("2026-03-02T18:00:00Z", 5, "g", meter="pings"),
        rk.Sample("a", "r1", "egress", "2026-03-02T18:00:00Z", 5, kind="counter", id="g"),
        rk.Sample("a", "r1", "bytes", "2026-03-02T18:00:00Z", 5, id="g"),
        # Over a span that ends before the kept cycles: its hours used to go unnamed.
        rk.Sample(
            "a", "r1", "bytes", "2026-03-02T18:00:00Z", 5, since="2026-03-02T12:00:00Z", id="g"
        ),
    ],
    ids=["mean", "count", "counter", "delta", "delta-over-a-span"],
)
def test_a_too_late_reading_that_moves_a_last_seen_closing_names_the_hours(
    reading: rk.Sample,
) -> None:
    # r1 runs from 1 March; an inventory of 3 March 12:00 (close="last_seen") lists
    # nothing, so it closes r1 at its last sign of life, its START: nothing billed. A
    # reading of 2 March 18:00, fed once 1 and 2 March are compacted, is a later sign of
    # life: batch closes r1 there and bills 1 March and 2 March to 18:00, 24 + 18 = 42 h,
    # which stay unbilled in the stream: named, as for an event placed there.
    meters = [*METERS, HOURS, EGRESS, BYTES]
    plan = rk.Plan(
        "p", "EUR", DAILY, [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in meters]
    )
    rater = rk.Rater(plan, meters, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s"),
            rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="inv"),
        ]
    )
    rater.statement("2026-03-01T12:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    assert rater._base_us == to_us("2026-03-03T00:00:00Z")
    feed = rater.feed([reading])
    moved = [a for a in feed.anomalies if a.meter == "hours"]
    assert [(a.kind, a.quantity) for a in moved] == [("too_late", 42)]
    assert "stays unbilled" in moved[0].message
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    records = [
        rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s"),
        rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="inv"),
        reading,
    ]
    batch = rk.rate(records, plan, span=span, meters=meters)
    assert sum(c.quantity for c in batch.charges if c.meter == "hours") == 42


def test_a_too_late_delta_is_a_sign_of_life_for_an_inventory_fed_after_it() -> None:
    # The other order: r1 running from 1 March, 1 and 2 March compacted (48 h billed);
    # a delta of 2 March 18:00 fed too late (its 5 B not applied), then the inventory
    # of 3 March 12:00 listing nothing. Batch closes r1 at the delta, its last sign of
    # life, and bills 42 h: the inventory names the 6 h after it (-6), not the 48 h after
    # the START.
    meters = [HOURS, BYTES]
    plan = rk.Plan(
        "p", "EUR", DAILY, [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in meters]
    )
    rater = rk.Rater(plan, meters, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="s")])
    rater.statement("2026-03-01T12:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    delta = rater.feed([rk.Sample("a", "r1", "bytes", "2026-03-02T18:00:00Z", 5, id="d")])
    assert [(a.kind, a.meter, a.quantity) for a in delta.anomalies] == [("too_late", "bytes", 5)]
    inventory = rater.feed([rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="i")])
    assert [(a.kind, a.meter, a.quantity) for a in inventory.anomalies] == [
        ("too_late", "hours", -6)
    ]


# -- the law ---------------------------------------------------------------------------


@settings(max_examples=LAWS)
@given(seed=st.integers(0, 2**32), horizon_h=st.sampled_from([0, 5]))
@example(seed=1774283, horizon_h=0)  # a Count's too-late reading a kept correction replaces
def test_too_late_levels_leave_the_kept_cycles_as_batch_has_them(seed: int, horizon_h: int) -> None:
    # Readings of a mean, a count and a peak over five days, some held back until their
    # cycle is compacted, with snapshot and restore between feeds. Every cycle from the
    # last kept-cycles' start at which a reading came too late has batch's quantity per
    # meter; the count's total plus what its anomalies name is batch's; every reading
    # too late is named by one anomaly.
    rng = random.Random(seed)
    readings: list[rk.Sample] = []
    held: set[str] = set()
    for k in range(rng.randint(1, 14)):
        at = T0 + rng.randrange(0, 5 * 8) * 3 * HOUR
        meter = rng.choice(("users", "users", "pings", "peak"))
        seq = rng.choice((None, None, 0, 1))
        resource = rng.choice(("r1", "r2"))
        # Now and then a delta with a since (read at its instant all the same).
        since = at - rng.randrange(0, 48) * HOUR if rng.random() < 0.2 else None
        since = None if since is None or since < T0 else format_us(since)
        readings.append(
            rk.Sample("a", resource, meter, format_us(at), rng.randrange(21),
                      kind="gauge" if since is None else "delta", since=since, id=f"s{k}",
                      seq=seq)
        )  # fmt: skip
        if rng.random() < 0.35:
            held.add(f"s{k}")
    rater = rk.Rater(PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(hours=horizon_h))
    statements: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    waiting = [r for r in readings if r.id in held]
    late_base = T0
    for day in range(1, 7):
        feeds.append(
            rater.feed(
                [
                    r
                    for r in readings
                    if r.id not in held and (day - 1) * DAY <= r.at_us - T0 < day * DAY
                ]
            )
        )
        statements.append(rater.statement(format_us(T0 + day * DAY + horizon_h * HOUR)))
        rater._check()  # the rater's own invariants (its index, its compacted state)
        base = rater._base_us
        due = [r for r in waiting if r.at_us < base and rng.random() < 0.7]
        if due:
            waiting = [r for r in waiting if r not in due]
            feed = rater.feed(due)
            feeds.append(feed)
            if feed.too_late:
                late_base = max(late_base, base)
        if rng.random() < 0.3:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    feeds.append(rater.feed(waiting))
    if feeds[-1].too_late:
        late_base = max(late_base, rater._base_us)
    statements.append(rater.statement(format_us(T0 + 7 * DAY)))
    rater._check()
    span = rk.Span.from_us(T0, T0 + 7 * DAY)
    batch = rk.rate(readings, PLAN, span=span, meters=METERS)
    too_late = {i for f in feeds for i in f.too_late}
    named = [a for f in feeds for a in f.anomalies if a.kind == "too_late"]
    assert sorted(i for a in named for i in a.record_ids) == sorted(too_late)
    for meter in ("users", "pings", "peak"):
        stream = by_cycle(statements, meter)
        expected: dict[str, Fraction] = {}
        for charge in batch.charges:
            if charge.meter == meter:
                day = format_us(charge.cycle.start_us)[:10]
                expected[day] = expected.get(day, Fraction(0)) + Fraction(charge.quantity)
        kept = {d: q for d, q in expected.items() if to_us(f"{d}T00:00:00Z") >= late_base}
        assert {d: q for d, q in stream.items() if to_us(f"{d}T00:00:00Z") >= late_base and q} == {
            d: q for d, q in kept.items() if q
        }, meter
        if meter == "pings":
            lost = sum(Fraction(a.quantity or 0) for a in named if a.meter == "pings")
            assert sum(stream.values()) + lost == sum(expected.values())
        else:
            assert all(a.quantity is None for a in named if a.meter == meter)


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR))
@given(seed=st.integers(0, 2**32))
def test_too_late_levels_hold_at_watermarks_inside_the_cycles(seed: int) -> None:
    # Gauge readings of a mean over five days on three resources (one of them with a
    # delta now and then), some held back until their cycle is compacted, statements at
    # drawn hours (not the cycles' ends), restores between feeds. At every statement,
    # each cycle from the last kept-cycles' start at which a reading came too late has
    # what one batch rate() as of that watermark, over the readings fed so far, gives.
    rng = random.Random(seed)
    readings: list[rk.Sample] = []
    for k in range(rng.randint(1, 10)):
        at = format_us(T0 + rng.randrange(0, 5 * 24) * HOUR)
        resource = rng.choice(("r1", "r2", "r3"))
        if rng.random() < 0.2:
            readings.append(rk.Sample("a", resource, "bytes", at, rng.randrange(3), id=f"s{k}"))
        else:
            readings.append(
                rk.Sample("a", resource, "users", at, rng.randrange(1, 9), kind="gauge", id=f"s{k}")
            )
    held = {r.id for r in readings if rng.random() < 0.4}
    meters = [USERS, BYTES]
    rater = rk.Rater(LEVEL_PLAN, meters, start=format_us(T0))
    statements: list[rk.Statement] = []
    fed: list[rk.Sample] = []
    late_base = T0
    as_of = T0
    while as_of < T0 + 7 * DAY:
        as_of += rng.randrange(1, 30) * HOUR
        on_time = [r for r in readings if r.id not in held and r not in fed and r.at_us < as_of]
        due = [r for r in readings if r.id in held and r not in fed and r.at_us < rater._base_us]
        due = [r for r in due if rng.random() < 0.5]
        for batch in (on_time, due):
            if batch and rater.feed(batch).too_late:
                late_base = max(late_base, rater._base_us)
            fed += batch
        if rng.random() < 0.3:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), LEVEL_PLAN, meters)
        statements.append(rater.statement(format_us(as_of)))
        span = rk.Span.from_us(T0, T0 + 9 * DAY)
        batch_rating = rk.rate(fed, LEVEL_PLAN, span=span, meters=meters, as_of=format_us(as_of))
        expected: dict[str, Fraction] = {}
        for charge in batch_rating.charges:
            if charge.meter == "users" and charge.cycle.start_us >= late_base:
                day = format_us(charge.cycle.start_us)[:10]
                expected[day] = expected.get(day, Fraction(0)) + Fraction(charge.quantity)
        stream = {
            d: q
            for d, q in by_cycle(statements, "users").items()
            if to_us(f"{d}T00:00:00Z") >= late_base and q
        }
        assert stream == {d: q for d, q in expected.items() if q}, format_us(as_of)


def _pings_fed_too_late(kept: list[rk.Sample]) -> tuple[Fraction, Fraction, Fraction]:
    """``kept`` fed in time, 2 March compacted, then a ping of 2 March 06:00 (seq 0).

    Returns what the stream charged for pings, what the too-late anomaly names, and what
    one batch rate() over every record gives.
    """
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed(kept)
    statements = [rater.statement("2026-03-04T06:00:00Z")]
    assert rater._base_us == to_us("2026-03-03T00:00:00Z")
    late = rk.Sample("a", "r1", "pings", "2026-03-02T06:00:00Z", 8, kind="gauge", id="p0", seq=0)
    feed = rater.feed([late])
    assert feed.too_late == ("p0",)
    statements.append(rater.statement("2026-03-05T00:00:00Z"))
    named = sum(Fraction(a.quantity or 0) for a in feed.anomalies if a.kind == "too_late")
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    batch = rk.rate([*kept, late], PLAN, span=span, meters=METERS)
    expected = sum(Fraction(c.quantity) for c in batch.charges if c.meter == "pings")
    return sum(by_cycle(statements, "pings").values(), Fraction(0)), named, expected


def test_a_too_late_count_reading_no_kept_reading_replaces_names_one() -> None:
    # A ping at 2 March 18:00 (compacted); one of 2 March 06:00, seq 0, fed too late:
    # nothing at its instant replaces it, batch counts both (2). The stream charged 1,
    # and names 1 more: 1 + 1 = 2.
    kept = [rk.Sample("a", "r1", "pings", "2026-03-02T18:00:00Z", 6, kind="gauge", id="p2")]
    assert _pings_fed_too_late(kept) == (1, 1, 2)


@pytest.mark.parametrize(
    "seq",
    [
        pytest.param(1, id="the-compacted-one-replaces-it"),
        pytest.param(None, id="it-replaces-the-compacted-one"),
    ],
)
@pytest.mark.xfail(
    strict=True,
    reason=(
        "expected the stream's pings (2) plus the too-late anomaly's quantity to be "
        "batch's 2: the too-late ping of 2 March 06:00 (seq 0) and the compacted one of "
        "its instant (seq 1, or none) are a reading and its correction, which count 1 "
        "together, and the compacted one was charged: it should name 0; today it names "
        "1 (2 + 1 = 3): the compacted state keeps only a Count's last reading (2 March "
        "18:00), the same state as in the test above, so the rater cannot tell the "
        "cases apart"
    ),
)
def test_a_too_late_count_reading_and_its_compacted_correction_name_nothing(
    seq: int | None,
) -> None:
    # Pings at 2 March 06:00 (seq 1, or none) and 18:00, both compacted; one of 2 March
    # 06:00, seq 0, fed too late. Batch: of the two at 06:00 the greater seq stands
    # (no seq counts as -1), so 2 March counts one at 06:00 + 18:00 = 2. The stream
    # charged 2, so the too-late ping should name 0: 2 + 0 = 2.
    kept = [
        rk.Sample("a", "r1", "pings", "2026-03-02T06:00:00Z", 7, kind="gauge", id="p1", seq=seq),
        rk.Sample("a", "r1", "pings", "2026-03-02T18:00:00Z", 6, kind="gauge", id="p2"),
    ]
    assert _pings_fed_too_late(kept) == (2, 0, 2)


@pytest.mark.parametrize(
    ("seed", "horizon_h"),
    [
        pytest.param(1863, 0, id="a-compacted-correction-replaces-it"),
        pytest.param(1111404303, 5, id="it-replaces-a-compacted-reading"),
    ],
)
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "expected the law to hold; today a too-late Count gauge reading and a compacted "
        "reading of its instant and resource with another seq (not the last reading the "
        "compacted state keeps) are named 1 by the too-late anomaly where batch counts "
        "the pair once, already charged: the stream's pings plus what is named exceed "
        "batch's by 1"
    ),
)
def test_too_late_levels_law_at_a_forgotten_correction(seed: int, horizon_h: int) -> None:
    # The law's seeds of the fault the two tests above pin: 1863 (5 March: pings at 06:00
    # seq 1 and 18:00 seq 1, compacted; one at 06:00 seq 0 fed too late, named 1: 2 + 1
    # = 3 for batch's 2) and 1111404303 (1 March: pings at 00:00 without a seq and 03:00
    # seq 1, compacted; one at 00:00 seq 0 fed too late, named 1: 2 + 1 = 3 for 2).
    test_too_late_levels_leave_the_kept_cycles_as_batch_has_them.hypothesis.inner_test(  # type: ignore[attr-defined]
        seed=seed, horizon_h=horizon_h
    )
