"""A webhook delivery service's months, streamed from a queue and checked against batch.

The service bills a monthly platform fee, delivered messages (the first 50,000 a month
free, then graduated tiers), retry attempts at a lower price and payload egress per GB.
Enterprise customers have a commitment (a minimum per cycle) and a prepaid credit
balance. The backend feeds `rk.Rater` from a queue with at-least-once delivery: records
come late, twice, out of order, and the worker restarts from a snapshot. Customers
upgrade mid-month; statements are asked daily and the month is closed. Every total is
checked by hand with `fractions.Fraction` (docs/streaming.md "One engine", "Closing and
lateness", "Exactly once", "Credits on closing invoices"; docs/pricing.md "Plans").
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")


def build() -> tuple[list[rk.Meter], rk.Plan, rk.Plan]:
    """The meters and the two plans, built anew on each call (as a restarted worker does)."""
    meters = [
        rk.Meter("messages", "message", rk.Discrete()),
        rk.Meter("retries", "attempt", rk.Discrete()),
        rk.Meter("egress", "GB", rk.Discrete()),
    ]
    delivered = rk.Graduated(
        [rk.Tier(50000, "0"), rk.Tier(1000000, "0.0002"), rk.Tier(None, "0.0001")]
    )
    entries = [
        rk.PriceEntry("delivered", "messages", delivered),
        rk.PriceEntry("retry", "retries", rk.PerUnit("0.00005")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.09")),
    ]
    months = rk.cycles.monthly(tz="UTC")
    growth = rk.Plan("growth", "USD", months, entries, fees=[rk.Fee("platform", 49)])
    enterprise = rk.Plan(
        "enterprise",
        "USD",
        months,
        entries,
        fees=[rk.Fee("platform", 499)],
        minimums=[rk.Minimum(2000)],
    )
    return meters, growth, enterprise


METERS, GROWTH, ENTERPRISE = build()
MESSAGES, RETRIES, EGRESS = METERS
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
START = "2026-03-01T00:00:00Z"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def sample(  # noqa: PLR0917
    account: str,
    endpoint: str,
    meter: str,
    at: str,
    value: object,
    id: str | None,  # noqa: A002
    since: str | None = None,
) -> rk.Sample:
    return rk.Sample(account, endpoint, meter, at, value, since=since, id=id)  # type: ignore[arg-type]


def iso(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def days(first: int, last: int, month: int = 3) -> list[str]:
    return [f"2026-{month:02d}-{day:02d}T00:00:00Z" for day in range(first, last + 1)]


GROWTH_MARCH = [
    sample("acme", "ep-1", "messages", "2026-03-02T10:00:00Z", 40000, "m1"),
    sample("acme", "ep-1", "messages", "2026-03-10T10:00:00Z", 30000, "m2"),
    sample("acme", "ep-2", "retries", "2026-03-10T11:00:00Z", 1000, "r1"),
    sample("acme", "ep-1", "egress", "2026-03-20T11:00:00Z", "1.5", "g1"),
]


def line_sums(statements: list[rk.Statement]) -> dict[tuple[str, dt.datetime], Fraction]:
    sums: dict[tuple[str, dt.datetime], Fraction] = defaultdict(Fraction)
    for statement in statements:
        for line in statement.lines:
            sums[(line.account, line.cycle.start)] += Fraction(line.amount)
    return dict(sums)


def charge_sums(rating: rk.Rating) -> dict[tuple[str, dt.datetime], Fraction]:
    sums: dict[tuple[str, dt.datetime], Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        sums[(charge.account, charge.cycle.start)] += Fraction(charge.amount)
    return dict(sums)


# --- the pricing page, by hand -------------------------------------------------------


def test_a_growth_month_streamed_daily_bills_the_pricing_page() -> None:
    rater = rk.Rater(GROWTH, METERS, start=START)
    assert rater.feed(GROWTH_MARCH).accepted == ("m1", "m2", "r1", "g1")
    statements = [rater.statement(day) for day in days(2, 31)]
    # By 15 March: 14/31 of the 49 fee; 70,000 messages, 50,000 free, 20,000 x 0.0002 =
    # 4.00; 1,000 retries x 0.00005 = 0.05. A fee's share is carried to 60 digits, so
    # the daily increments meet 686/31 within 1E-55.
    so_far = line_sums(statements[:14])[("acme", MARCH.start)]
    assert abs(so_far - (Fraction(49 * 14, 31) + Fraction("4.05"))) < Fraction(1, 10**55)
    closing = rater.statement("2026-04-01T00:00:00Z")
    statements.append(closing)
    # The month: 49 + 4 + 0.05 + 1.5 x 0.09 = 53.185 exactly; printed 49.00 + 4.00 + 0.05
    # + 0.14 (0.135 half-even) = 53.19.
    assert line_sums(statements)[("acme", MARCH.start)] == Fraction("53.185")
    (invoice,) = closing.invoices
    assert invoice.total == Decimal("53.19")
    assert invoice.precise_total == Decimal("53.185")
    batch = rk.bill(rk.rate(GROWTH_MARCH, GROWTH, span=MARCH, meters=METERS))
    assert str(batch[0]) == str(invoice)


def test_an_upgrade_to_enterprise_mid_month_is_prorated_and_committed() -> None:
    rater = rk.Rater([rk.Assignment("acme", GROWTH)], METERS, start=START)
    rater.feed([sample("acme", "ep-1", "messages", "2026-03-05T00:00:00Z", 60000, "m1")])
    statements = [rater.statement(day) for day in days(2, 10)]
    assigned = rater.assign(rk.Assignment("acme", ENTERPRISE, start="2026-03-15T00:00:00Z"))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    rater.feed([sample("acme", "ep-1", "messages", "2026-03-20T00:00:00Z", 60000, "m2")])
    statements += [rater.statement(day) for day in [*days(11, 31), "2026-04-01T00:00:00Z"]]
    (invoice,) = statements[-1].invoices
    # Each plan's part climbs its own tiers: (60,000 - 50,000) x 0.0002 = 2.00 twice.
    # Fees: 49 x 14/31 + 499 x 17/31 = 9169/31 = 295.774... -> 295.77. The commitment is
    # 2000 x 17/31 = 1096.774... -> 1096.77, less the enterprise line 2.00 = 1094.77.
    # 4.00 + 295.77 + 1094.77 = 1394.54.
    assert invoice.total == Decimal("1394.54")
    fees = sum(Fraction(line.amount) for s in statements for line in s.lines if line.kind == "fee")
    assert abs(fees - Fraction(9169, 31)) < Fraction(1, 10**55)
    records = [
        sample("acme", "ep-1", "messages", "2026-03-05T00:00:00Z", 60000, "m1"),
        sample("acme", "ep-1", "messages", "2026-03-20T00:00:00Z", 60000, "m2"),
    ]
    batch = rk.rate(records, list(assigned), span=MARCH, meters=METERS)
    assert str(rk.bill(batch)[0]) == str(invoice)
    assert line_sums(statements) == charge_sums(batch)


def test_a_prepaid_balance_pays_closings_one_at_a_time_as_in_batch() -> None:
    records = [
        sample("acme", "ep-1", "messages", "2026-03-05T00:00:00Z", 2_000_000, "m1"),
        sample("acme", "ep-1", "retries", "2026-03-06T00:00:00Z", 100_000, "r1"),
        sample("acme", "ep-1", "egress", "2026-03-07T00:00:00Z", "12.345", "g1"),
    ]
    grants = [rk.Credit("prepaid", "acme", 5000, "USD", start=START)]
    rater = rk.Rater(ENTERPRISE, METERS, start=START, horizon=dt.timedelta(days=1))
    rater.feed(records)
    march = rk.apply_credits(rater.statement("2026-04-02T00:00:00Z").invoices, grants)
    # 950,000 x 0.0002 + 1,000,000 x 0.0001 = 290.00; 100,000 x 0.00005 = 5.00;
    # 12.345 x 0.09 = 1.11105 -> 1.11; lines 296.11, top-up 2000 - 296.11 = 1703.89;
    # with the 499 fee 2499.00, all paid by the prepaid 5000: 2501.00 left.
    assert (march[0].subtotal, march[0].total) == (Decimal("2499.00"), Decimal("0.00"))
    grants = rk.credits_left(grants, march)
    assert grants[0].amount == Decimal("2501.00")
    # A queue redelivers a message count of 31 March late (10,000 x 0.0001 = 1.00: the
    # top-up falls by as much, net 0), and April's 10,000 are free.
    late = sample("acme", "ep-1", "messages", "2026-03-31T23:59:59Z", 10000, "m2")
    april_usage = sample("acme", "ep-1", "messages", "2026-04-10T00:00:00Z", 10000, "m3")
    assert rater.feed([late, april_usage]).late == ("m2",)
    corrected = rater.statement("2026-04-03T00:00:00Z")
    late_lines = [line for line in corrected.lines if line.late]
    assert sum(Fraction(line.amount) for line in late_lines) == 0
    april = rk.apply_credits(rater.statement("2026-05-02T00:00:00Z").invoices, grants)
    assert (april[0].subtotal, april[0].total) == (Decimal("2499.00"), Decimal("0.00"))
    assert rk.credits_left(grants, april)[0].amount == Decimal("2.00")
    both = rk.rate(
        [*records, late, april_usage],
        ENTERPRISE,
        span=rk.Span(START, "2026-05-01T00:00:00Z"),
        meters=METERS,
    )
    billed = rk.bill(both, credits=[rk.Credit("prepaid", "acme", 5000, "USD", start=START)])
    assert [invoice.total for invoice in billed] == [Decimal("0.00"), Decimal("0.00")]
    assert rk.credits_left([rk.Credit("prepaid", "acme", 5000, "USD", start=START)], billed)[
        0
    ].amount == Decimal("2.00")


# --- an at-least-once queue -----------------------------------------------------------


def test_redeliveries_and_restarts_bill_once() -> None:
    plain = rk.Rater(GROWTH, METERS, start=START)
    plain.feed(GROWTH_MARCH)
    expected = plain.statement("2026-04-01T00:00:00Z").invoices
    rater = rk.Rater(GROWTH, METERS, start=START)
    for record in GROWTH_MARCH:
        assert rater.feed([record]).accepted == (record.id,)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), GROWTH, METERS)
        assert rater.feed([record]).duplicates == (record.id,)
        rater = pickle.loads(pickle.dumps(rater))
    assert rater.feed(GROWTH_MARCH).duplicates == ("m1", "m2", "r1", "g1")
    assert [str(i) for i in rater.statement("2026-04-01T00:00:00Z").invoices] == [
        str(i) for i in expected
    ]


def test_a_redelivery_with_other_content_is_conflicting_and_the_first_stands() -> None:
    rater = rk.Rater(GROWTH, METERS, start=START)
    rater.feed([sample("acme", "ep-1", "messages", "2026-03-02T00:00:00Z", 70000, "m1")])
    other = sample("acme", "ep-1", "messages", "2026-03-02T00:00:00Z", 90000, "m1")
    assert rater.feed([other]).conflicting == ("m1",)
    # Ids are one space across accounts: beta's m1 is conflicting too.
    beta = sample("beta", "ep-1", "messages", "2026-03-02T00:00:00Z", 70000, "m1")
    assert rater.feed([beta]).conflicting == ("m1",)
    # A value however written is the same record: "70000.0" is a duplicate.
    same = sample("acme", "ep-1", "messages", "2026-03-02T00:00:00Z", "70000.0", "m1")
    assert rater.feed([same]).duplicates == ("m1",)
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice.total == Decimal("53.00")  # 49 + 20,000 x 0.0002


def test_feeding_in_any_order_and_batching_gives_the_same_invoices() -> None:
    records = [
        sample(
            f"c{n % 3}",
            f"ep-{n % 4}",
            meter,
            f"2026-03-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
            value,
            f"x{n}",
        )
        for n, (meter, value) in enumerate(
            [("messages", 33333), ("retries", 77), ("egress", "0.333"), ("messages", 1)] * 9
        )
    ]
    texts = []
    for seed in range(4):
        shuffled = list(records)
        random.Random(seed).shuffle(shuffled)
        rater = rk.Rater(GROWTH, METERS, start=START)
        size = 1 + seed * 3
        for first in range(0, len(shuffled), size):
            rater.feed(shuffled[first : first + size])
        texts.append([str(i) for i in rater.statement("2026-04-01T00:00:00Z").invoices])
    assert texts[1:] == texts[:1] * 3


def test_renaming_accounts_and_endpoints_changes_no_total() -> None:
    def totals(names: dict[str, str]) -> list[Decimal]:
        rater = rk.Rater(ENTERPRISE, METERS, start=START)
        rater.feed(
            [
                sample(
                    names["acme"],
                    names["ep-1"],
                    "messages",
                    "2026-03-05T00:00:00Z",
                    2_000_000,
                    "m1",
                ),
                sample(
                    names["beta"], names["ep-2"], "egress", "2026-03-06T00:00:00Z", "0.005", "g1"
                ),
            ]
        )
        statement = rater.statement("2026-04-01T00:00:00Z")
        return sorted(invoice.total for invoice in statement.invoices)

    plain = totals({"acme": "acme", "beta": "beta", "ep-1": "ep-1", "ep-2": "ep-2"})
    swapped = totals({"acme": "zz-beta", "beta": "aa-acme", "ep-1": "é/1", "ep-2": "ep 2"})
    assert plain == swapped == [Decimal("2499.00"), Decimal("2499.00")]


# --- statements at odd instants -------------------------------------------------------


def test_statements_at_odd_instants() -> None:
    rater = rk.Rater(GROWTH, METERS, start=START)
    at = "2026-03-02T00:00:00.000001Z"
    rater.feed([sample("acme", "ep-1", "messages", at, 70000, "m1")])
    # A record stamped at the watermark waits for the next statement (+05:45 is the
    # same instant).
    first = rater.statement("2026-03-02T05:45:00.000001+05:45")
    assert [line.kind for line in first.lines] == ["fee"]
    assert rater.statement("2026-03-02T00:00:00.000001Z").lines == ()
    then = rater.statement("2026-03-02T00:00:00.000002Z")
    assert [(line.kind, line.quantity) for line in then.lines if line.kind == "usage"] == [
        ("usage", Decimal(70000))
    ]
    # The fee for one microsecond of March: 49 / (31 x 86,400,000,000), to 1E-55.
    fee = next(line for line in then.lines if line.kind == "fee")
    assert abs(Fraction(fee.amount) - Fraction(49, 31 * 86_400_000_000)) < Fraction(1, 10**55)
    with pytest.raises(rk.BadTimeError, match="goes back before the last watermark"):
        rater.statement("2026-03-02T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="finer than a microsecond"):
        rater.statement("2026-03-03T00:00:00.0000001Z")
    with pytest.raises(rk.BadTimeError, match="leap second"):
        rater.statement("2026-03-03T23:59:60Z")
    with pytest.raises(rk.BadTimeError, match="more than 10,000 cycles"):
        rater.statement("2900-01-01T00:00:00Z")


# --- hostile input --------------------------------------------------------------------


def _feed(record: object) -> object:
    rater = rk.Rater(GROWTH, METERS, start=START)
    return rater.feed([record])


HOSTILE = [
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", float("nan"), "x"),
        rk.BadQuantityError,
        "finite number",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", "Infinity", "x"),
        rk.BadQuantityError,
        "finite number",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", "1e31", "x"),
        rk.BadQuantityError,
        "1E+30",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", "1e-31", "x"),
        rk.BadQuantityError,
        "1E-30",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", " 1", "x"),
        rk.BadQuantityError,
        "plain ASCII",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", True, "x"),
        rk.RatekitTypeError,
        "not bool",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00", 1, "x"),
        rk.BadTimeError,
        "no UTC offset",
    ),
    (
        lambda: sample("a", "ep", "messages", dt.datetime(2026, 3, 2), 1, "x"),  # noqa: DTZ001
        rk.BadTimeError,
        "naive datetime",
    ),
    (
        lambda: sample("", "ep", "messages", "2026-03-02T00:00:00Z", 1, "x"),
        rk.RatekitTypeError,
        "account must be a non-empty string",
    ),
    (
        lambda: sample("a", "ep", "messages", "2026-03-02T00:00:00Z", 1, ""),
        rk.RatekitTypeError,
        "id must be a non-empty string or None",
    ),
    (
        lambda: _feed(sample("a", "ep", "webhooks", "2026-03-02T00:00:00Z", 1, "x")),
        rk.UnknownMeterError,
        "meter 'webhooks' is not one of the meters given",
    ),
    (
        lambda: _feed(
            rk.Sample("a", "ep", "messages", "2026-03-02T00:00:00Z", 1, kind="counter", id="x")
        ),
        rk.BadRecordError,
        "kind 'counter' does not fit meter 'messages'",
    ),
    (lambda: _feed({"account": "a"}), rk.RatekitTypeError, "records[0]"),
    (
        lambda: rk.Rater(GROWTH, METERS, start=START).feed(None),
        rk.RatekitTypeError,
        "iterable of Event, Sample and Inventory",
    ),
    (
        lambda: rk.Rater(GROWTH, METERS, start=START).statement(1772409600),
        rk.RatekitTypeError,
        "for an epoch time n",
    ),
    (
        lambda: rk.Rater(GROWTH, METERS, start=START, horizon=3600),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "horizon must be a timedelta",
    ),
    (
        lambda: rk.Rater(GROWTH, METERS, start=START, late="drop"),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "'correct' or 'report'",
    ),
    (
        lambda: rk.Rater.restore(None, GROWTH, METERS),
        rk.BadSnapshotError,
        "what Rater.snapshot() returned",
    ),
    (
        lambda: rk.Rater.restore(
            rk.Rater(GROWTH, METERS, start=START).snapshot(), ENTERPRISE, METERS
        ),
        rk.BadSnapshotError,
        "other plans or meters",
    ),
]


@pytest.mark.parametrize(("make", "error", "words"), HOSTILE)
def test_hostile_input_is_a_ratekit_error_that_says_what_to_give(
    make: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as raised:
        make()  # type: ignore[operator]
    assert isinstance(raised.value, rk.RatekitError)
    assert words in str(raised.value)


def test_a_tampered_snapshot_is_refused_and_a_queue_error_leaves_the_rater_unchanged() -> None:
    rater = rk.Rater(GROWTH, METERS, start=START)
    rater.feed(GROWTH_MARCH[:1])
    data = json.loads(json.dumps(rater.snapshot()))
    altered = copy.deepcopy(data)
    altered["checksum"] = "0" * 64
    with pytest.raises(rk.BadSnapshotError, match="altered or damaged"):
        rk.Rater.restore(altered, GROWTH, METERS)

    def broken_queue():  # type: ignore[no-untyped-def]
        yield GROWTH_MARCH[1]
        raise ConnectionError("queue went away")

    with pytest.raises(rk.RatekitError, match="ConnectionError: queue went away"):
        rater.feed(broken_queue())
    assert rater.feed([GROWTH_MARCH[1]]).accepted == ("m2",)


def test_a_meter_no_entry_prices_is_refused_at_the_door_not_at_every_statement() -> None:
    dropped = rk.Meter("dropped", "message", rk.Discrete())
    rater = rk.Rater(GROWTH, [*METERS, dropped], start=START)
    with pytest.raises(rk.UnpricedUsageError, match="meter 'dropped'"):
        rater.feed([sample("acme", "ep-1", "dropped", "2026-03-02T00:00:00Z", 3, "d1")])
    assert rater.statement("2026-03-03T00:00:00Z").lines == ()


# --- random queues against batch ------------------------------------------------------


def _random_stream(seed: int) -> tuple[dict, dict, dict, dict]:  # type: ignore[type-arg]
    rng = random.Random(seed)
    base = [
        rk.Assignment("a1", GROWTH),
        rk.Assignment("a2", GROWTH),
        rk.Assignment("a3", ENTERPRISE),
    ]
    records = []
    for n in range(rng.randint(5, 30)):
        meter = rng.choice(["messages", "messages", "retries", "egress"])
        at = T0 + dt.timedelta(seconds=rng.randint(0, 50 * 86400))
        value: object = {
            "messages": rng.choice([1, 1000, 25000, 60000, 333, 400000]),
            "retries": rng.randint(0, 9000),
            "egress": Decimal(rng.randint(1, 3000)) / 1000,
        }[meter]
        if rng.random() < 0.12:
            value = -Decimal(str(value)) / 2  # a correction
        since = None
        if rng.random() < 0.2:
            since = max(T0, at - dt.timedelta(seconds=rng.randint(1, 86400)))
        records.append(
            rk.Sample(
                rng.choice(["a1", "a2", "a3"]),
                rng.choice(["ep-1", "ep-2"]),
                meter,
                iso(at),
                value,  # type: ignore[arg-type]
                since=iso(since) if since and since < at else None,
                id=f"s{n}",
            )
        )
    arrived = sorted(records, key=lambda r: r.at + dt.timedelta(seconds=rng.randint(0, 36 * 3600)))
    rater = rk.Rater(base, METERS, start=START, horizon=dt.timedelta(days=2))
    assigned = tuple(base)
    statements = []
    invoices = {}
    watermark, index, changed = T0, 0, False
    end = T0 + dt.timedelta(days=75)
    while index < len(arrived) or watermark < end:
        size = rng.randint(1, 6)
        batch = arrived[index : index + size]
        index += size
        fed = arrived[: min(index, len(arrived))]
        if fed and rng.random() < 0.3:
            batch = [*batch, rng.choice(fed[-10:])]  # a redelivery
        feed = rater.feed(batch)
        assert not feed.too_late
        assert not feed.conflicting
        if (
            not changed
            and watermark < dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
            and rng.random() < 0.3
        ):
            assigned = rater.assign(rk.Assignment("a2", ENTERPRISE, start="2026-03-15T00:00:00Z"))
            changed = True
        if index < len(arrived):
            watermark = max(watermark, min(max(r.at for r in fed), end))
        else:
            watermark += dt.timedelta(hours=rng.randint(1, 9 * 24))
        statement = rater.statement(iso(watermark))
        statements.append(statement)
        invoices.update({(i.account, i.cycle.start): str(i) for i in statement.invoices})
        if rng.random() < 0.4:
            if rng.random() < 0.5:
                data = json.loads(json.dumps(rater.snapshot()))
                rater = rk.Rater.restore(data, assigned, METERS)
            else:
                rater = pickle.loads(pickle.dumps(rater))
    span = rk.Span(START, MONTHS.containing(iso(watermark)).end)
    batch_rating = rk.rate(records, list(assigned), span=span, meters=METERS, as_of=iso(watermark))
    batch_invoices = {(i.account, i.cycle.start): str(i) for i in rk.bill(batch_rating)}
    return line_sums(statements), charge_sums(batch_rating), invoices, batch_invoices


@pytest.mark.parametrize("seed", range(6))
def test_a_random_queue_with_replays_restarts_and_an_upgrade_bills_what_batch_bills(
    seed: int,
) -> None:
    streamed, batched, invoices, batch_invoices = _random_stream(seed)
    keys = set(streamed) | set(batched)
    assert {k: streamed.get(k, 0) for k in keys} == {k: batched.get(k, 0) for k in keys}
    # Every record arrives within 36 hours and the horizon is two days: each closing
    # invoice is batch's, text for text.
    assert invoices == {k: batch_invoices[k] for k in invoices}


# --- faults ----------------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason=(
        "expected the lines as they stand of a closed month to bill its closing invoice text "
        "for text (docs/streaming.md 'Lines, increments and corrections'); today an "
        "endpoint's line said before its Discrete row ran on to the closing is not said "
        "again, and the ledger prints 'ep-1 · tiers[0] ... 1 * 0' and 'ep-2 · tiers[0] ... "
        "1 * 0' where the closing invoice prints 'tiers[0] (0, 50000]: 2 * 0 = 0.00'"
    ),
)
def test_the_lines_as_they_stand_print_the_closing_invoice_of_two_endpoints() -> None:
    rater = rk.Rater(GROWTH, METERS, start=START)
    standing: dict[object, rk.StatementLine] = {}
    closing: list[rk.Invoice] = []
    for record, watermark in [
        (
            sample("acme", "ep-2", "messages", "2026-03-19T00:00:00Z", 1, "x"),
            "2026-03-20T00:00:00Z",
        ),
        (
            sample("acme", "ep-1", "messages", "2026-03-27T00:00:00Z", 1, "y"),
            "2026-04-01T00:00:00Z",
        ),
    ]:
        rater.feed([record])
        statement = rater.statement(watermark)
        for line in statement.lines:
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line
        closing += statement.invoices
    (invoice,) = closing
    (ledger,) = rk.bill([charge for line in standing.values() for charge in line.charges])
    # Both amounts are 49.00 (two free messages and the fee); only the print differs.
    assert ledger.total == invoice.total == Decimal("49.00")
    assert ledger.to_text() == invoice.to_text()


def test_a_redelivery_is_said_by_the_feed_not_as_an_anomaly() -> None:
    # batch says a record given twice as a "duplicate" anomaly; the stream says it in the
    # feed's duplicates and counts (docs/streaming.md, "Anomalies in a stream"), and no
    # statement says it; the invoice is batch's: 1 message, inside the free tier, 49.00
    record = sample("acme", "ep-1", "messages", "2026-03-02T00:00:00Z", 1, "m1")
    batch = rk.rate([record, record], GROWTH, span=MARCH, meters=METERS)
    assert [anomaly.kind for anomaly in batch.anomalies] == ["duplicate"]
    rater = rk.Rater(GROWTH, METERS, start=START)
    fed = rater.feed([record, record])
    assert (fed.duplicates, fed.counts["duplicates"], fed.anomalies) == (("m1",), 1, ())
    again = rater.feed([record])
    assert (again.duplicates, again.accepted) == (("m1",), ())
    closing = rater.statement("2026-04-01T00:00:00Z")
    assert closing.anomalies == ()
    [invoice] = closing.invoices
    assert invoice.total == rk.bill(batch)[0].total == Decimal("49.00")


def test_a_worker_restarted_with_plans_built_anew_restores_its_snapshot() -> None:
    meters, growth, enterprise = build()
    records = [
        sample("a1", "ep-1", "messages", "2026-03-02T00:00:00Z", 40000, "m1"),
        sample("a2", "ep-1", "messages", "2026-03-03T00:00:00Z", 30000, "m2"),
    ]
    rater = rk.Rater(
        [rk.Assignment("a1", growth), rk.Assignment("a2", growth)], meters, start=START
    )
    rater.feed(records)
    rater.statement("2026-03-05T00:00:00Z")
    rater.assign(rk.Assignment("a2", enterprise, start="2026-03-10T00:00:00Z"))
    data = json.loads(json.dumps(rater.snapshot()))
    # The process restarts: meters and plans are built again, the assignments read back
    # from storage in another order, the meters too.
    meters, growth, enterprise = build()
    stored = [
        rk.Assignment("a2", enterprise, start="2026-03-10T00:00:00Z"),
        rk.Assignment("a2", growth, end="2026-03-10T00:00:00Z"),
        rk.Assignment("a1", growth),
    ]
    restored = rk.Rater.restore(data, stored, list(reversed(meters)))
    assert restored.feed(records).duplicates == ("m1", "m2")
    # The set before the upgrade is another set: refused, naming what to give.
    with pytest.raises(rk.BadSnapshotError, match="the set the rater held"):
        rk.Rater.restore(data, [rk.Assignment("a1", growth), rk.Assignment("a2", growth)], meters)
