"""Hosted game servers rated hour by hour by the streaming rater, checked against batch.

Each server is billed per hour by its size (resized, stopped and started during its
life), plus the day's peak of concurrent players (a gauge, the daily ``Max``; the
enterprise plan bills a monthly 95th percentile), plus voice-chat minutes (a counter
from zero at each boot that wraps at 2^32). Every account has 100 free server-hours a
month. Readings come late, twice, corrected by a higher ``seq``, and across a cycle's
end; statements come every hour, and their lines must add up to batch ``rk.rate``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

UTC_DAYS = rk.cycles.daily(tz="UTC")
UTC_MONTHS = rk.cycles.monthly(tz="UTC")
START = "2026-03-01T00:00:00Z"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

HOURS = rk.Meter("server.hours", "hour", rk.OnOff())
PEAK = rk.Meter("players", "player", rk.Max())
P95 = rk.Meter("players.p95", "player", rk.Percentile(95))
VOICE = rk.Meter("voice", "minute", rk.Counter(from_zero=True, wraps_at=2**32))
METERS = [HOURS, PEAK, VOICE]


def standard(tz: str = "UTC") -> rk.Plan:
    """Small 0.02 and large 0.08 an hour, 0.01 a peak player a day, 0.001 a minute."""
    return rk.Plan(
        "standard",
        "EUR",
        rk.cycles.daily(tz=tz),
        [
            rk.PriceEntry("small", "server.hours", rk.PerUnit("0.02"), where={"size": "small"}),
            rk.PriceEntry("large", "server.hours", rk.PerUnit("0.08"), where={"size": "large"}),
            rk.PriceEntry("peak", "players", rk.PerUnit("0.01")),
            rk.PriceEntry("voice", "voice", rk.PerUnit("0.001")),
        ],
        allowances=[rk.Allowance("server.hours", 100, cycle=rk.cycles.monthly(tz=tz))],
    )


def at(hours: float) -> str:
    """The instant ``hours`` after 1 March 2026 00:00 UTC."""
    return (T0 + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def exact(amounts: Any) -> Fraction:
    return sum((Fraction(a) for a in amounts), Fraction(0))


def batch_total(records: list[Any], plan: rk.Plan, end: str) -> Fraction:
    rating = rk.rate(records, plan, span=rk.Span(START, end), meters=METERS, as_of=end)
    return exact(c.amount for c in rating.charges)


def hourly(
    records: list[Any],
    plan: rk.Plan,
    hours: int,
    *,
    arrive: dict[str, int] | None = None,
    restore: bool = False,
    horizon: int = 1,
) -> tuple[Fraction, list[Decimal], list[rk.StatementLine]]:
    """Feeds each record at its hour (or ``arrive[id]``), a statement every hour.

    Returns the exact sum of every line, the closing invoices' totals and the lines.
    """
    arrive = arrive or {}
    rater = rk.Rater(plan, METERS, start=START, horizon=dt.timedelta(hours=horizon))
    total = Fraction(0)
    invoices: list[Decimal] = []
    lines: list[rk.StatementLine] = []
    for hour in range(hours + 1):
        due = [
            r
            for r in records
            if arrive.get(r.id, -1) == hour
            or (r.id not in arrive and hour - 1 < (r.at_us - T0.timestamp() * 1e6) / 3.6e9 <= hour)
        ]
        if due:
            rater.feed(due)
        if hour:
            statement = rater.statement(at(hour))
            total += exact(line.amount for line in statement.lines)
            invoices += [invoice.total for invoice in statement.invoices]
            lines += statement.lines
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, METERS)
    return total, invoices, lines


# -- the month as the pricing page says ----------------------------------------------


def test_a_day_of_one_server_resized_with_players_and_voice() -> None:
    """Small 10 h then large 10 h (free), peak 40 players, 900 voice minutes."""
    records = [
        rk.Event("acme", "srv-1", at(0), {"size": "small"}, kind="start", id="e1"),
        rk.Event("acme", "srv-1", at(10), {"size": "large"}, kind="update", id="e2"),
        rk.Event("acme", "srv-1", at(20), kind="stop", id="e3"),
        rk.Sample("acme", "srv-1", "players", at(5), 12, kind="gauge", id="p1"),
        rk.Sample("acme", "srv-1", "players", at(15), 40, kind="gauge", id="p2"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(18), 900, kind="counter", id="v2"),
    ]
    rating = rk.rate(records, standard(), span=rk.Span(START, at(24)), meters=METERS)
    (invoice,) = rk.bill(rating)
    # 20 server-hours, all within the 100 free: 0.00
    # peak 40 x 0.01 = 0.40; voice from 0 at the boot: 900 x 0.001 = 0.90
    assert invoice.total == Decimal("1.30")
    assert batch_total(records, standard(), at(24)) == Fraction("1.30")
    total, invoices, _ = hourly(records, standard(), 26)
    assert total == Fraction("1.30")
    assert invoices == [Decimal("1.30")]


def test_five_days_of_a_large_server_use_the_monthly_allowance_first() -> None:
    """120 large hours: the first 100 are free, the 20 after cost 20 x 0.08 = 1.60."""
    records = [
        rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1"),
        rk.Event("acme", "srv-1", at(120), kind="stop", id="e2"),
    ]
    assert batch_total(records, standard(), at(144)) == Fraction("1.60")
    total, invoices, _ = hourly(records, standard(), 146)
    assert total == Fraction("1.60")
    # days 1-4 use 96 free hours, day 5 the last 4: (24 - 4) x 0.08 = 1.60
    assert invoices == [Decimal("0.00")] * 4 + [Decimal("1.60")]  # no usage on day 6: no invoice


FLEET = [
    rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1"),
    rk.Event("acme", "srv-1", at(120), kind="stop", id="e2"),
    rk.Event("acme", "srv-2", at(72), {"size": "small"}, kind="start", id="e3"),
    rk.Event("acme", "srv-2", at(96), kind="stop", id="e4"),
]


@pytest.mark.parametrize("restore", [False, True])
def test_a_server_reported_after_its_day_closed_shares_the_last_free_hours(restore: bool) -> None:
    """srv-2's day 4 arrives after day 4 closed: the day is corrected, late.

    By day 4, srv-1 used 72 free hours; day 4 holds 24 large + 24 small hours for the
    28 left, shared alike: 20 paid hours each, 20/48 of each, so 10 x 0.08 + 10 x 0.02
    = 1.00; day 5: 24 x 0.08 = 1.92; together 2.92.
    """
    assert batch_total(FLEET, standard(), at(168)) == Fraction("2.92")
    total, invoices, lines = hourly(
        FLEET, standard(), 168, arrive={"e3": 99, "e4": 98}, restore=restore
    )
    assert total == Fraction("2.92")
    # day 4 closed at 0.00 without srv-2; its correction comes as late lines: +1.00
    assert invoices[:5] == [Decimal("0.00")] * 4 + [Decimal("1.92")]
    assert exact(line.amount for line in lines if line.late) == Fraction("1.00")


def test_renaming_accounts_and_servers_changes_no_total() -> None:
    """The same fleet under other names (sorted otherwise) bills the same 2.92."""
    names = {"acme": "Zeta-GmbH", "srv-1": "zz-9", "srv-2": "aa-0"}
    renamed = [
        rk.Event(
            names[e.account], names[e.resource], e.at, dict(e.attributes), kind=e.kind, id=e.id
        )
        for e in FLEET
    ]
    assert batch_total(renamed, standard(), at(168)) == Fraction("2.92")
    total, invoices, _ = hourly(renamed, standard(), 168, arrive={"e3": 99, "e4": 98})
    assert total == Fraction("2.92")
    assert invoices[:5] == [Decimal("0.00")] * 4 + [Decimal("1.92")]


def test_any_order_and_batching_gives_the_same_closing_invoices() -> None:
    """All at once, reversed, or one record a batch: the same invoices."""
    results = []
    for feeds in ([FLEET], [FLEET[::-1]], [[r] for r in FLEET[::-1]]):
        rater = rk.Rater(standard(), METERS, start=START)
        for batch in feeds:
            rater.feed(batch)
        statement = rater.statement(at(168))
        results.append([(str(i.cycle), i.total) for i in statement.invoices])
    assert results[0] == results[1] == results[2]
    assert [total for _, total in results[0]] == [Decimal("0.00")] * 3 + [
        Decimal("1.00"),
        Decimal("1.92"),
    ]


def test_a_peak_corrected_after_its_day_closed_comes_down() -> None:
    """40 at 10:00 corrected to 15 (seq 2) after the day closed: the peak is 20."""
    rater = rk.Rater(standard(), METERS, start=START, horizon=dt.timedelta(hours=2))
    rater.feed(
        [
            rk.Event("acme", "srv-1", at(0), {"size": "small"}, kind="start", id="e1"),
            rk.Sample("acme", "srv-1", "players", at(10), 40, kind="gauge", id="p1", seq=1),
            rk.Sample("acme", "srv-1", "players", at(11), 20, kind="gauge", id="p2", seq=1),
        ]
    )
    closing = rater.statement(at(26))
    assert [i.total for i in closing.invoices] == [Decimal("0.40")]  # 40 x 0.01
    feed = rater.feed(
        [rk.Sample("acme", "srv-1", "players", at(10), 15, kind="gauge", id="p1-fix", seq=2)]
    )
    assert feed.late == ("p1-fix",)
    peak = [line for line in rater.statement(at(27)).lines if line.meter == "players"]
    # the readings that stand are 15 and 20: 20 x 0.01 = 0.20
    assert [(line.role, line.quantity, line.amount, line.late) for line in peak] == [
        ("reversal", Decimal(-40), Decimal("-0.40"), True),
        ("correction", Decimal(20), Decimal("0.20"), True),
    ]


def test_voice_minutes_from_zero_at_each_boot_and_across_a_wrap() -> None:
    """600 before a restart; after it 2^32 - 100, then 50 (a wrap of 150)."""
    records = [
        rk.Event("acme", "srv-1", at(0), {"size": "small"}, kind="start", id="e1"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1"),
        rk.Event("acme", "srv-1", at(13), kind="stop", id="e2"),
        rk.Event("acme", "srv-1", at(14), kind="start", id="e3"),
        rk.Sample("acme", "srv-1", "voice", at(16), 2**32 - 100, kind="counter", id="v2"),
        rk.Sample("acme", "srv-1", "voice", at(18), 50, kind="counter", id="v3"),
    ]
    usage = rk.meter(records, [VOICE], span=rk.Span(START, at(24)), cycle=UTC_DAYS, as_of=at(24))
    # 600 + (2^32 - 100) from 0 at the second boot + (2^32 - (2^32 - 100) + 50)
    assert usage.total() == Decimal(600 + 2**32 - 100 + 150) == Decimal(4294967946)
    assert usage.anomalies == ()
    # 11 server-hours (free); 4294967946 x 0.001 = 4294967.946
    assert batch_total(records, standard(), at(24)) == Fraction("4294967.946")
    total, invoices, _ = hourly(records, standard(), 25, restore=True)
    assert total == Fraction("4294967.946")
    assert invoices == [Decimal("4294967.95")]


def test_the_enterprise_95th_percentile_of_a_month_with_a_late_correction() -> None:
    """Daily peaks 1..20: rank ceil(0.95 x 20) = 19, 19 x 0.50 = 9.50; 20 corrected to 5: 18."""
    enterprise = rk.Plan(
        "enterprise", "EUR", UTC_MONTHS, [rk.PriceEntry("p95", "players.p95", rk.PerUnit("0.50"))]
    )
    peaks = [
        rk.Sample(
            "acme",
            "srv-1",
            "players.p95",
            f"2026-03-{d:02d}T12:00:00Z",
            d,
            kind="gauge",
            id=f"g{d}",
            seq=1,
        )
        for d in range(1, 21)
    ]
    fix = rk.Sample(
        "acme", "srv-1", "players.p95", "2026-03-20T12:00:00Z", 5, kind="gauge", id="g20-fix", seq=2
    )
    rater = rk.Rater(enterprise, [P95], start=START, horizon=dt.timedelta(days=1))
    rater.feed(peaks)
    assert [
        (x.role, x.quantity, x.amount) for x in rater.statement("2026-03-25T00:00:00Z").lines
    ] == [("charge", Decimal(19), Decimal("9.50"))]
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), enterprise, [P95])
    rater.feed([fix])
    closing = rater.statement("2026-04-02T00:00:00Z")
    # 1, 2, 3, 4, 5, 5, 6, ..., 19: the 19th is 18; 18 x 0.50 = 9.00
    assert [(x.role, x.quantity, x.amount) for x in closing.lines] == [
        ("reversal", Decimal(-19), Decimal("-9.50")),
        ("correction", Decimal(18), Decimal("9.00")),
    ]
    assert [i.total for i in closing.invoices] == [Decimal("9.00")]
    batch = rk.rate(
        [*peaks, fix], enterprise, span=rk.Span(START, "2026-04-01T00:00:00Z"), meters=[P95]
    )
    assert rk.bill(batch)[0].total == Decimal("9.00")


def test_a_day_of_23_hours_in_berlin() -> None:
    """29 March 2026 in Berlin lasts 23 hours; 71 hours over three days, all free."""
    start = "2026-03-28T00:00:00+01:00"
    records = [
        rk.Event("acme", "srv-1", start, {"size": "large"}, kind="start", id="e1"),
        rk.Sample(
            "acme", "srv-1", "players", "2026-03-29T12:00:00+02:00", 48, kind="gauge", id="p1"
        ),
    ]
    plan = standard("Europe/Berlin")
    rating = rk.rate(records, plan, span=rk.Span(start, "2026-03-31T00:00:00+02:00"), meters=METERS)
    assert [c.quantity for c in rating.charges if c.meter == "server.hours"] == [24, 23, 24]
    rater = rk.Rater(plan, METERS, start=start, tz="Europe/Berlin")
    rater.feed(records)
    total = Fraction(0)
    for watermark in (
        "2026-03-29T01:59:59+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T00:00:00+02:00",
        "2026-03-31T00:00:00+02:00",
    ):
        total += exact(line.amount for line in rater.statement(watermark).lines)
    # the peak 48 x 0.01 = 0.48; the hours are free
    assert total == exact(c.amount for c in rating.charges) == Fraction("0.48")


def test_watermarks_at_odd_instants_add_up_to_batch() -> None:
    """A microsecond after the start, half a second in +05:45, then the day's end."""
    records = FLEET[:2]
    rater = rk.Rater(standard(), METERS, start=START)
    rater.feed(records)
    total = Fraction(0)
    for watermark in (
        "2026-03-01T00:00:00.000001Z",
        "2026-03-01T05:45:00.5+05:45",
        "2026-03-06T00:00:00Z",
    ):
        total += exact(line.amount for line in rater.statement(watermark).lines)
    assert total == batch_total(records, standard(), "2026-03-06T00:00:00Z") == Fraction("1.60")


def test_a_replayed_record_is_a_duplicate_and_another_version_conflicting() -> None:
    rater = rk.Rater(standard(), METERS, start=START)
    first = rk.Event("acme", "srv-1", at(0), {"size": "small"}, kind="start", id="e1")
    assert rater.feed([first]).accepted == ("e1",)
    assert rater.feed([first]).duplicates == ("e1",)
    other = rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1")
    assert rater.feed([other]).conflicting == ("e1",)
    # the first version stands: 24 small hours, free
    assert exact(line.amount for line in rater.statement(at(24)).lines) == 0
    with pytest.raises(rk.ConflictingRecordError):
        rk.rate([first, other], standard(), span=rk.Span(START, at(24)), meters=METERS)


def test_a_voice_reading_stamped_early_by_a_skewed_clock_is_read_as_a_wrap() -> None:
    """1,000 at 10:00, 1,100 stamped 09:59:30: in time order 1,100 then 1,000, a wrap.

    usage.md ('Counters and gauges') says a wrapping counter reads a lower reading as a
    wrap, with no anomaly: 1,100 from the boot + 2^32 - 1,100 + 1,000 = 2^32 + 1,000.
    """
    records = [
        rk.Event("acme", "srv-1", at(0), {"size": "small"}, kind="start", id="e1"),
        rk.Sample("acme", "srv-1", "voice", at(10), 1000, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(10 - 1 / 120), 1100, kind="counter", id="v2"),
    ]
    usage = rk.meter(records, [VOICE], span=rk.Span(START, at(24)), cycle=UTC_DAYS, as_of=at(24))
    assert usage.total() == Decimal(2**32 + 1000)
    assert usage.anomalies == ()


def test_anomalies_are_said_once_as_batch_says_them_across_restores() -> None:
    """A duplicate start, a reading above the width, a reset, a tie and a STOP out of order."""
    records = [
        rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1"),
        rk.Event("acme", "srv-1", at(0.5), {"size": "large"}, kind="start", id="e1-again"),
        rk.Sample("acme", "srv-1", "voice", at(2), 100, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(3), 2**32 + 5, kind="counter", id="v2"),
        rk.Sample("acme", "srv-1", "voice", at(4), 7, kind="counter", id="v3"),
        rk.Sample("acme", "srv-1", "players", at(5), 3, kind="gauge", id="p1"),
        rk.Sample("acme", "srv-1", "players", at(5), 4, kind="gauge", id="p2"),
        rk.Event("acme", "srv-1", at(30), kind="stop", id="e2", seq=2),
        rk.Event("acme", "srv-1", at(31), kind="start", id="e3", seq=1),
    ]
    batch = rk.rate(records, standard(), span=rk.Span(START, at(48)), meters=METERS, as_of=at(48))
    expected = sorted((a.kind, a.record_ids) for a in batch.anomalies)
    assert expected == [
        ("above_width", ("v2", "v1")),
        ("counter_reset", ("v3", "v2")),
        ("duplicate_start", ("e1-again", "e1")),
        ("duplicate_start", ("e3", "e1")),
        ("out_of_order", ("e2", "e3")),
        ("tie", ("p2", "p1")),
    ]
    rater = rk.Rater(standard(), METERS, start=START)
    said = []
    for hour in range(49):
        due = [r for r in records if hour - 1 < (r.at_us - T0.timestamp() * 1e6) / 3.6e9 <= hour]
        if due:
            said += [(a.kind, a.record_ids) for a in rater.feed(due).anomalies]
        if hour:
            said += [(a.kind, a.record_ids) for a in rater.statement(at(hour)).anomalies]
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), standard(), METERS)
    assert sorted(said) == expected


def test_two_agents_reading_one_counter_at_one_instant_in_any_order() -> None:
    """Readings 100, 900 and 300 (one instant, no seq), 1,000, fed one a statement.

    From the boot at 00:00: 100, then by value the lower first: 300 (+200), 900 (+600),
    then 1,000 (+100): 1,000 minutes, 1.000 EUR; the hours are free.
    """
    boot = rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1")
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(2), 100, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(5), 900, kind="counter", id="v2"),
        rk.Sample("acme", "srv-1", "voice", at(5), 300, kind="counter", id="v3"),
        rk.Sample("acme", "srv-1", "voice", at(7), 1000, kind="counter", id="v4"),
    ]
    assert batch_total([boot, *readings], standard(), at(24)) == Fraction(1)
    for order in (readings, readings[::-1], [readings[2], readings[0], readings[3], readings[1]]):
        rater = rk.Rater(standard(), METERS, start=START)
        rater.feed([boot])
        total = Fraction(0)
        for k, reading in enumerate(order):
            rater.feed([reading])
            total += exact(line.amount for line in rater.statement(at(6 + k / 4)).lines)
        total += exact(line.amount for line in rater.statement(at(24)).lines)
        assert total == Fraction(1)


def test_an_upgrade_inside_the_allowance_month_is_refused_with_its_period() -> None:
    """A plan change on 3 March, stated into 2 March, would move stated free hours."""
    plus = rk.Plan(
        "plus",
        "EUR",
        UTC_DAYS,
        [rk.PriceEntry("any", "server.hours", rk.PerUnit("0.01"))],
        allowances=[rk.Allowance("server.hours", 100, cycle=UTC_MONTHS)],
    )
    rater = rk.Rater([rk.Assignment("acme", standard())], METERS, start=START)
    rater.feed([rk.Event("acme", "srv-1", at(0), {"size": "large"}, kind="start", id="e1")])
    rater.statement(at(30))
    with pytest.raises(rk.BadTimeError, match=r"2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z"):
        rater.assign(rk.Assignment("acme", plus, start=at(48)))


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (
            lambda: rk.Sample("a", "s", "players", START, float("nan"), kind="gauge"),
            rk.BadQuantityError,
            "finite",
        ),
        (
            lambda: rk.Sample("a", "s", "players", START, "Infinity", kind="gauge"),
            rk.BadQuantityError,
            "finite",
        ),
        (
            lambda: rk.Sample("a", "s", "players", START, "1E+100", kind="gauge"),
            rk.BadQuantityError,
            "1E+30",
        ),
        (
            lambda: rk.Sample("a", "s", "players", START, "1E-100", kind="gauge"),
            rk.BadQuantityError,
            "1E-30",
        ),
        (
            lambda: rk.Sample("a", "s", "players", START, "", kind="gauge"),
            rk.BadQuantityError,
            "'12.5'",
        ),
        (
            lambda: rk.Sample("a", "s", "players", START, True, kind="gauge"),
            rk.RatekitTypeError,
            "not bool",
        ),
        (
            lambda: rk.Sample("a", "s", "voice", START, -1, kind="counter"),
            rk.BadRecordError,
            ">= 0",
        ),
        (
            lambda: rk.Sample("", "s", "voice", START, 1, kind="counter"),
            rk.RatekitTypeError,
            "account",
        ),
        (
            lambda: rk.Sample("a", "s", "voice", "2026-03-01T00:00:00", 1, kind="counter"),
            rk.BadTimeError,
            "offset",
        ),
        (
            lambda: rk.Event("a", "s", "2026-06-30T23:59:60Z", kind="start"),
            rk.BadTimeError,
            "leap second",
        ),
        (
            lambda: rk.Event("a", "s", START, {"size": float("inf")}, kind="start"),
            rk.BadQuantityError,
            "'size'",
        ),
        (lambda: rk.Event("a", "s", START, kind="start", id=""), rk.RatekitTypeError, "id"),
        (lambda: rk.Counter(wraps_at=2.0**32), rk.RatekitTypeError, "wraps_at"),
        (lambda: rk.Counter(wraps_at=1), rk.BadQuantityError, "2 or more"),
        (lambda: rk.Percentile(0), rk.BadQuantityError, "(0, 100]"),
        (lambda: rk.Percentile(" 95"), rk.BadQuantityError, "plain"),
        (lambda: rk.Allowance("server.hours", -1), rk.BadPriceError, "negative"),
        (
            lambda: rk.Rater(standard(), METERS, start=START, horizon=3),
            rk.RatekitTypeError,
            "timedelta",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START, tz="Mars/Olympus"),
            rk.BadCalendarError,
            "IANA",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).feed(None),
            rk.RatekitTypeError,
            "iterable",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).feed(
                [rk.Sample("a", "s", "nope", START, 1, id="x")]
            ),
            rk.UnknownMeterError,
            "'nope'",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).feed(
                [rk.Sample("a", "s", "voice", START, 1, kind="gauge", id="x")]
            ),
            rk.BadRecordError,
            "'counter'",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).feed(
                [rk.Event("a", "s", START, {"size": "Small"}, kind="start", id="x")]
            ),
            rk.UnpricedUsageError,
            "{'size': 'Small'}",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).statement(5),
            rk.RatekitTypeError,
            "as_of",
        ),
        (
            lambda: rk.Rater(standard(), METERS, start=START).statement("4026-03-01T00:00:00Z"),
            rk.BadTimeError,
            "10,000",
        ),
        (lambda: rk.Rater.restore("abc", standard(), METERS), rk.BadSnapshotError, "snapshot()"),
    ],
)
def test_hostile_input_is_refused_with_words_that_say_what_is_accepted(
    build: Any, error: Any, words: str
) -> None:
    with pytest.raises(error) as caught:
        build()
    assert isinstance(caught.value, rk.RatekitError)
    assert words in str(caught.value)


def test_a_snapshot_altered_or_restored_under_another_width_is_refused() -> None:
    rater = rk.Rater(standard(), METERS, start=START)
    rater.feed([rk.Event("acme", "srv-1", START, {"size": "small"}, kind="start", id="e1")])
    rater.statement(at(5))
    saved = json.loads(json.dumps(rater.snapshot()))
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(
            json.loads(json.dumps(saved).replace("small", "large")), standard(), METERS
        )
    narrow = rk.Meter("voice", "minute", rk.Counter(from_zero=True, wraps_at=2**16))
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(saved, standard(), [HOURS, PEAK, narrow])
    # the meters in another order restore: 5 small hours so far, 24 by the day's end
    restored = rk.Rater.restore(saved, standard(), METERS[::-1])
    assert [line.quantity for line in restored.statement(at(24)).lines] == [19]


def _restart_without_seq(size: str | None) -> rk.Usage:
    """A large server from 1 March; a STOP and a START (``size``) at 2 March 00:00, no seq."""
    records = [
        rk.Event("acme", "srv-1", START, {"size": "large"}, kind="start", id="e1"),
        rk.Event("acme", "srv-1", at(24), kind="stop", id="e2"),
        rk.Event(
            "acme", "srv-1", at(24), None if size is None else {"size": size}, kind="start", id="e3"
        ),
    ]
    return rk.meter(records, [HOURS], span=rk.Span(START, at(48)), cycle=UTC_DAYS, as_of=at(48))


def test_a_restart_at_one_instant_without_seq_is_a_restart_said_as_a_tie() -> None:
    """usage.md ('Anomalies and their rules', tie): a STOP and a START are a restart: 48 h."""
    usage = _restart_without_seq(None)
    assert usage.total() == 48
    assert [a.kind for a in usage.anomalies] == ["tie"]


def test_a_restart_with_a_new_size_at_one_instant_without_seq_is_a_restart() -> None:
    """usage.md (tie): a STOP and a START of a running resource are a restart: 24 + 24 h."""
    usage = _restart_without_seq("small")
    assert usage.total() == 48
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("e2", "e3"))]


# -- faults ---------------------------------------------------------------------------


def test_a_corrected_voice_reading_is_not_a_silent_wrap_in_no_time() -> None:
    """600 at 12:00 (seq 1) corrected to 580 (seq 2) at 12:00, after 500 at 10:00.

    Without a width: 100 (the first reading is the baseline), then a reset counted from
    zero, 580: 680 minutes and a counter_reset anomaly naming the pair. With the width
    alike (usage.md, 'Counters and gauges': a fall at one instant is no wrap, no time
    passed to count through the width), not 100 + 4,294,967,276 (2^32 - 600 + 580)
    minutes said by nothing.
    """
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(10), 500, kind="counter", id="v0"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1", seq=1),
        rk.Sample("acme", "srv-1", "voice", at(12), 580, kind="counter", id="v1-fix", seq=2),
    ]
    plain = rk.meter(
        readings,
        [rk.Meter("voice", "minute", rk.Counter())],
        span=rk.Span(START, at(24)),
        cycle=UTC_DAYS,
        as_of=at(24),
    )
    assert plain.total() == Decimal(680)  # 100 + 580: the first reading is the baseline
    assert [(a.kind, a.record_ids) for a in plain.anomalies] == [
        ("counter_reset", ("v1-fix", "v1"))
    ]
    wide = rk.meter(
        readings,
        [rk.Meter("voice", "minute", rk.Counter(wraps_at=2**32))],
        span=rk.Span(START, at(24)),
        cycle=UTC_DAYS,
        as_of=at(24),
    )
    assert wide.total() == Decimal(680)
    assert [(a.kind, a.record_ids) for a in wide.anomalies] == [("counter_reset", ("v1-fix", "v1"))]


def _restart_at_one_instant(policy: rk.Counter, microseconds: int) -> rk.Usage:
    """Boot 1 March 00:00, 300 at 05:00, STOP (seq 1) at 2 March 00:00, START (seq 2) ``microseconds`` later, 500 at 06:00."""
    records = [
        rk.Event("acme", "srv-1", START, kind="start", id="e1", seq=0),
        rk.Sample("acme", "srv-1", "voice", at(5), 300, kind="counter", id="v1"),
        rk.Event("acme", "srv-1", at(24), kind="stop", id="e2", seq=1),
        rk.Event("acme", "srv-1", at(24 + microseconds / 3.6e9), kind="start", id="e3", seq=2),
        rk.Sample("acme", "srv-1", "voice", at(30), 500, kind="counter", id="v2"),
    ]
    return rk.meter(
        records,
        [rk.Meter("voice", "minute", policy)],
        span=rk.Span(START, at(48)),
        cycle=UTC_DAYS,
        as_of=at(48),
    )


def test_a_restart_a_microsecond_long_boots_the_voice_counter() -> None:
    """STOP at 00:00:00, START at 00:00:00.000001: 300 before, 500 from 0 after: 800."""
    usage = _restart_at_one_instant(rk.Counter(from_zero=True), 1)
    assert [row.quantity for row in usage.rows] == [300, 500]
    assert usage.anomalies == ()


def test_a_restart_stamped_at_one_instant_boots_the_voice_counter() -> None:
    usage = _restart_at_one_instant(rk.Counter(from_zero=True), 0)
    assert usage.total() == 800


def test_a_restart_stamped_at_one_instant_is_no_wrap_of_the_voice_counter() -> None:
    records = [
        rk.Event("acme", "srv-1", START, {"size": "large"}, kind="start", id="e1", seq=0),
        rk.Sample("acme", "srv-1", "voice", at(5), 300, kind="counter", id="v1"),
        rk.Event("acme", "srv-1", at(24), kind="stop", id="e2", seq=1),
        rk.Event("acme", "srv-1", at(24), kind="start", id="e3", seq=2),
        rk.Sample("acme", "srv-1", "voice", at(30), 100, kind="counter", id="v2"),
    ]
    usage = rk.meter(records, [VOICE], span=rk.Span(START, at(48)), cycle=UTC_DAYS, as_of=at(48))
    assert usage.total() == 400
