"""A record on time whose quantity reaches back into compacted cycles: too late in part.

A counter reading counts from the reading before it, a delta over a span from its
``since``: when that lies in a cycle already compacted, the part of the quantity there is
too late (the record is in ``feed.too_late``, and a ``"too_late"`` anomaly gives that
part, as metering counts it); the rest is applied, so the kept cycles equal batch
``rate()``'s and batch differs only by the part named. Worked by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
API = rk.Meter("api", "call", rk.Counter())
CALLS = rk.Meter("calls", "call", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("api", "api", rk.PerUnit(1)), rk.PriceEntry("c", "calls", rk.PerUnit(1))],
)
R0 = rk.Sample("a", "gw", "api", "2026-01-15T00:00:00Z", 100, kind="counter", id="r0")
R1 = rk.Sample("a", "gw", "api", "2026-04-02T00:00:00Z", 200, kind="counter", id="r1")
# 100 calls over the 77 days from 15 January to 2 April: 17 in January, 28 in February,
# 31 in March, 1 in April; split in time, telescoping, each cut rounded at 1E-24:
#   up to 1 Feb: 100 x 17/77 = 22.077922077922077922077922|07...  -> ...922
#   up to 1 Mar: 100 x 45/77 = 58.441558441558441558441558|44...  -> ...558
#   up to 1 Apr: 100 x 76/77 = 98.701298701298701298701298|70...  -> ...299
JANUARY = Decimal("22.077922077922077922077922")
FEBRUARY = Decimal("36.363636363636363636363636")  # 58.44...558 - 22.07...922
MARCH = Decimal("40.259740259740259740259741")  # 98.70...299 - 58.44...558
APRIL = Decimal("1.298701298701298701298701")  # 100 - 98.70...299
TOO_LATE = Decimal("58.441558441558441558441558")  # January and February: 100 x 45/77


def _compacted_to_march() -> rk.Rater:
    """A rater with r0 fed, January and February compacted, March closed but kept."""
    rater = rk.Rater(PLAN, [API, CALLS], start="2026-01-01T00:00:00Z")
    rater.feed([R0])
    for watermark in ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"):
        rater.statement(watermark)
    return rater


def test_batch_splits_the_increment_over_four_months() -> None:
    span = rk.Span("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z")
    rating = rk.rate([R0, R1], PLAN, span=span, meters=[API], as_of="2026-04-03T00:00:00Z")
    assert [c.quantity for c in rating.charges] == [JANUARY, FEBRUARY, MARCH, APRIL]
    assert JANUARY + FEBRUARY == TOO_LATE
    assert rating.total() == 100


def test_a_reading_counting_from_a_compacted_one_is_too_late_for_that_part() -> None:
    rater = _compacted_to_march()
    feed = rater.feed([R1])
    # Stamped in open April: accepted; its part in January and February: too late.
    assert (feed.accepted, feed.late, feed.too_late) == (("r1",), (), ("r1",))
    assert repr(feed) == "Feed(accepted=1, too_late=1, anomalies=1)"
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids) == ("too_late", ("r1",))
    assert anomaly.message == (
        "sample 'r1' (api, 200 at 2026-04-02T00:00:00Z) reaches back before every cycle the "
        "rater keeps: it counts from the previous reading 'r0' at 2026-01-15T00:00:00Z, and "
        "its part before 2026-03-01T00:00:00Z, 58.441558441558441558441558 call, belonged to "
        "cycles already compacted (or before the rater's start): not applied (the rest is)."
    )
    # The rest is applied as batch gives it: March (closed, kept) corrected late, April.
    statement = rater.statement("2026-04-03T00:00:00Z")
    assert [
        (line.cycle.start.month, line.quantity, line.amount, line.late) for line in statement.lines
    ] == [
        (3, MARCH, MARCH, True),
        (4, APRIL, APRIL, False),
    ]
    # Batch's 100 calls less the stream's 41.558441558441558441558442: the part named.
    assert 100 - statement.total() == TOO_LATE


def test_a_reading_with_nothing_before_the_kept_cycles_is_not_too_late() -> None:
    # 100 again on 2 April: an increment of 0, nothing lost, no anomaly.
    rater = _compacted_to_march()
    same = rk.Sample("a", "gw", "api", "2026-04-02T00:00:00Z", 100, kind="counter", id="r1")
    feed = rater.feed([same])
    assert (feed.accepted, feed.too_late, feed.anomalies) == (("r1",), (), ())


def test_a_delta_without_id_reaching_a_compacted_cycle_is_counted_too_late() -> None:
    # 77 calls from 15 February to 3 March (16 days): 14 days in compacted February,
    # 77 x 14/16 = 67.375 calls too late; 77 x 2/16 = 9.625 in March (closed, kept).
    rater = _compacted_to_march()
    delta = rk.Sample("a", "fn", "calls", "2026-03-03T00:00:00Z", 77, since="2026-02-15T00:00:00Z")
    feed = rater.feed([delta])
    assert repr(feed) == "Feed(late=1, too_late=1, anomalies=1)"
    assert feed.too_late == ()  # the ids of those that have one
    (anomaly,) = feed.anomalies
    assert "its part before 2026-03-01T00:00:00Z, 67.375 call, belonged" in anomaly.message
    lines = rater.statement("2026-04-01T00:00:01Z").lines
    assert [(line.meter, line.quantity, line.late) for line in lines] == [
        ("calls", Decimal("9.625"), True)
    ]


def test_a_reading_fed_early_keeps_the_cycles_it_reaches_until_it_is_metered() -> None:
    # Daily cycles, horizon 0. Read 0 on 1 March 12:00; 1 March is compacted at the
    # 3 March statement. A reading of 1200 on 4 March 12:00, fed then (ahead of the
    # watermark): 1200 B over 72 h, 200 B/12 h: 200 on 1 March (compacted: too late),
    # 400 on 2 March, 400 on 3 March, 200 on 4 March. The 4 March statement closes
    # 3 March, but 2 March stays kept until the reading is metered: nothing more is lost.
    egress = rk.Meter("egress", "B", rk.Counter())
    daily = rk.Plan(
        "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit(1))]
    )
    rater = rk.Rater(daily, [egress], start="2026-03-01T00:00:00Z")
    first = rk.Sample("a", "ip", "egress", "2026-03-01T12:00:00Z", 0, kind="counter", id="c0")
    rater.feed([first])
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")  # 1 March compacted: c0 is the baseline
    second = rk.Sample("a", "ip", "egress", "2026-03-04T12:00:00Z", 1200, kind="counter", id="c1")
    feed = rater.feed([second])
    assert (feed.accepted, feed.too_late) == (("c1",), ("c1",))
    assert "its part before 2026-03-02T00:00:00Z, 200 B, belonged" in feed.anomalies[0].message
    closing = rater.statement("2026-03-04T00:00:00Z")
    assert [f"{cycle.start:%d}" for cycle in closing.closed] == ["03"]
    assert repr(rater).startswith("Rater(base='2026-03-02T00:00:00Z'")  # 2 March kept
    statement = rater.statement("2026-03-05T00:00:00Z")
    assert [(line.cycle.start.day, line.quantity, line.late) for line in statement.lines] == [
        (2, 400, True),
        (3, 400, True),
        (4, 200, False),
    ]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    batch = rk.rate([first, second], daily, span=span, meters=[egress])
    assert batch.total() - statement.total() == 200  # the part the feed named


DAILY = rk.Plan("d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("api", "api", rk.PerUnit(1))])
G0 = rk.Sample("a", "gw", "api", "2026-03-01T12:00:00Z", 0, kind="counter", id="g0")
G1 = rk.Sample("a", "gw", "api", "2026-03-03T12:00:00Z", 1000, kind="counter", id="g1")


def _part_of(feed: rk.Feed) -> Decimal:
    (anomaly,) = feed.anomalies
    return Decimal(anomaly.message.split("its part before 2026-03-02T00:00:00Z, ")[1].split(" ")[0])


def test_a_reading_fed_after_a_later_one_takes_back_the_part_that_one_said() -> None:
    # g0 (0, 1 March 12:00) is compacted; g1 (1000, 3 March 12:00) counts from it: 1000
    # over 48 h, 250 on 1 March, too late. Then g (2 March 12:00) comes: g1 counts from it.
    for value, part, days in (
        # 800: g counts 800 over 24 h, 400 on 1 March; g1 200 over 24 h, 100 and 100.
        # Before the kept cycles: 400 with g, 250 without: +150; 400 in all, as batch.
        (800, Decimal(150), {2: Decimal(500), 3: Decimal(100)}),
        # 100: g counts 50 on 1 March and 50 on 2 March; g1 900, 450 and 450. Before the
        # kept cycles: 50 with g, 250 without: -200 (taken back); 50 in all, as batch.
        (100, Decimal(-200), {2: Decimal(500), 3: Decimal(450)}),
    ):
        rater = rk.Rater(DAILY, [API], start="2026-03-01T00:00:00Z")
        rater.feed([G0])
        rater.statement("2026-03-03T00:00:00Z")  # compacts 1 March
        assert _part_of(rater.feed([G1])) == 250
        late = rk.Sample("a", "gw", "api", "2026-03-02T12:00:00Z", value, kind="counter", id="g")
        feed = rater.feed([late])
        assert (feed.late, feed.too_late) == (("g",), ("g",))
        assert _part_of(feed) == part
        lines = rater.statement("2026-03-04T00:00:00Z").lines
        got: dict[int, Decimal] = {}
        for line in lines:
            got[line.cycle.start.day] = got.get(line.cycle.start.day, Decimal(0)) + line.quantity
        assert got == days
        span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
        batch = rk.rate([G0, G1, late], DAILY, span=span, meters=[API], as_of=span.end)
        first = sum((c.quantity for c in batch.charges if c.cycle.start.day == 1), Decimal(0))
        assert first == 250 + part  # the parts named add up to batch's 1 March
