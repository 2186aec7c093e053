"""A video platform's month, rated from plain tuples and from the friendly records.

Transcoding minutes priced by resolution (SD, HD, 4K; the HD price changes mid-month),
storage in GB-months from gauge readings, graduated delivery egress, and live streams
billed by the second with a one-minute minimum per stream (a first tier of 60 s with a
flat fee, grouped by resource). Customers in New York, London and Sydney, months that
cross a change of daylight saving time. Every total is worked by hand; the lean input
path (`rk.RecordBatch`) must give exactly what the friendly constructors give.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from tests._lean_feeds import EVENT_FIELDS, SAMPLE_FIELDS, columns, friendly

import ratekit as rk

NY = "America/New_York"
UTC = dt.UTC


def us(text: str) -> int:
    """Epoch microseconds of an ISO instant with an offset."""
    return int(dt.datetime.fromisoformat(text).timestamp()) * 1_000_000


def instant(at_us: int) -> dt.datetime:
    seconds, micros = divmod(at_us, 1_000_000)
    return dt.datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


MONTHLY_NY = rk.cycles.monthly(tz=NY)
MARCH_NY = MONTHLY_NY.containing("2026-03-15T12:00:00Z")  # 05:00Z .. 04:00Z, 743 hours
MID = "2026-03-16T00:00:00-04:00"  # the HD price changes here

METERS = [
    rk.Meter("transcode", "minute", rk.Discrete()),
    rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period")),
    rk.Meter("egress", "GB", rk.Discrete()),
    rk.Meter("live", "s", rk.OnOff(when={"type": "stream"})),
]
PER_STREAM_MINUTE = rk.Graduated([rk.Tier(60, flat="0.024"), rk.Tier(None, "0.0004")])


def video_plan(name: str = "standard", factor: Decimal = Decimal(1)) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        MONTHLY_NY,
        [
            rk.PriceEntry(
                "sd", "transcode", rk.PerUnit(Decimal("0.005") * factor), where={"res": "SD"}
            ),
            rk.PriceEntry(
                "hd",
                "transcode",
                rk.PerUnit(Decimal("0.010") * factor),
                where={"res": "HD"},
                end=MID,
            ),
            rk.PriceEntry(
                "hd2",
                "transcode",
                rk.PerUnit(Decimal("0.012") * factor),
                where={"res": "HD"},
                start=MID,
            ),
            rk.PriceEntry(
                "4k", "transcode", rk.PerUnit(Decimal("0.030") * factor), where={"res": "4K"}
            ),
            rk.PriceEntry("storage", "storage", rk.PerUnit(Decimal("0.02") * factor)),
            rk.PriceEntry(
                "egress",
                "egress",
                rk.Graduated(
                    [
                        rk.Tier(1000, Decimal("0.08") * factor),
                        rk.Tier(None, Decimal("0.05") * factor),
                    ]
                ),
            ),
            rk.PriceEntry("live", "live", PER_STREAM_MINUTE, group_by="resource"),
        ],
        unpriced="anomaly",
    )


EVENTS = [
    ("nyc", "job-1", us("2026-03-02T10:00:00-05:00"), "start", {"res": "HD"}, "e1"),
    ("nyc", "job-2", us("2026-03-02T10:00:00-05:00"), "start", {"res": "4K"}, "e2"),
    ("nyc", "bucket", us("2026-03-01T00:00:00-05:00"), "start", {}, "e3"),
    ("nyc", "cdn", us("2026-03-01T00:00:00-05:00"), "start", {}, "e4"),
    # across the spring-forward gap: 06:59:30Z .. 07:00:30Z, 60 s of wall time
    ("nyc", "stream-1", us("2026-03-08T01:59:30-05:00"), "start", {"type": "stream"}, "e5"),
    ("nyc", "stream-1", us("2026-03-08T03:00:30-04:00"), "stop", None, "e6"),
    # 20 s: the minute's minimum applies
    ("nyc", "stream-2", us("2026-03-10T10:00:00-04:00"), "start", {"type": "stream"}, "e7"),
    ("nyc", "stream-2", us("2026-03-10T10:00:20-04:00"), "stop", None, "e8"),
]
SAMPLES = [
    ("nyc", "job-1", "transcode", us("2026-03-10T10:00:00+00:00"), 120, "delta", "s1"),
    ("nyc", "job-1", "transcode", us("2026-03-20T10:00:00+00:00"), Decimal("100.5"), "delta", "s2"),
    ("nyc", "job-2", "transcode", us("2026-03-20T10:00:00+00:00"), 10, "delta", "s3"),
    ("nyc", "bucket", "storage", us("2026-03-01T00:00:00-05:00"), 100, "gauge", "g1"),
    ("nyc", "bucket", "storage", us("2026-03-16T00:00:00-04:00"), 300, "gauge", "g2"),
    ("nyc", "cdn", "egress", us("2026-03-05T00:00:00+00:00"), 1500, "delta", "x1"),
]


def lines_of(invoice: rk.Invoice) -> dict[str, Decimal]:
    return {line.label: line.amount for line in invoice.lines}


def test_a_new_york_march_from_tuples_worked_by_hand() -> None:
    batch = rk.RecordBatch.from_tuples(events=EVENTS, samples=SAMPLES)
    [invoice] = rk.bill(rk.rate(batch, video_plan(), span=MARCH_NY, meters=METERS), tz=NY)
    # March in New York lasts 743 hours (spring forward on the 8th)
    assert MARCH_NY.duration == dt.timedelta(days=30, hours=23)
    # storage: 100 GB for 359 h (to 03-16T04:00Z), 300 GB for 384 h, over 743 h:
    # (35900 + 115200) / 743 = 151100/743 GB-months x 0.02 = 4.0673... -> 4.07
    storage = Fraction(151100, 743) * Fraction("0.02")
    assert round(storage, 2) == Fraction("4.07")
    # egress 1500 GB: 1000 x 0.08 + 500 x 0.05 = 80 + 25 = 105.00
    # transcode HD: 120 x 0.010 = 1.20 (before the 16th), 100.5 x 0.012 = 1.206 -> 1.21
    # transcode 4K: 10 x 0.030 = 0.30
    # live: stream-1 60 s, stream-2 20 s: each within the first minute, 0 per second,
    # and the minute's flat fee 0.024 per stream: 2 x 0.024 = 0.048 -> 0.05
    assert lines_of(invoice) == {
        "egress · egress": Decimal("105.00"),
        "live · live": Decimal("0.00"),
        "storage · storage": Decimal("4.07"),
        "transcode · 4k": Decimal("0.30"),
        "transcode · hd": Decimal("1.20"),
        "transcode · hd2": Decimal("1.21"),
        "fee · live": Decimal("0.05"),
    }
    # 105.00 + 0.00 + 4.07 + 0.30 + 1.20 + 1.21 + 0.05 = 111.83
    assert invoice.total == Decimal("111.83")


def test_the_stream_across_spring_forward_lasts_sixty_seconds() -> None:
    batch = rk.RecordBatch.from_tuples(events=EVENTS[4:6])
    usage = rk.meter(batch, METERS, span=MARCH_NY, cycle=MONTHLY_NY, as_of=MARCH_NY.end)
    # 01:59:30 EST is 06:59:30Z; 03:00:30 EDT is 07:00:30Z: one minute of wall time
    assert usage.total("live") == Decimal(60)


def test_a_stream_longer_than_a_minute_pays_the_minute_and_each_second_after() -> None:
    events = [
        ("nyc", "s", us("2026-03-10T10:00:00-04:00"), "start", {"type": "stream"}, "a"),
        ("nyc", "s", us("2026-03-10T10:02:00-04:00") + 500_000, "stop", None, "b"),
    ]
    batch = rk.RecordBatch.from_tuples(events=events)
    [invoice] = rk.bill(rk.rate(batch, video_plan(), span=MARCH_NY, meters=METERS), tz=NY)
    # 120.5 s: 0.024 for the first 60 s, then 60.5 x 0.0004 = 0.0242 -> 0.02;
    # the flat 0.024 -> 0.02; total 0.04 (the exact 0.0482 rounds to 0.05 only as a whole)
    assert lines_of(invoice) == {"live · live": Decimal("0.02"), "fee · live": Decimal("0.02")}
    assert invoice.total == Decimal("0.04")


def test_storage_gb_months_split_at_a_mid_month_price_change() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY_NY,
        [
            rk.PriceEntry("s1", "storage", rk.PerUnit("0.02"), end=MID),
            rk.PriceEntry("s2", "storage", rk.PerUnit("0.03"), start=MID),
        ],
    )
    batch = rk.RecordBatch.from_tuples(events=EVENTS[2:3], samples=SAMPLES[3:5])
    [invoice] = rk.bill(rk.rate(batch, plan, span=MARCH_NY, meters=METERS[1:2]), tz=NY)
    # each piece takes its integral of the level over the month's 743 h:
    # 100 x 359 / 743 = 35900/743 GB-months x 0.02 = 718/743 = 0.9663... -> 0.97
    # 300 x 384 / 743 = 115200/743 GB-months x 0.03 = 3456/743 = 4.6514... -> 4.65
    assert round(Fraction(718, 743), 2) == Fraction("0.97")
    assert round(Fraction(3456, 743), 2) == Fraction("4.65")
    assert lines_of(invoice) == {"storage · s1": Decimal("0.97"), "storage · s2": Decimal("4.65")}
    assert invoice.total == Decimal("5.62")


def test_tuples_columns_and_friendly_records_give_the_same_invoices() -> None:
    from_tuples = rk.RecordBatch.from_tuples(events=EVENTS, samples=SAMPLES)
    from_columns = rk.RecordBatch.from_columns(
        events=columns(EVENTS, EVENT_FIELDS), samples=columns(SAMPLES, SAMPLE_FIELDS)
    )
    made = friendly(EVENTS, SAMPLES)
    assert list(from_tuples) == made
    assert list(from_columns) == made
    plan = video_plan()
    invoices = [
        rk.bill(rk.rate(records, plan, span=MARCH_NY, meters=METERS), tz=NY)
        for records in (from_tuples, from_columns, made)
    ]
    assert invoices[0] == invoices[1] == invoices[2]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"n": 1}, {"n": True}),
        ({"n": True}, {"n": 1}),
        ({"n": 0}, {"n": False}),
        ({"n": 1}, {"n": 1.0}),
        ({"n": 0}, {"n": Decimal("-0")}),
        ({"n": 1}, {"n": Decimal("1.0")}),
    ],
)
def test_equal_but_differently_typed_attributes_are_not_shared(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    """1 == True == 1.0 in Python, yet a flag is no number: each record keeps its own."""
    batch = rk.RecordBatch.from_tuples(
        events=[("a", "r1", 0, "start", first), ("a", "r2", 0, "start", second)]
    )
    one = rk.Event("a", "r1", "1970-01-01T00:00:00Z", first, kind="start")
    two = rk.Event("a", "r2", "1970-01-01T00:00:00Z", second, kind="start")
    assert list(batch) == [one, two]
    for made, expected in zip(batch, (one, two), strict=True):
        assert [type(v) for v in made.attributes.values()] == [
            type(v) for v in expected.attributes.values()
        ]


def test_a_flag_and_a_number_are_priced_apart_on_the_lean_path() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("gpu", "h", rk.PerUnit(1), where={"gpu": True}),
            rk.PriceEntry("one", "h", rk.PerUnit(2), where={"gpu": 1}),
        ],
    )
    hour = 3_600_000_000
    start = us("2026-03-01T00:00:00+00:00")
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("a", "r1", start, "start", {"gpu": 1}),
            ("a", "r2", start, "start", {"gpu": True}),
            ("a", "r1", start + hour, "stop", None),
            ("a", "r2", start + hour, "stop", None),
        ]
    )
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    [invoice] = rk.bill(
        rk.rate(batch, plan, span=march, meters=[rk.Meter("h", "hour", rk.OnOff())])
    )
    # r1 1 h x 2 = 2.00 under "one"; r2 1 h x 1 = 1.00 under "gpu"
    assert lines_of(invoice) == {"h · one": Decimal("2.00"), "h · gpu": Decimal("1.00")}


T = us("2026-03-01T00:00:00+00:00")


def _refused(error: type[rk.RatekitError], words: list[str], **tuples: Any) -> None:
    """``RecordBatch.from_tuples(**tuples)`` raises ``error``, whose message says every word."""
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_tuples(**tuples)
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize(
    ("sample", "error", "words"),
    [
        (("a", "r", "m", T, float("nan")), rk.BadQuantityError, ["samples[0]", "value", "finite"]),
        (("a", "r", "m", T, float("inf")), rk.BadQuantityError, ["samples[0]", "value", "finite"]),
        (
            ("a", "r", "m", T, Decimal("sNaN")),
            rk.BadQuantityError,
            ["samples[0]", "value", "finite"],
        ),
        (("a", "r", "m", T, Decimal("-Infinity")), rk.BadQuantityError, ["samples[0]", "finite"]),
        (
            ("a", "r", "m", T, Decimal("1e400")),
            rk.BadQuantityError,
            ["samples[0]", "60 significant digits"],
        ),
        (("a", "r", "m", T, Decimal("1e-400")), rk.BadQuantityError, ["samples[0]", "1E-30"]),
        (("a", "r", "m", T, 10**70), rk.BadQuantityError, ["samples[0]", "1E+30"]),
        (("a", "r", "m", T, "NaN"), rk.BadQuantityError, ["samples[0]", "finite"]),
        (("a", "r", "m", T, " 1 "), rk.BadQuantityError, ["samples[0]", "plain ASCII"]),
        (("a", "r", "m", T, True), rk.RatekitTypeError, ["samples[0]", "value", "bool"]),
        (("", "r", "m", T, 1), rk.RatekitTypeError, ["samples[0]", "account", "non-empty"]),
        (("a", "", "m", T, 1), rk.RatekitTypeError, ["samples[0]", "resource", "non-empty"]),
        (("a", "r", "", T, 1), rk.RatekitTypeError, ["samples[0]", "meter", "non-empty"]),
        (
            ("a", "r", "m", T, 1, "delta", ""),
            rk.RatekitTypeError,
            ["samples[0]", "id", "non-empty"],
        ),
        (("a", "r", "m", T, 1, ""), rk.BadRecordError, ["samples[0]", "kind", "'gauge'"]),
        (("a", "r", "m", T, 1, "Gauge"), rk.BadRecordError, ["samples[0]", "kind", "'gauge'"]),
        (
            ("a", "r", "m", float(T), 1),
            rk.RatekitTypeError,
            ["samples[0]", "at_us", "microseconds"],
        ),
        (("a", "r", "m", str(T), 1), rk.RatekitTypeError, ["samples[0]", "at_us", "microseconds"]),
        (("a", "r", "m", True, 1), rk.RatekitTypeError, ["samples[0]", "at_us", "bool"]),
        (("a", "r", "m", 2**63, 1), rk.BadTimeError, ["samples[0]", "at_us", "microseconds"]),
        (
            ("a", "r", "m", 2**63 - 1, 1),
            rk.BadTimeError,
            ["samples[0]", "at_us", "253402300799999999"],
        ),
        ((None, "r", "m", T, 1), rk.RatekitTypeError, ["samples[0]", "account", "dropna"]),
        ((5, "r", "m", T, 1), rk.RatekitTypeError, ["samples[0]", "account", "string"]),
        (("a", "r", "m", T, -1, "counter"), rk.BadRecordError, ["samples[0]", "counter", ">= 0"]),
        (
            ("a", "r", "m", T, 1, "delta", "x", 1.0),
            rk.RatekitTypeError,
            ["samples[0]", "seq", "int"],
        ),
        (("a", "r", "m", T, 1, "delta", "x", 2**63), rk.BadRecordError, ["samples[0]", "seq"]),
        (("a", "r", "m", T), rk.RatekitTypeError, ["samples[0]", "4 fields", "from 5 to 8"]),
        (
            ("a", "r", "m", T, 1, "delta", "x", 1, 2),
            rk.RatekitTypeError,
            ["samples[0]", "9 fields"],
        ),
        (["a", "r", "m", T, 1], rk.RatekitTypeError, ["samples[0]", "not a tuple"]),
        (dt.datetime(2026, 3, 1), rk.RatekitTypeError, ["samples[0]", "not a tuple"]),  # noqa: DTZ001
    ],
)
def test_a_bad_sample_tuple_is_refused_naming_it_and_what_is_accepted(
    sample: Any, error: type[rk.RatekitError], words: list[str]
) -> None:
    _refused(error, words, samples=[sample])


@pytest.mark.parametrize(
    ("event", "error", "words"),
    [
        (
            ("a", "r", T, "start", [("k", 1)]),
            rk.RatekitTypeError,
            ["events[0]", "attributes", "mapping"],
        ),
        (
            ("a", "r", T, "start", "flavor"),
            rk.RatekitTypeError,
            ["events[0]", "attributes", "mapping"],
        ),
        (
            ("a", "r", T, "start", {"k": float("nan")}),
            rk.BadQuantityError,
            ["events[0]", "'k'", "finite"],
        ),
        (
            ("a", "r", T, "start", {1: "x"}),
            rk.RatekitTypeError,
            ["events[0]", "names must be strings"],
        ),
        (("a", "r", T, "start", {"n": 10**70}), rk.BadQuantityError, ["events[0]", "'n'"]),
        (("a", "r", T, "begin"), rk.BadRecordError, ["events[0]", "kind", "'start'"]),
        (("a", "r", T, "gauge"), rk.BadRecordError, ["events[0]", "kind", "'delete'"]),
        (("a", "r", T, None), rk.BadRecordError, ["events[0]", "kind", "default kind"]),
        (("a", "r", dt.datetime(2026, 3, 1), "start"), rk.RatekitTypeError, ["events[0]", "at_us"]),  # noqa: DTZ001
    ],
)
def test_a_bad_event_tuple_is_refused_naming_it_and_what_is_accepted(
    event: Any, error: type[rk.RatekitError], words: list[str]
) -> None:
    _refused(error, words, events=[event])


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", rk.BadQuantityError),
        (" 1 ", rk.BadQuantityError),
        ("1_000", rk.BadQuantityError),
        ("0x10", rk.BadQuantityError),
        ("١٢", rk.BadQuantityError),
        (2**100, rk.BadQuantityError),
        (1e-31, rk.BadQuantityError),
    ],
)
def test_the_lean_path_refuses_what_the_friendly_sample_refuses(
    value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        rk.Sample("a", "r", "m", "2026-03-01T00:00:00Z", value)
    with pytest.raises(error):
        rk.RecordBatch.from_tuples(samples=[("a", "r", "m", T, value)])


@pytest.mark.parametrize("value", [Decimal("-0"), "1e9", -1, Decimal("1E+29"), 0.1, "12.5"])
def test_the_lean_path_reads_a_value_as_the_friendly_sample_does(value: Any) -> None:
    kind = "gauge" if value == -1 else "delta"
    [made] = rk.RecordBatch.from_tuples(samples=[("a", "r", "m", T, value, kind)])
    assert made == rk.Sample("a", "r", "m", "2026-03-01T00:00:00Z", value, kind=kind)


@pytest.mark.parametrize(
    ("samples", "words"),
    [
        (
            {"account": ["a", "b"], "resource": ["r"], "meter": ["m"], "at_us": [T], "value": [1]},
            ["differ in length"],
        ),
        (
            {"account": "a", "resource": ["r"], "meter": ["m"], "at_us": [T], "value": [1]},
            ["'account'", "sequence"],
        ),
        ({"account": ["a"], "resource": ["r"], "meter": ["m"], "at_us": [T]}, ["miss ['value']"]),
        (
            {
                "account": ["a"],
                "resource": ["r"],
                "meter": ["m"],
                "at_us": [T],
                "value": [1],
                "since": [T],
            },
            ["['since']", "not fields"],
        ),
        ([("a", "r", "m", T, 1)], ["mapping of field names"]),
    ],
)
def test_bad_columns_are_refused_saying_what_columns_are(samples: Any, words: list[str]) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(samples=samples)
    for word in words:
        assert word in str(raised.value)


def _egress_of(batch: rk.RecordBatch) -> rk.Usage:
    """``batch`` metered over March (UTC, no cycle) with one meter: egress, in GB."""
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    egress = [rk.Meter("egress", "GB", rk.Discrete())]
    return rk.meter(batch, egress, span=march, cycle=None, as_of=march.end)


def test_one_id_with_two_contents_in_a_batch_is_a_conflict_naming_both() -> None:
    hour = 3_600_000_000
    batch = rk.RecordBatch.from_tuples(
        samples=[
            ("a", "r", "egress", T, 1, "delta", "x"),
            ("a", "r", "egress", T + hour, 2, "delta", "x"),
        ]
    )
    with pytest.raises(rk.ConflictingRecordError, match="'x'"):
        _egress_of(batch)


def test_a_sample_of_an_unknown_meter_is_refused_naming_the_record_and_the_meters() -> None:
    batch = rk.RecordBatch.from_tuples(samples=[("a", "r", "egres", T, 1)])
    with pytest.raises(rk.UnknownMeterError, match=r"'egres'.*'egress'"):
        _egress_of(batch)


def test_a_feed_that_reuses_one_dict_keeps_each_records_attributes() -> None:
    attributes = {"res": "HD"}
    batch = rk.RecordBatch.from_tuples(events=[("a", "r", T, "start", attributes)])
    attributes["res"] = "SD"
    assert dict(batch.events[0].attributes) == {"res": "HD"}


def test_three_time_zones_each_bill_their_own_month() -> None:
    egress = rk.Meter("egress", "GB", rk.Discrete())

    def plan(tz: str) -> rk.Plan:
        return rk.Plan(
            f"p-{tz}",
            "USD",
            rk.cycles.monthly(tz=tz),
            [rk.PriceEntry("e", "egress", rk.PerUnit("0.05"))],
        )

    assignments = [
        rk.Assignment("ny", plan("America/New_York")),
        rk.Assignment("ldn", plan("Europe/London")),
        rk.Assignment("syd", plan("Australia/Sydney")),
    ]
    day = 86_400_000_000
    # 10 GB every day at 00:00Z from 03-01 to 04-09 (40 samples per account)
    batch = rk.RecordBatch.from_tuples(
        samples=[
            (a, "cdn", "egress", T + k * day, 10, "delta", f"{a}{k}")
            for a in ("ny", "ldn", "syd")
            for k in range(40)
        ]
    )
    span = rk.Span("2026-02-01T00:00:00Z", "2026-05-01T00:00:00Z")
    invoices = rk.bill(rk.rate(batch, assignments, span=span, meters=[egress]))
    totals = {
        (invoice.account, invoice.cycle.start.isoformat()): invoice.total for invoice in invoices
    }
    assert totals == {
        # New York: 03-01T00:00Z is still February there (the month starts 05:00Z): 1 x 0.50;
        # March (to 04-01T04:00Z, EDT) takes 03-02 .. 04-01: 31 x 0.50 = 15.50; April 8 days
        ("ny", "2026-02-01T05:00:00+00:00"): Decimal("0.50"),
        ("ny", "2026-03-01T05:00:00+00:00"): Decimal("15.50"),
        ("ny", "2026-04-01T04:00:00+00:00"): Decimal("4.00"),
        # London: March ends 03-31T23:00Z (BST): 03-01 .. 03-31, 31 days; April 9 days
        ("ldn", "2026-03-01T00:00:00+00:00"): Decimal("15.50"),
        ("ldn", "2026-03-31T23:00:00+00:00"): Decimal("4.50"),
        # Sydney: March is 02-28T13:00Z .. 03-31T13:00Z (AEDT): 31 days; April 9 days
        ("syd", "2026-02-28T13:00:00+00:00"): Decimal("15.50"),
        ("syd", "2026-03-31T13:00:00+00:00"): Decimal("4.50"),
    }


def test_a_plan_change_in_londons_spring_forward_hour() -> None:
    london = rk.cycles.monthly(tz="Europe/London")
    march = london.containing("2026-03-15T12:00:00Z")
    live = rk.Meter("live", "s", rk.OnOff(when={"type": "stream"}))
    transcode = rk.Meter("transcode", "minute", rk.Discrete())

    def plan(name: str, live_rate: str, minute_rate: str) -> rk.Plan:
        return rk.Plan(
            name,
            "GBP",
            london,
            [
                rk.PriceEntry("live", "live", rk.PerUnit(live_rate)),
                rk.PriceEntry("tr", "transcode", rk.PerUnit(minute_rate)),
            ],
        )

    change = "2026-03-29T00:30:00+00:00"  # 00:30 GMT, half an hour before clocks go forward
    assignments = [
        rk.Assignment("uk", plan("a", "0.001", "0.01"), end=change),
        rk.Assignment("uk", plan("b", "0.002", "0.02"), start=change),
    ]
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("uk", "st", us("2026-03-29T00:00:00+00:00"), "start", {"type": "stream"}, "s1"),
            ("uk", "st", us("2026-03-29T02:30:00+01:00"), "stop", None, "s2"),  # 01:30Z
        ],
        samples=[
            ("uk", "job", "transcode", us("2026-03-29T00:29:59+00:00"), 10, "delta", "t1"),
            ("uk", "job", "transcode", us("2026-03-29T02:00:00+01:00"), 10, "delta", "t2"),
        ],
    )
    [invoice] = rk.bill(
        rk.rate(batch, assignments, span=march, meters=[live, transcode]), tz="Europe/London"
    )
    # live: 00:00Z .. 00:30Z under a: 1800 s x 0.001 = 1.80; 00:30Z .. 01:30Z under b: 3600 x 0.002 = 7.20
    # one line per entry id, both plans' charges in it: 1.80 + 7.20 = 9.00
    # transcode: t1 under a, 10 x 0.01 = 0.10; t2 (01:00Z) under b, 10 x 0.02 = 0.20: 0.30
    assert lines_of(invoice) == {"live · live": Decimal("9.00"), "transcode · tr": Decimal("0.30")}
    assert invoice.total == Decimal("9.30")


# A two-month stream of messy records, with accounts on two plans.
SPAN = rk.Span(MARCH_NY.start, MONTHLY_NY.containing("2026-04-15T12:00:00Z").end)
S0 = us(SPAN.start.isoformat())
S1 = us(SPAN.end.isoformat())


def assigned() -> list[rk.Assignment]:
    change = "2026-03-20T12:00:00-04:00"
    a = video_plan("a")
    b = video_plan("b", Decimal("0.9"))
    return [
        rk.Assignment("ny", a, end=change),
        rk.Assignment("ny", b, start=change),
        rk.Assignment("ldn", b),
    ]


def messy(
    rng: random.Random, names: tuple[str, str] = ("ny", "ldn")
) -> tuple[list[Any], list[Any]]:
    events: list[Any] = []
    samples: list[Any] = []
    for account in names:
        for j in range(2):
            job = f"job-{account}-{j}"
            start = rng.randrange(S0, S1 - 10**9)
            events.append(
                (account, job, start, "start", {"res": rng.choice(["SD", "HD", "4K"])}, f"{job}-s")
            )
            samples.extend(
                (
                    account,
                    job,
                    "transcode",
                    rng.randrange(start, S1),
                    rng.randrange(1, 999),
                    "delta",
                    f"{job}-{k}",
                )
                for k in range(3)
            )
        for j in range(2):
            stream = f"st-{account}-{j}"
            start = rng.randrange(S0, S1 - 10**10)
            events.append((account, stream, start, "start", {"type": "stream"}, f"{stream}-s"))
            events.append(
                (account, stream, start + rng.randrange(1, 10**10), "stop", None, f"{stream}-e")
            )
        bucket = f"bk-{account}"
        events.append((account, bucket, S0, "start", {}, f"{bucket}-s"))
        for k in range(4):
            samples.append(
                (
                    account,
                    bucket,
                    "storage",
                    rng.randrange(S0, S1),
                    rng.randrange(0, 500),
                    "gauge",
                    f"{bucket}-{k}",
                )
            )
            samples.append(
                (
                    account,
                    bucket,
                    "egress",
                    rng.randrange(S0, S1),
                    rng.randrange(0, 600),
                    "delta",
                    f"e{bucket}-{k}",
                )
            )
    return events, samples


@pytest.mark.parametrize("seed", range(4))
def test_lean_and_friendly_agree_over_a_messy_stream_in_any_order(seed: int) -> None:
    rng = random.Random(seed)
    events, samples = messy(rng)
    plans = assigned()
    expected = rk.bill(rk.rate(friendly(events, samples), plans, span=SPAN, meters=METERS), tz=NY)
    lean = rk.bill(
        rk.rate(
            rk.RecordBatch.from_tuples(events=events, samples=samples),
            plans,
            span=SPAN,
            meters=METERS,
        ),
        tz=NY,
    )
    assert lean == expected
    # shuffled, with replays of some records
    events_again = events + events[:2]
    samples_again = samples + samples[:3]
    rng.shuffle(events_again)
    rng.shuffle(samples_again)
    shuffled = rk.RecordBatch.from_tuples(events=events_again, samples=samples_again)
    assert rk.bill(rk.rate(shuffled, plans, span=SPAN, meters=METERS), tz=NY) == expected
    # every invoice's total is the sum of its printed lines
    for invoice in expected:
        assert invoice.total == sum(line.amount for line in invoice.lines)


@pytest.mark.parametrize("seed", range(3))
def test_renaming_accounts_and_resources_changes_no_total(seed: int) -> None:
    events, samples = messy(random.Random(seed), names=("ldn", "ldn2"))
    plan = video_plan("b", Decimal("0.9"))
    renamed = rk.RecordBatch.from_tuples(
        events=[("Z" + e[0], "R" + e[1], *e[2:]) for e in events],
        samples=[("Z" + s[0], "R" + s[1], *s[2:]) for s in samples],
    )
    before = sorted(
        i.total
        for i in rk.bill(
            rk.rate(
                rk.RecordBatch.from_tuples(events=events, samples=samples),
                plan,
                span=SPAN,
                meters=METERS,
            )
        )
    )
    after = sorted(i.total for i in rk.bill(rk.rate(renamed, plan, span=SPAN, meters=METERS)))
    assert before == after


@pytest.mark.parametrize("seed", range(4))
def test_the_rater_fed_small_batches_with_restarts_bills_what_the_batch_bills(seed: int) -> None:
    rng = random.Random(seed)
    events, samples = messy(rng)
    plans = assigned()
    batch = rk.RecordBatch.from_tuples(events=events, samples=samples)
    expected = {
        (i.account, i.cycle): i.total
        for i in rk.bill(rk.rate(batch, plans, span=SPAN, meters=METERS), tz=NY)
    }
    records = list(batch) + list(batch)[:4]  # with replays
    rng.shuffle(records)
    rater = rk.Rater(
        plans, METERS, start=SPAN.start, tz=NY, horizon=dt.timedelta(days=rng.choice([0, 2, 40]))
    )
    by_id = {e[5]: e for e in events} | {s[6]: s for s in samples}
    now = S0
    billed: dict[Any, Decimal] = {}
    while records:
        size = rng.randrange(1, 8)
        part, records = records[:size], records[size:]
        rater.feed(
            rk.RecordBatch.from_tuples(
                events=[by_id[r.id] for r in part if isinstance(r, rk.Event)],
                samples=[by_id[r.id] for r in part if isinstance(r, rk.Sample)],
            )
        )
        now = min(
            S1, now + rng.randrange(0, 3 * 86_400_000_000) + rng.randrange(1_000_000)
        )  # odd instants
        for invoice in rater.statement(instant(now)).invoices:
            billed[(invoice.account, invoice.cycle)] = invoice.total
        if rng.random() < 0.3:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, METERS)
    # far enough on that every cycle has closed, whatever the horizon
    for invoice in rater.statement(instant(S1) + dt.timedelta(days=60)).invoices:
        billed[(invoice.account, invoice.cycle)] = invoice.total
    assert {key: billed[key] for key in expected} == expected


def test_focus_rows_of_the_invoices_add_up_to_each_total() -> None:
    events, samples = messy(random.Random(7))
    invoices = rk.bill(
        rk.rate(
            rk.RecordBatch.from_tuples(events=events, samples=samples),
            assigned(),
            span=SPAN,
            meters=METERS,
        ),
        tz=NY,
    )
    rows = rk.focus_rows(invoices, provider="Video")
    sums: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        key = (row["BillingAccountId"], row["BillingPeriodStart"])
        sums[key] = sums.get(key, Decimal(0)) + Decimal(row["BilledCost"])
    assert sorted(sums.values()) == sorted(invoice.total for invoice in invoices)


def test_two_candidate_plans_over_the_same_lean_usage() -> None:
    batch = rk.RecordBatch.from_tuples(events=EVENTS, samples=SAMPLES)
    comparison = rk.compare_plans(
        batch,
        {"today": video_plan("today"), "cheaper": video_plan("cheaper", Decimal("0.5"))},
        span=MARCH_NY,
        meters=METERS,
    )
    totals = comparison.totals()
    # today: 111.83 (worked above). cheaper halves every usage price but the live tiers:
    # egress 40 + 12.50 = 52.50; storage 151100/743 x 0.01 = 2.0336... -> 2.03;
    # 4K 0.15; HD 0.60; HD2 100.5 x 0.006 = 0.603 -> 0.60; live 0.00 and its fee 0.05
    assert totals == {"today": Decimal("111.83"), "cheaper": Decimal("55.93")}
    assert comparison.accounts("cheaper", "pays less") == ("nyc",)


# Faults, each on its smallest input.

HD_ONLY = rk.Plan(
    "p",
    "USD",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("hd", "transcode", rk.PerUnit("0.01"), where={"res": "HD"})],
)
TRANSCODE = [rk.Meter("transcode", "minute", rk.Discrete())]
JOB_STARTS = rk.Event("a", "job", "2026-03-02T00:00:00Z", {"res": "HD"}, kind="start", id="e1")
JOB_MINUTES = rk.Sample("a", "job", "transcode", "2026-03-03T00:00:00Z", 100, id="s1")
MARCH_UTC = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_a_job_started_then_its_minutes_fed_bill_as_the_batch() -> None:
    # 100 minutes of HD at 0.01 = 1.00, whichever way the month is rated
    batch = rk.bill(rk.rate([JOB_MINUTES, JOB_STARTS], HD_ONLY, span=MARCH_UTC, meters=TRANSCODE))
    assert batch[0].total == Decimal("1.00")
    rater = rk.Rater(HD_ONLY, TRANSCODE, start=MARCH_UTC.start)
    rater.feed([JOB_STARTS])
    rater.feed([JOB_MINUTES])
    assert rater.statement(MARCH_UTC.end).invoices[0].total == Decimal("1.00")


def test_a_jobs_minutes_fed_before_its_start_event_bill_as_the_batch() -> None:
    rater = rk.Rater(HD_ONLY, TRANSCODE, start=MARCH_UTC.start)
    rater.feed([JOB_MINUTES])
    rater.feed([JOB_STARTS])
    assert rater.statement(MARCH_UTC.end).invoices[0].total == Decimal("1.00")


def test_per_started_second_after_the_minute_with_blocks_of_one_second() -> None:
    per_second = rk.Graduated([rk.Tier(60, flat="0.024"), rk.Tier(None, "0.0004", block=1)])
    # 20.2 s: the minute's 0.024; 60 s: still 0.024; 60.000001 s: one started second more
    assert per_second.amount(Decimal("20.2")) == Decimal("0.024")
    assert per_second.amount(60) == Decimal("0.024")
    assert per_second.amount(Decimal("60.000001")) == Decimal("0.0244")
    # 120.5 s: 0.024 + 61 started seconds x 0.0004 = 0.024 + 0.0244 = 0.0484
    assert per_second.amount(Decimal("120.5")) == Decimal("0.0484")


def test_a_stream_over_the_month_end_pays_each_months_minimum() -> None:
    """The minimum is per stream and cycle: a stream over midnight of 1 April pays two."""
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY_NY,
        [
            rk.PriceEntry(
                "live",
                "live",
                rk.Graduated([rk.Tier(60, flat="0.024"), rk.Tier(None, "0.0004", block=1)]),
                group_by="resource",
            )
        ],
    )
    events = [
        ("ny", "s", us("2026-03-31T23:59:30-04:00"), "start", {"type": "stream"}),
        ("ny", "s", us("2026-04-01T00:00:40-04:00"), "stop", None),
    ]
    invoices = rk.bill(
        rk.rate(rk.RecordBatch.from_tuples(events=events), plan, span=SPAN, meters=METERS[3:]),
        tz=NY,
    )
    # 30 s in March, 40 s in April: each within its month's first minute, 0.024 -> 0.02 each
    assert [invoice.total for invoice in invoices] == [Decimal("0.02"), Decimal("0.02")]


def test_a_gauge_level_holds_past_the_buckets_delete_until_a_zero_reading() -> None:
    """As the Usage page says: a delete does not end a mean's level; a reading of 0 does."""
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    storage = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
    held = [
        rk.Event("a", "bk", "2026-03-01T00:00:00Z", kind="start", id="e1"),
        rk.Sample("a", "bk", "storage", "2026-03-01T00:00:00Z", 100, kind="gauge", id="g1"),
        rk.Event("a", "bk", "2026-03-11T00:00:00Z", kind="delete", id="e2"),
    ]
    emptied = [
        *held,
        rk.Sample("a", "bk", "storage", "2026-03-11T00:00:00Z", 0, kind="gauge", id="g2"),
    ]

    def gb_months(records: list[Any]) -> Decimal:
        usage = rk.meter(
            records, [storage], span=march, cycle=rk.cycles.monthly(tz="UTC"), as_of=march.end
        )
        return usage.total("storage")

    assert gb_months(held) == Decimal(100)  # 100 GB x 31 days / 31 days
    # 100 GB x 10 days / 31 days = 1000/31
    # (exact to the 60th significant digit)
    assert abs(Fraction(gb_months(emptied)) - Fraction(1000, 31)) < Fraction(1, 10**50)


@pytest.mark.parametrize(
    "price",
    [
        rk.PerUnit("1E+10"),
        rk.Graduated([rk.Tier(None, "1E+10")]),
        rk.Volume([rk.Tier(None, "1E+10")]),
        rk.Package(1, "1E+10"),
    ],
    ids=["PerUnit", "Graduated", "Volume", "Package"],
)
def test_a_charge_out_of_range_is_one_error_class_in_batch_and_stream(price: rk.PriceModel) -> None:
    sent = rk.Meter("egress", "B", rk.Discrete())
    steep = rk.Plan("s", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "egress", price)])
    batch = rk.RecordBatch.from_tuples(
        samples=[("acme", "vm-1", "egress", T, Decimal("1E+21"), "delta", "s9")]
    )
    with pytest.raises(rk.RatekitError) as in_batch:
        rk.rate(batch, steep, span=MARCH_UTC, meters=[sent])
    with pytest.raises(rk.RatekitError) as in_stream:
        rk.Rater(steep, [sent], start=MARCH_UTC.start).feed(batch)
    assert type(in_batch.value) is type(in_stream.value)
