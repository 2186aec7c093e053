"""Edge cases of kWh counters billed monthly in Paris, each worked by hand from the docs.

The docs' counter rule (docs/usage.md, "Counters and gauges"; ``help(rk.Counter)``): the
first reading is the baseline, each later one adds its difference from the one before,
spread linearly over the time between them; a lower reading is a reset, counted from
zero, and a ``counter_reset`` anomaly. Readings at one instant go by ``seq``, then the
lower value first, then id (docs/usage.md, "Counters carry their readings").
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from tests import _energy_sites as e

import ratekit as rk

R = e.reading
PARIS_TZ = zoneinfo.ZoneInfo("Europe/Paris")
LATER = "2026-04-05T00:00:00Z"  # as of: every reading below known
# Energy alone, old tiers all month (0.20 to 200 kWh, 0.25 above): hand figures stay short.
PLAIN = rk.Plan("plain", "EUR", e.PARIS, [rk.PriceEntry("energy", "energy", e.tiers(e.OLD_TIERS))])


def rated(
    records: list[rk.Sample], span: rk.Span = e.MARCH, as_of: str | None = LATER
) -> rk.Rating:
    return rk.rate(records, PLAIN, span=span, meters=[e.ENERGY], as_of=as_of)


def per_cycle(rating: rk.Rating) -> list[tuple[str, Decimal]]:
    return [(f"{c.cycle.start:%Y-%m-%dT%H}", c.quantity) for c in rating.charges]


# -- a reading exactly at a cycle boundary ---------------------------------------------


def test_a_reading_at_the_month_boundary_ends_marchs_increment_and_starts_aprils() -> None:
    readings = [
        R("hh", "s", "2026-03-31T00:00:00+02:00", 100, "b0"),
        R("hh", "s", "2026-04-01T00:00:00+02:00", 124, "b1"),  # = 2026-03-31T22:00:00Z
        R("hh", "s", "2026-04-02T00:00:00+02:00", 130, "b2"),
    ]
    whole = rated(readings, span=rk.Span(e.MARCH.start, e.APRIL.end))
    # [b0, b1) lies in March: 24; [b1, b2) in April: 6. Nothing straddles.
    assert per_cycle(whole) == [("2026-02-28T23", Decimal(24)), ("2026-03-31T22", Decimal(6))]
    assert [a.kind for a in whole.anomalies] == []


def test_the_boundary_reading_is_not_known_as_of_the_months_end() -> None:
    readings = [
        R("hh", "s", "2026-03-31T00:00:00+02:00", 100, "b0"),
        R("hh", "s", "2026-04-01T00:00:00+02:00", 124, "b1"),
    ]
    # Rated as of March's end (the default): b1 is stamped at that very instant, so it is
    # not known yet (half-open spans), and March bills nothing until a later as_of.
    early = rated(readings, as_of=None)
    assert early.charges == ()
    assert early.no_effect == (("b0", "baseline"), ("b1", "not_yet"))
    assert per_cycle(rated(readings)) == [("2026-02-28T23", Decimal(24))]


# -- the clocks changing ----------------------------------------------------------------


def test_a_reading_at_0230_on_the_spring_night_is_read_with_the_offset_before_the_change() -> None:
    # 02:30 on 29 March never happens in Paris; PEP 495 reads it with +01:00 (fold=0),
    # 01:30Z, or +02:00 (fold=1), 00:30Z (docs/time.md).
    skipped = dt.datetime(2026, 3, 29, 2, 30, tzinfo=PARIS_TZ)
    assert (
        R("hh", "s", skipped, 1, "x").at_us
        == rk.Span("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z").start_us
    )
    assert (
        R("hh", "s", skipped.replace(fold=1), 1, "y").at_us
        == rk.Span("2026-03-29T00:30:00Z", "2026-03-29T00:30:00Z").start_us
    )


def test_readings_at_0200_which_never_happens_and_at_0300_are_one_instant() -> None:
    # 02:00 (fold=0, +01:00) and 03:00 summer time are both 01:00Z: two readings at one
    # instant go by value, the lower first, whatever order they come in; with no seq and
    # other values, a "tie" names them, the one that holds (52.5) first.
    at_two = dt.datetime(2026, 3, 29, 2, 0, tzinfo=PARIS_TZ)
    at_three = dt.datetime(2026, 3, 29, 3, 0, tzinfo=PARIS_TZ)
    readings = [
        R("hh", "s", "2026-03-29T01:45:00+01:00", 50, "d0"),
        R("hh", "s", at_three, "52.5", "d2"),
        R("hh", "s", at_two, 52, "d1"),
        R("hh", "s", "2026-03-29T03:15:00+02:00", 53, "d3"),
    ]
    for order in (readings, readings[::-1]):
        rating = rated(order)
        # 50 -> 52 -> 52.5 -> 53: 3 kWh, no reset.
        assert per_cycle(rating) == [("2026-02-28T23", Decimal(3))]
        assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("tie", ("d2", "d1"))]


def test_0230_twice_on_the_autumn_night_is_two_instants_an_hour_apart() -> None:
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=PARIS_TZ)  # summer time, 00:30Z
    second = first.replace(fold=1)  # winter time, 01:30Z
    october = e.PARIS.containing("2026-10-15T00:00:00Z")
    readings = [R("hh", "s", first, 100, "f0"), R("hh", "s", second, 104, "f1")]
    rating = rated(readings, span=october, as_of=None)
    assert [(c.span.duration, c.quantity) for c in rating.charges] == [
        (dt.timedelta(hours=745), Decimal(4))
    ]
    assert rating.charges[0].row.record_ids == ("f0", "f1")
    # Cut at 01:00Z (a daily cycle in UTC), the 4 kWh spread over the hour give 2 and 2.
    daily = rk.Plan(
        "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("energy", "energy", rk.PerUnit(1))]
    )
    hourly = rk.rate(
        readings,
        daily,
        span=rk.Span("2026-10-24T01:00:00Z", "2026-10-26T01:00:00Z"),
        meters=[e.ENERGY],
    )
    assert [c.quantity for c in hourly.charges] == [Decimal(4)]
    split = rk.rate(
        readings,
        rk.Plan("h", "EUR", rk.cycles.hourly(), [rk.PriceEntry("energy", "energy", rk.PerUnit(1))]),
        span=rk.Span("2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"),
        meters=[e.ENERGY],
    )
    assert [(f"{c.cycle.start:%H:%M}", c.quantity) for c in split.charges] == [
        ("00:00", Decimal(2)),
        ("01:00", Decimal(2)),
    ]


# -- resets, noise, rollover --------------------------------------------------------------


def test_a_reset_between_two_readings_straddling_the_month_end_is_split_by_time() -> None:
    readings = [
        R("hh", "s", "2026-03-31T23:00:00+02:00", 900, "r0"),  # 21:00Z
        R("hh", "s", "2026-04-01T01:00:00+02:00", 10, "r1"),  # 23:00Z: a new meter
    ]
    rating = rated(readings, span=rk.Span(e.MARCH.start, e.APRIL.end))
    # The reset counts 10 from zero over the 2 hours: 5 in March, 5 in April.
    assert per_cycle(rating) == [("2026-02-28T23", Decimal(5)), ("2026-03-31T22", Decimal(5))]
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("counter_reset", ("r1", "r0"))]


def test_a_counter_going_down_by_noise_is_a_reset_as_documented() -> None:
    # The documented rule has no tolerance: 900 -> 899.9 -> 901 is a reset that counts
    # 899.9 from zero, then 1.1: 901 kWh where the household used about 1. It is said (a
    # counter_reset anomaly), never silent; the host must drop such noise before feeding.
    readings = [
        R("hh", "s", "2026-03-10T00:00:00+01:00", 900, "n0"),
        R("hh", "s", "2026-03-10T00:15:00+01:00", "899.9", "n1"),
        R("hh", "s", "2026-03-10T00:30:00+01:00", 901, "n2"),
    ]
    rating = rated(readings)
    # 200 x 0.20 + 701 x 0.25 = 40 + 175.25 = 215.25
    assert [(c.quantity, c.amount) for c in rating.charges] == [
        (Decimal("901.0"), Decimal("215.25"))
    ]
    assert [a.kind for a in rating.anomalies] == ["counter_reset"]
    assert "reads 899.9 at 2026-03-09T23:15:00Z, less than the 900" in rating.anomalies[0].message


def test_a_rollover_at_999999_9_counts_from_zero_as_documented() -> None:
    # A register that wraps at 999,999.9 to 0.0 is read as a reset: 999,999.5 -> 0.3
    # counts 0.3, not the 0.8 used (0.4 to the wrap, 0.1 to 0.0, 0.3 after). ratekit has no
    # rollover modulus; the counter_reset anomaly names it.
    readings = [
        R("hh", "s", "2026-03-10T00:00:00+01:00", "999999.5", "w0"),
        R("hh", "s", "2026-03-10T00:15:00+01:00", "0.3", "w1"),
    ]
    rating = rated(readings)
    assert [c.quantity for c in rating.charges] == [Decimal("0.3")]
    assert [a.kind for a in rating.anomalies] == ["counter_reset"]


def test_readings_of_zero_bill_zero() -> None:
    readings = [
        R("hh", "s", "2026-03-10T00:00:00+01:00", 0, "z0"),
        R("hh", "s", "2026-03-10T00:15:00+01:00", 0, "z1"),
        R("hh", "s", "2026-03-10T00:30:00+01:00", Decimal("-0"), "z2"),  # -0 is 0
    ]
    rating = rated(readings)
    assert [(c.quantity, c.amount) for c in rating.charges] == [(Decimal(0), Decimal(0))]
    assert rating.anomalies == ()
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_reading_of_1e20_kwh_is_priced_exactly() -> None:
    readings = [
        R("hh", "s", "2026-03-10T00:00:00+01:00", 0, "g0"),
        R("hh", "s", "2026-03-10T00:15:00+01:00", Decimal("1E+20"), "g1"),
        R("hh", "s", "2026-03-10T00:30:00+01:00", Decimal("100000000000000000000.1"), "g2"),
    ]
    rating = rated(readings)
    # 200 x 0.20 + (1E20 + 0.1 - 200) x 0.25 = 40 + 24999999999999999950.025
    assert rating.total() == Decimal("24999999999999999990.025")
    assert rk.bill(rating)[0].total == Decimal("24999999999999999990.02")  # half-even


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            Decimal("NaN"),
            rk.BadQuantityError,
            "sample 'x' value must be a finite number, not Decimal('NaN').",
        ),
        (
            Decimal("sNaN"),
            rk.BadQuantityError,
            "sample 'x' value must be a finite number, not Decimal('sNaN').",
        ),
        (float("nan"), rk.BadQuantityError, "sample 'x' value must be a finite number, not nan."),
        (
            Decimal("Infinity"),
            rk.BadQuantityError,
            "sample 'x' value must be a finite number, not Decimal('Infinity').",
        ),
        (
            -1,
            rk.BadRecordError,
            "sample 'x' value -1 is a negative counter reading; a cumulative counter counts up from zero and is never negative, so a reading must be a number >= 0 (a decrease to a lower reading is a reset; a correction is a 'delta' sample).",
        ),
        (
            Decimal("-0.1"),
            rk.BadRecordError,
            "sample 'x' value -0.1 is a negative counter reading; a cumulative counter counts up from zero and is never negative, so a reading must be a number >= 0 (a decrease to a lower reading is a reset; a correction is a 'delta' sample).",
        ),
        (
            Decimal("1E+30"),
            rk.BadQuantityError,
            "sample 'x' value Decimal('1E+30') lies outside the numbers ratekit represents exactly: give at most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30.",
        ),
        (
            "12,5",
            rk.BadQuantityError,
            "sample 'x' value '12,5' is not a decimal number; write it like '12.5' or '1e9'.",
        ),
    ],
)
def test_bad_readings_are_refused_at_the_door(
    value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        R("hh", "s", "2026-03-10T00:00:00Z", value, "x")
    assert isinstance(raised.value, rk.RatekitError)
    assert str(raised.value) == message


def test_bad_readings_in_a_batch_of_tuples_are_refused_naming_the_record() -> None:
    good = ("hh", "s", "energy", 1773100800000000, 5, "counter", "t0")
    with pytest.raises(rk.BadRecordError) as raised:
        rk.RecordBatch.from_tuples(
            samples=[good, ("hh", "s", "energy", 1773101700000000, -3, "counter", "t1")]
        )
    assert str(raised.value).startswith("samples[1]")
    assert "negative counter reading" in str(raised.value)
    with pytest.raises(rk.BadQuantityError, match=r"samples\[0\]"):
        rk.RecordBatch.from_tuples(
            samples=[("hh", "s", "energy", 1773100800000000, Decimal("NaN"), "counter", "t2")]
        )


# -- two sites of one name under two accounts ---------------------------------------------


def test_two_accounts_sites_of_one_name_are_metered_apart() -> None:
    readings = [
        R("hh-1", "meter-A", "2026-03-10T00:00:00+01:00", 100, "hh-1/0"),
        R("hh-2", "meter-A", "2026-03-10T00:00:00+01:00", 5000, "hh-2/0"),
        R("hh-1", "meter-A", "2026-03-11T00:00:00+01:00", 110, "hh-1/1"),
        R("hh-2", "meter-A", "2026-03-11T00:00:00+01:00", 5250, "hh-2/1"),
    ]
    rating = rated(readings)
    # hh-1: 10 x 0.20 = 2.00; hh-2: 200 x 0.20 + 50 x 0.25 = 52.50. No reset between them.
    assert [(c.account, c.quantity, c.amount) for c in rating.charges] == [
        ("hh-1", Decimal(10), Decimal("2.00")),
        ("hh-2", Decimal(250), Decimal("52.50")),
    ]
    assert rating.anomalies == ()


def test_one_id_under_two_accounts_is_one_record_in_conflict() -> None:
    # docs/usage.md: "An id names one record, across resources and accounts".
    readings = [
        R("hh-1", "meter-A", "2026-03-10T00:00:00+01:00", 100, "r-1"),
        R("hh-2", "meter-A", "2026-03-10T00:00:00+01:00", 100, "r-1"),
    ]
    with pytest.raises(
        rk.ConflictingRecordError, match="two records share the id 'r-1' but differ"
    ):
        rated(readings)


# -- readings twice, out of order, at one instant ---------------------------------------


def test_readings_twice_out_of_order_and_without_ids_give_the_same_bill() -> None:
    readings = [
        R("hh", "s", "2026-03-10T00:00:00+01:00", 10, None),
        R("hh", "s", "2026-03-10T00:15:00+01:00", 12, None),
        R("hh", "s", "2026-03-10T00:30:00+01:00", 15, None),
    ]
    twice = [readings[2], readings[0], readings[1], readings[0], readings[2]]
    rating = rated(twice)
    assert [c.quantity for c in rating.charges] == [Decimal(5)]
    assert [a.kind for a in rating.anomalies] == ["duplicate", "duplicate"]


# -- the stream: late, after the horizon, too late ---------------------------------------


def stream(start: str = "2026-03-01T00:00:00+01:00") -> rk.Rater:
    return rk.Rater(PLAIN, [e.ENERGY], start=start, horizon=dt.timedelta(days=3), tz="Europe/Paris")


def test_a_march_reading_after_the_horizon_is_corrected_on_the_next_open_invoice() -> None:
    rater = stream()
    feed = rater.feed(
        [
            R("hh", "s", "2026-03-01T00:00:00+01:00", 0, "a"),
            R("hh", "s", "2026-03-20T00:00:00+01:00", 100, "b"),
        ]
    )
    assert feed.accepted == ("a", "b")
    closing = rater.statement("2026-04-04T00:00:00+02:00")  # March's end + 3 days
    assert closing.closed == (e.MARCH,)
    assert [i.total for i in closing.invoices] == [Decimal("20.00")]  # 100 x 0.20
    # A March reading comes on 10 April: March is closed but kept, so the reading is late.
    feed = rater.feed([R("hh", "s", "2026-03-25T00:00:00+01:00", 150, "c")])
    assert feed.late == ("c",)
    lines = rater.statement("2026-04-10T00:00:00+02:00").lines
    assert [(line.role, line.amount, line.late) for line in lines] == [
        ("reversal", Decimal("-20.00"), True),
        ("correction", Decimal("30.00"), True),  # 150 x 0.20
    ]


def test_a_march_reading_after_april_closed_is_too_late_with_its_quantity() -> None:
    rater = stream()
    rater.feed(
        [
            R("hh", "s", "2026-03-24T00:00:00+01:00", 150, "c"),
            R("hh", "s", "2026-04-20T00:00:00+02:00", 250, "d"),
        ]
    )
    rater.statement("2026-05-04T00:00:00+02:00")  # April closes; March is compacted
    feed = rater.feed([R("hh", "s", "2026-03-28T00:00:00+01:00", 160, "e")])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("e",))
    # c (23 March 23:00Z) -> d (19 April 22:00Z) is 647 h, 191 of them in March: March had
    # 100 x 191/647. With e (27 March 23:00Z) between them: 10 kWh from c to e, all in
    # March, then 90 over 551 h, 95 of them in March. The change before April, not
    # applied: (10 + 90 x 95/551) - 100 x 191/647 = -4.0036... kWh (March was charged that
    # much more).
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.meter == "energy"
    assert abs(
        anomaly.quantity - (Decimal(10) + Decimal(90 * 95) / 551 - Decimal(100 * 191) / 647)
    ) < Decimal("1E-23")
    assert "belonged to cycles already compacted: not applied" in anomaly.message


def test_a_reset_reading_that_reaches_a_closed_march_corrects_it() -> None:
    rater = stream()
    rater.feed([R("hh", "s", "2026-03-31T12:00:00+02:00", 900, "r0")])
    assert rater.statement("2026-04-04T00:00:00+02:00").invoices == ()  # nothing used yet
    # The new meter's first reading, stamped 1 April 12:00 local, comes after March closed:
    # 40 kWh from zero over 24 h, 12 of them in March.
    assert rater.feed([R("hh", "s", "2026-04-01T12:00:00+02:00", 40, "r1")]).accepted == ("r1",)
    statement = rater.statement("2026-04-05T00:00:00+02:00")
    assert [
        (f"{line.cycle.start:%m}", line.role, line.quantity, line.late) for line in statement.lines
    ] == [
        ("02", "charge", Decimal(20), True),  # the cycle from 28 Feb 23:00Z: March
        ("03", "charge", Decimal(20), False),
    ]
    assert "counter_reset" in [a.kind for a in statement.anomalies]
    # (No "late" anomaly says why March changed: tests/test_energy_newcomer_faults.py.)


def test_a_reading_at_the_watermark_waits_for_the_next_statement() -> None:
    rater = stream()
    rater.feed(
        [
            R("hh", "s", "2026-03-10T00:00:00Z", 1, "w0"),
            R("hh", "s", "2026-03-10T01:00:00Z", 3, "w1"),
        ]
    )
    assert rater.statement("2026-03-10T01:00:00Z").lines == ()
    assert [line.quantity for line in rater.statement("2026-03-10T01:00:00.000001Z").lines] == [
        Decimal(2)
    ]


def test_a_snapshot_of_huge_and_tiny_readings_round_trips_through_json() -> None:
    rater = stream()
    rater.feed(
        [
            R("hh", "s", "2026-03-10T00:00:00Z", Decimal("1E+20"), "h0"),
            R("hh", "s", "2026-03-10T00:15:00Z", Decimal("100000000000000000000.1000"), "h1"),
        ]
    )
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAIN, [e.ENERGY])
    lines = restored.statement("2026-03-11T00:00:00Z").lines
    assert [(line.quantity, line.amount) for line in lines] == [
        (Decimal("0.1000"), Decimal("0.020000"))
    ]


def test_in_the_stream_one_id_under_two_accounts_is_conflicting_not_taken() -> None:
    # Ids must be unique across accounts and sites (docs/usage.md): a meter numbering its
    # readings per site ("r-1" at two households) has the second one refused as
    # conflicting, said by the feed, not billed; prefix ids with the account and site.
    rater = stream()
    first = rater.feed([R("hh-1", "meter-A", "2026-03-10T00:00:00+01:00", 100, "r-1")])
    second = rater.feed([R("hh-2", "meter-A", "2026-03-10T00:00:00+01:00", 100, "r-1")])
    assert (first.accepted, second.accepted, second.conflicting) == (("r-1",), (), ("r-1",))


def test_energy_units_are_units_of_their_own_so_a_price_per_mwh_is_refused_when_built() -> None:
    # ratekit knows time, data and counts (docs/usage.md, "Units"): kWh converts only to
    # itself, so a meter reporting Wh cannot be priced per kWh (or a kWh meter per MWh);
    # the entry is refused when it is built, naming both units.
    with pytest.raises(rk.UnitError) as raised:
        rk.PriceEntry("e", "energy", rk.PerUnit("200"), unit="MWh", meter_unit="kWh")
    assert str(raised.value).startswith(
        "price entry 'e' is stated per 'MWh', which the meter's unit 'kWh' cannot be converted to: "
        "Cannot convert 'kWh' to 'MWh': 'kWh' is not a unit ratekit knows, so it converts only to itself."
    )
