"""A billing engineer's hostile call detail records, streams and tariffs.

Every refusal is a `RatekitError` whose message says what was wrong and what would be
accepted; every number is worked by hand. A fault found here is pinned as a strict xfail.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from tests._telecom_tariffs import CYCLES, TIME_OF_DAY, ZURICH

import ratekit as rk

SUBSCRIBER = "41790000001"
VOICE = rk.Meter("voice", "s", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "CHF",
    CYCLES,
    [rk.PriceEntry("voice", "voice", rk.PerUnit("0.12"), unit="minute", meter_unit="s")],
)
START = "2026-10-17T00:00:00+02:00"
OCTOBER = CYCLES.containing("2026-10-20T00:00:00Z")


def cdr(value: object, since: object = None, at: object = "2026-10-24T22:00:00Z") -> rk.Sample:
    return rk.Sample(SUBSCRIBER, "msisdn", "voice", at, value, since=since, id="cdr-h")  # type: ignore[arg-type]


BAD_CDRS: dict[str, tuple[dict[str, Any], type[rk.RatekitError], str]] = {
    "nan seconds": (
        {"value": float("nan")},
        rk.BadQuantityError,
        "sample 'cdr-h' value must be a finite number, not nan.",
    ),
    "a flag for seconds": (
        {"value": True},
        rk.RatekitTypeError,
        "sample 'cdr-h' value must be a number (int, str, Decimal or float), not bool: True.",
    ),
    "seconds beyond ratekit's range": (
        {"value": "1e40"},
        rk.BadQuantityError,
        (
            "sample 'cdr-h' value '1e40' lies outside the numbers ratekit represents exactly: give at most 60 "
            "significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
        ),
    ),
    "a call that ends before it starts": (
        {"value": 10, "since": "2026-10-24T23:00:00Z"},
        rk.BadRecordError,
        (
            "sample 'cdr-h' since 2026-10-24T23:00:00Z comes after its at 2026-10-24T22:00:00Z; a delta over a "
            "span covers [since, at)."
        ),
    ),
    "a leap second": (
        {"value": 10, "at": "2016-12-31T23:59:60Z"},
        rk.BadTimeError,
        (
            "sample 'cdr-h' at '2016-12-31T23:59:60Z' is a leap second (second 60), which ratekit cannot place: "
            "it counts time as POSIX time, without leap seconds. Write the instant as second 59 or as the next "
            "minute's second 0."
        ),
    ),
    "a local time without offset": (
        {"value": 10, "since": "2026-10-24T21:00:00"},
        rk.BadTimeError,
        (
            "sample 'cdr-h' since '2026-10-24T21:00:00' has no UTC offset; ratekit compares instants, so write it "
            "with an offset or 'Z', e.g. '2026-10-24T21:00:00Z'."
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CDRS))
def test_a_bad_cdr_is_refused_at_the_door_saying_what_is_accepted(case: str) -> None:
    fields, error, message = BAD_CDRS[case]
    with pytest.raises(error) as caught:
        cdr(**fields)
    assert str(caught.value) == message


@pytest.mark.parametrize("day", [0, 32, True, "17", 17.0])
def test_a_subscribers_day_outside_1_to_31_is_refused(day: object) -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.monthly(tz=ZURICH, day=day)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"monthly day {day!r} is not a day of the month; give an int from 1 to 31 (days past a month's end "
        "clamp to its last day)."
    )


def test_a_megabyte_subscriber_id_gives_a_short_message() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Sample(SUBSCRIBER, "msisdn", "voice", "2026-10-24T22:00:00Z", "lots", id="x" * 1_000_000)
    assert len(str(caught.value)) < 2_000
    assert str(caught.value).endswith(
        "value 'lots' is not a decimal number; write it like '12.5' or '1e9'."
    )


def test_a_call_from_the_year_one_is_refused_in_batch_and_in_the_stream() -> None:
    ancient = cdr(10**20, since="0001-01-01T00:00:00Z", at="2026-10-20T00:00:00Z")
    with pytest.raises(
        rk.BadTimeError, match=r"^rate: records\[0\] .* has since 0001-01-01T00:00:00Z, in no"
    ):
        rk.rate([ancient], PLAN, span=OCTOBER, meters=[VOICE])
    stream = rk.Rater(PLAN, [VOICE], start=START)
    with pytest.raises(
        rk.BadTimeError, match=r"^Rater.feed: records\[0\]: sample 'cdr-h' has since 0001-01-01"
    ):
        stream.feed([ancient])
    assert (
        repr(stream.feed([cdr(60, at="2026-10-20T00:00:00Z")])) == "Feed(accepted=1)"
    )  # nothing was taken


def test_a_batch_with_one_bad_cdr_is_taken_not_at_all() -> None:
    stream = rk.Rater(PLAN, [VOICE], start=START)
    good = cdr(60, at="2026-10-21T00:00:00Z")
    sms = rk.Sample(SUBSCRIBER, "msisdn", "sms", "2026-10-21T00:00:00Z", 1, id="sms-1")
    with pytest.raises(rk.UnknownMeterError) as caught:
        stream.feed([good, sms])
    assert str(caught.value) == (
        "Rater.feed: records[1]: sample 'sms-1' meter 'sms' is not one of the meters given: 'voice'; declare a "
        "Meter with that name."
    )
    assert stream.feed([good]).accepted == ("cdr-h",)


def test_a_watermark_that_goes_back_is_refused() -> None:
    stream = rk.Rater(PLAN, [VOICE], start=START)
    stream.statement("2026-10-20T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        stream.statement("2026-10-19T00:00:00Z")
    assert str(caught.value) == (
        "Rater.statement as_of 2026-10-19T00:00:00Z goes back before the last watermark "
        "2026-10-20T00:00:00Z; watermarks only move forward."
    )


def test_a_seconds_meter_under_a_per_minute_price_needs_one_unit() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Rater(PLAN, [rk.Meter("voice", "minute", rk.Discrete())], start=START)
    assert str(caught.value).startswith(
        "Rater: Meter 'voice' is in 'minute', but price entry 'voice' of plan 'p' (its meter_unit) says the "
        "meter's unit is 's'"
    )
    assert str(caught.value).endswith("Give the Meter and the entry one unit.")


def test_a_snapshot_given_as_json_text_is_refused_saying_what_restore_takes() -> None:
    stream = rk.Rater(PLAN, [VOICE], start=START)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(json.dumps(stream.snapshot()), PLAN, [VOICE])  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater.restore needs what Rater.snapshot() returned (a dict with format 'ratekit.Rater'), not str."
    )


def test_a_refund_cdr_gives_the_free_minutes_back_before_going_below_zero() -> None:
    bundle = rk.Plan(
        "b",
        "CHF",
        CYCLES,
        [rk.PriceEntry("voice", "voice", rk.PerUnit("0.12"), unit="minute", meter_unit="s")],
        allowances=[rk.Allowance("voice", 600)],  # 10 free minutes
    )
    records = [
        cdr(1800, at="2026-10-20T10:00:00Z"),  # 30 min: 10 free, 20 billed (2.40)
        rk.Sample(
            SUBSCRIBER, "msisdn", "voice", "2026-10-21T10:00:00Z", -1500, id="refund"
        ),  # -25 min
    ]
    rating = rk.rate(records, bundle, span=OCTOBER, meters=[VOICE])
    # the refund takes back the 20 billed minutes (-2.40), then 5 free ones: net 5 min, all free
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(30), Decimal(10), Decimal("2.40")),
        (Decimal(-25), Decimal(-5), Decimal("-2.40")),
    ]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_peak_call_refunded_at_night_is_refunded_at_the_peak_rate() -> None:
    records = [
        rk.Sample(SUBSCRIBER, "msisdn", "voice", "2026-10-20T12:00:00+02:00", 6000, id="c1"),
        rk.Sample(
            SUBSCRIBER, "msisdn", "voice", "2026-10-20T23:00:00+02:00", -6000, id="refund-c1"
        ),
    ]
    rating = rk.rate(records, TIME_OF_DAY, span=OCTOBER, meters=[VOICE])
    # 100 min at peak: 20.00; the refund takes those 100 minutes back at the price billed: -20.00
    assert sorted(charge.amount for charge in rating.charges) == [
        Decimal("-20.00"),
        Decimal("20.00"),
    ]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_peak_call_refunded_at_peak_nets_to_zero() -> None:
    # the same refund stamped in the peak hours takes the minutes back at 0.20: the tariff matches
    records = [
        rk.Sample(SUBSCRIBER, "msisdn", "voice", "2026-10-20T12:00:00+02:00", 6000, id="c1"),
        rk.Sample(
            SUBSCRIBER, "msisdn", "voice", "2026-10-20T15:00:00+02:00", -6000, id="refund-c1"
        ),
    ]
    rating = rk.rate(records, TIME_OF_DAY, span=OCTOBER, meters=[VOICE])
    assert [charge.amount for charge in rating.charges] == [Decimal("20.00"), Decimal("-20.00")]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_clock_a_year_fast_closes_twelve_cycles_and_every_later_watermark_is_refused() -> None:
    # documented: the bound is about work, not clocks; the host must check its own clock
    stream = rk.Rater(PLAN, [VOICE], start=START)
    statement = stream.statement("2027-10-18T00:00:00Z")
    assert len(statement.closed) == 12
    with pytest.raises(rk.BadTimeError, match="watermarks only move forward"):
        stream.statement("2026-10-21T00:00:00Z")


def test_a_horizon_that_is_no_timedelta_is_refused() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(PLAN, [VOICE], start=START, horizon=3)  # type: ignore[arg-type]
    assert str(caught.value) == "Rater horizon must be a timedelta of zero or more, not 3."
    with pytest.raises(rk.BadTimeError) as negative:
        rk.Rater(PLAN, [VOICE], start=START, horizon=dt.timedelta(days=-1))
    assert str(negative.value) == (
        "Rater horizon must be a timedelta of zero or more, not datetime.timedelta(days=-1)."
    )
