"""A newcomer bills a functions-as-a-service platform with the streaming rater.

Each gateway reports, per function and period, one record per meter: invocations,
GB-seconds (memory x duration) and egress GB. The queue delivers at least once:
re-sends, a replay of a whole day after a consumer crash, records minutes out of order,
one region's batch of a day delivered a day late, gateway clocks up to 90 s ahead of
the watermark. Prices: 1,000,000 invocations and 400,000 GB-s free a month per account,
then graduated tiers; egress priced per region, dearer from 15 March; one account moves
to a committed plan (a minimum) on 10 March; another bills on its sign-up day in its own
time zone. The host states every three hours, restores from JSON at random points, and at month
end the closing invoices are compared with one batch ``rk.rate()`` of every record (to
the digit) and with a ``fractions.Fraction`` oracle of the allowance and the tiers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

UTC = dt.UTC
MARCH0 = dt.datetime(2026, 3, 1, tzinfo=UTC)
APRIL0 = dt.datetime(2026, 4, 1, tzinfo=UTC)
MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span(MARCH0, APRIL0)
RISE = dt.datetime(2026, 3, 15, tzinfo=UTC)
COMMIT_AT = dt.datetime(2026, 3, 10, tzinfo=UTC)
HORIZON = dt.timedelta(days=2)

CALLS = rk.Meter("invocations", "call", rk.Discrete())
GBS = rk.Meter("gbs", "GB*second", rk.Discrete())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [CALLS, GBS, EGRESS]

# After the free allowance: the first 1,000,000 billed calls at 0.0000002, the rest at
# 0.00000015; the first 2,000,000 billed GB-s at 0.0000166667, the rest at 0.000015.
CALL_TIERS = ((Fraction(1_000_000), Fraction("0.0000002")), (None, Fraction("0.00000015")))
GBS_TIERS = ((Fraction(2_000_000), Fraction("0.0000166667")), (None, Fraction("0.000015")))
EGRESS_PRICES = {  # (region, from the 15th) -> price per GB
    ("eu", False): Fraction("0.09"),
    ("us", False): Fraction("0.08"),
    ("eu", True): Fraction("0.10"),
    ("us", True): Fraction("0.085"),
}
FREE_CALLS, FREE_GBS = 1_000_000, 400_000


def _decimal_text(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _graduated(tiers: tuple[tuple[Fraction | None, Fraction], ...]) -> rk.Graduated:
    return rk.Graduated(
        [rk.Tier(None if up is None else int(up), _decimal_text(price)) for up, price in tiers]
    )


def entries() -> list[rk.PriceEntry]:
    """The platform's price list: tiered calls and GB-s, egress per region, a rise."""
    egress = [
        rk.PriceEntry(
            f"egress {region}" + (" from 15th" if later else ""),
            "egress",
            rk.PerUnit(_decimal_text(price)),
            where={"region": region},
            start=RISE if later else None,
            priority=1 if later else 0,
        )
        for (region, later), price in EGRESS_PRICES.items()
    ]
    return [
        rk.PriceEntry("calls", "invocations", _graduated(CALL_TIERS)),
        rk.PriceEntry("gbs", "gbs", _graduated(GBS_TIERS)),
        *egress,
    ]


FREE = [rk.Allowance("invocations", FREE_CALLS), rk.Allowance("gbs", FREE_GBS)]
STANDARD = rk.Plan("standard", "USD", MONTHLY, entries(), allowances=FREE)
COMMITTED = rk.Plan(
    "committed", "USD", MONTHLY, entries(), allowances=FREE, minimums=[rk.Minimum(1000)]
)

FUNCTIONS = {  # account -> (function, region, memory in GB)
    "alpha": (("alpha/resize", "eu", Decimal("0.5")), ("alpha/api", "us", Decimal("0.125"))),
    "beta": (("beta/etl", "us", Decimal(2)),),
    "gamma": (("gamma/web", "eu", Decimal("0.25")), ("gamma/cron", "us", Decimal(1))),
}
REGION = {fn: region for fns in FUNCTIONS.values() for fn, region, _ in fns}

Record = rk.Event | rk.Sample
Delivery = tuple[dt.datetime, Record]


def initial_assignments() -> list[rk.Assignment]:
    return [rk.Assignment(account, STANDARD) for account in FUNCTIONS]


def deploys(at: dt.datetime = MARCH0) -> list[Record]:
    """Each function described once (its region selects its egress price)."""
    return [
        rk.Event(account, fn, at, {"region": region, "memory_gb": str(memory)},
                 kind="update", id=f"{fn}/deploy")
        for account, fns in FUNCTIONS.items()
        for fn, region, memory in fns
    ]  # fmt: skip


def gateway_records(seed: int, step_minutes: int, until: dt.datetime) -> list[Delivery]:
    """(delivered, record): every function reports once per ``step_minutes``."""
    rng = random.Random(seed)
    out: list[Delivery] = [(MARCH0, record) for record in deploys()]
    late_day = (dt.datetime(2026, 3, 12, tzinfo=UTC), dt.datetime(2026, 3, 13, tzinfo=UTC))
    period, n = MARCH0, 0
    while period < until:
        for account, fns in FUNCTIONS.items():
            for fn, region, memory in fns:
                n += 1
                true_at = period + dt.timedelta(seconds=rng.randrange(step_minutes * 60))
                at = true_at + dt.timedelta(seconds=rng.randint(0, 90))  # clock ahead
                delivered = true_at + dt.timedelta(seconds=rng.randint(0, 600))
                if region == "us" and late_day[0] <= true_at < late_day[1]:
                    delivered = late_day[1] + dt.timedelta(hours=12, seconds=rng.randint(0, 600))
                calls = rng.randint(0, 2 * step_minutes * 60)
                seconds = Decimal(rng.randint(1, 3000)) / 1000  # mean duration
                values = {
                    "invocations": Decimal(calls),
                    "gbs": calls * memory * seconds,
                    "egress": Decimal(rng.randint(0, 10**6)) * calls / 10**9,
                }
                for meter, value in values.items():
                    out.append(
                        (delivered, rk.Sample(account, fn, meter, at, value, id=f"{fn}/{n}/{meter}"))
                    )  # fmt: skip
        period += dt.timedelta(minutes=step_minutes)
    return out


def deliveries_of(records: list[Delivery], seed: int) -> tuple[list[Delivery], int]:
    """At least once: 10 % sent again within 90 minutes, all of 20 March again at 03:00 on 21."""
    rng = random.Random(seed)
    again = [
        (when + dt.timedelta(minutes=rng.randint(1, 90)), record)
        for when, record in records
        if rng.random() < 0.1
    ]
    day = [
        (dt.datetime(2026, 3, 21, 3, tzinfo=UTC), record)
        for when, record in records
        if dt.datetime(2026, 3, 20, tzinfo=UTC) <= when < dt.datetime(2026, 3, 21, tzinfo=UTC)
    ]
    every = sorted(records + again + day, key=lambda pair: pair[0])
    return every, len(again) + len(day)


class Host:
    """The billing backend: feeds small batches, states every three hours, restores at random."""

    def __init__(self, seed: int, *, batch: int = 7, restore_p: float = 0.02) -> None:
        self.rng = random.Random(seed)
        self.batch, self.restore_p = batch, restore_p
        self.assigned: tuple[rk.Assignment, ...] = tuple(initial_assignments())
        self.rater = rk.Rater(list(self.assigned), METERS, start=MARCH0, horizon=HORIZON)
        self.counts = {"accepted": 0, "duplicates": 0, "conflicting": 0, "late": 0}
        self.counts |= {"too_late": 0, "restores": 0}
        self.statements: list[rk.Statement] = []

    def _maybe_restore(self) -> None:
        if self.rng.random() < self.restore_p:
            data = json.loads(json.dumps(self.rater.snapshot()))
            self.rater = rk.Rater.restore(data, list(self.assigned), METERS)
            self.counts["restores"] += 1

    def run(self, deliveries: list[Delivery], until: dt.datetime) -> None:
        watermark, i = MARCH0, 0
        while watermark < until:
            watermark += dt.timedelta(hours=3)
            pending: list[Record] = []
            while i < len(deliveries) and deliveries[i][0] < watermark:
                pending.append(deliveries[i][1])
                i += 1
            for k in range(0, len(pending), self.batch):
                feed = self.rater.feed(pending[k : k + self.batch])
                for key in ("accepted", "duplicates", "conflicting", "late", "too_late"):
                    self.counts[key] += feed.counts[key]
                self._maybe_restore()
            if watermark == COMMIT_AT:  # gamma commits from 10 March
                self.assigned = self.rater.assign(
                    rk.Assignment("gamma", COMMITTED, start=COMMIT_AT)
                )
            self.statements.append(self.rater.statement(watermark))
            self._maybe_restore()
        self.watermark = watermark

    def closing(self, cycle: rk.Span) -> dict[str, rk.Invoice]:
        return {
            invoice.account: invoice
            for statement in self.statements
            for invoice in statement.invoices
            if invoice.cycle == cycle
        }


END = APRIL0 + HORIZON + dt.timedelta(hours=1)  # March closes at 3 April 00:00


def month(seed: int, step_minutes: int = 120) -> tuple[Host, list[Record], int]:
    records = gateway_records(seed, step_minutes, APRIL0 + dt.timedelta(hours=6))
    deliveries, resent = deliveries_of(records, seed + 1)
    host = Host(seed + 2)
    host.run(deliveries, END)
    return host, [record for _, record in records], resent


# Every test that reads the month is marked heavy: the month is streamed once, in the
# step of the heavy examples (without coverage), not once more under the tracer.
@pytest.fixture(scope="module")
def march() -> tuple[Host, list[Record], int]:
    return month(7)


def _batch(records: Iterable[Record], assigned: Iterable[rk.Assignment], as_of: dt.datetime) -> dict[str, rk.Invoice]:  # fmt: skip
    rating = rk.rate(list(records), list(assigned), span=MARCH, meters=METERS, as_of=as_of)
    return {invoice.account: invoice for invoice in rk.bill(rating)}


@pytest.mark.heavy
def test_every_record_is_taken_once_and_every_resend_is_a_duplicate(
    march: tuple[Host, list[Record], int],
) -> None:
    host, records, resent = march
    assert host.counts["accepted"] == len(records)
    assert host.counts["duplicates"] == resent
    assert host.counts["conflicting"] == host.counts["too_late"] == host.counts["late"] == 0
    assert host.counts["restores"] > 10  # the restores did happen


@pytest.mark.heavy
def test_march_closes_as_one_batch_rate_of_every_record(
    march: tuple[Host, list[Record], int],
) -> None:
    host, records, _ = march
    stream = host.closing(MARCH)
    batch = _batch(records, host.assigned, host.watermark)
    assert sorted(stream) == sorted(batch) == ["alpha", "beta", "gamma"]
    for account, invoice in stream.items():
        assert invoice.precise_total == batch[account].precise_total
        assert invoice.total == batch[account].total
        assert [(line.entry, line.amount) for line in invoice.lines] == [
            (line.entry, line.amount) for line in batch[account].lines
        ]


def _round(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN, context=decimal.Context(prec=80)
    )


def _tiered(quantity: Fraction, tiers: tuple[tuple[Fraction | None, Fraction], ...]) -> Fraction:
    amount, below = Fraction(0), Fraction(0)
    for up, price in tiers:
        top = quantity if up is None else min(quantity, up)
        if top > below:
            amount += (top - below) * price
        below = top if up is None else up
    return amount


def oracle(records: Iterable[Record], account: str) -> dict[str, Decimal]:
    """A whole month on one plan, by hand: each invoice line's amount, in Fractions."""
    used: dict[str, Fraction] = {"invocations": Fraction(0), "gbs": Fraction(0)}
    egress: dict[str, Fraction] = {}
    for record in records:
        if not isinstance(record, rk.Sample) or record.account != account:
            continue
        if not MARCH0 <= record.at < APRIL0:
            continue
        value = Fraction(record.value)
        if record.meter == "egress":
            region, later = REGION[record.resource], record.at >= RISE
            name = f"egress {region}" + (" from 15th" if later else "")
            egress[name] = egress.get(name, Fraction(0)) + value * EGRESS_PRICES[region, later]
        else:
            used[record.meter] += value
    lines = {name: _round(amount) for name, amount in egress.items()}
    lines["calls"] = _round(_tiered(max(Fraction(0), used["invocations"] - FREE_CALLS), CALL_TIERS))
    lines["gbs"] = _round(_tiered(max(Fraction(0), used["gbs"] - FREE_GBS), GBS_TIERS))
    return lines


@pytest.mark.heavy
def test_closing_invoices_of_a_whole_month_on_one_plan_match_fractions(
    march: tuple[Host, list[Record], int],
) -> None:
    host, records, _ = march
    stream = host.closing(MARCH)
    for account in ("alpha", "beta"):
        expected = oracle(records, account)
        assert {line.entry: line.amount for line in stream[account].lines} == expected
        assert stream[account].total == sum(expected.values())
    # the free allowance is used up and the second GB-s tier reached somewhere
    assert any(line.amount > 0 for line in stream["beta"].lines if line.entry == "gbs")


@pytest.mark.heavy
def test_the_lines_of_every_statement_add_up_to_the_closing_invoices(
    march: tuple[Host, list[Record], int],
) -> None:
    host, _, _ = march
    stream = host.closing(MARCH)
    sums: dict[str, Fraction] = {}
    for statement in host.statements:
        for line in statement.lines:
            if line.cycle == MARCH:
                sums[line.account] = sums.get(line.account, Fraction(0)) + Fraction(line.amount)
    for account, invoice in stream.items():
        assert sums[account] == Fraction(invoice.precise_total)


@pytest.mark.heavy
def test_gamma_commitment_is_prorated_from_its_start(
    march: tuple[Host, list[Record], int],
) -> None:
    host, _, _ = march
    gamma = host.closing(MARCH)["gamma"]
    (minimum,) = [line for line in gamma.lines if line.kind == "minimum"]
    # 1000 x 22/31 of March (10 to 31 March) = 709.677419354..., less committed spend
    assert "commitment ~709.677419" in str(gamma)
    assert minimum.amount > 0


@pytest.mark.heavy
def test_a_stream_under_a_caller_context_of_three_digits_bills_alike() -> None:
    records = gateway_records(11, 360, APRIL0 + dt.timedelta(hours=6))
    deliveries, _ = deliveries_of(records, 12)
    # 16 restores under the caller's context, 11 between batches of a feed and 5 after
    # a statement, two of them after March ended and before it closed (seed 13)
    host = Host(13, batch=25, restore_p=0.03)
    with decimal.localcontext(prec=3) as context:
        context.traps[decimal.Inexact] = context.traps[decimal.Rounded] = True
        context.clear_flags()  # a copy of the thread's context: its flags came along
        host.run(deliveries, END)
        assert context.prec == 3
        assert not context.flags[decimal.Inexact]
    assert host.counts["restores"] >= 10
    stream = host.closing(MARCH)
    batch = _batch([record for _, record in records], host.assigned, host.watermark)
    for account in ("alpha", "beta"):
        assert stream[account].precise_total == batch[account].precise_total
        expected = oracle([record for _, record in records], account)
        assert {line.entry: line.amount for line in stream[account].lines} == expected


LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.mark.heavy
def test_an_account_billed_on_its_sign_up_day_in_its_own_zone() -> None:
    # Signed up on 31 January, Los Angeles: cycles 31 Jan .. 28 Feb .. 31 Mar (local),
    # across the change to daylight time on 8 March. A rater of its own (one cycle).
    anchored = rk.cycles.monthly(tz="America/Los_Angeles", day=31)
    plan = rk.Plan("anchored", "USD", anchored, entries(), allowances=FREE)
    start = dt.datetime(2026, 1, 31, tzinfo=LOS_ANGELES)
    rng = random.Random(5)
    records: list[Record] = [
        rk.Event("delta", "delta/f", start, {"region": "us"}, kind="update", id="deploy")
    ]
    at, n = start, 0
    while at < start + dt.timedelta(days=62):
        n += 1
        records.append(rk.Sample("delta", "delta/f", "invocations", at, rng.randint(0, 90000), id=f"c{n}"))  # fmt: skip
        records.append(rk.Sample("delta", "delta/f", "gbs", at, Decimal(rng.randint(0, 10**7)) / 1000, id=f"g{n}"))  # fmt: skip
        at += dt.timedelta(minutes=rng.randint(30, 180))
    rater = rk.Rater(plan, METERS, start=start, horizon=dt.timedelta(hours=6), tz=LOS_ANGELES)
    watermark, i = start.astimezone(UTC), 0
    closing: list[rk.Invoice] = []
    while watermark < (start + dt.timedelta(days=62)).astimezone(UTC):
        watermark += dt.timedelta(hours=1)
        batch = []
        while i < len(records) and records[i].at < watermark:
            batch.append(records[i])
            i += 1
        rater.feed(batch)
        closing.extend(rater.statement(watermark).invoices)
    assert [invoice.cycle for invoice in closing] == [
        rk.Span("2026-01-31T08:00:00Z", "2026-02-28T08:00:00Z"),
        rk.Span("2026-02-28T08:00:00Z", "2026-03-31T07:00:00Z"),  # PDT: UTC-7
    ]
    assert str(closing[1]).splitlines()[0] == (
        "Invoice delta, 2026-02-28 .. 2026-03-31 (America/Los_Angeles), USD"
    )
    for invoice in closing:
        rating = rk.rate(records, plan, span=invoice.cycle, meters=METERS, as_of=watermark)
        (batch_invoice,) = rk.bill(rating, tz="America/Los_Angeles")
        assert invoice.precise_total == batch_invoice.precise_total
        assert invoice.total == batch_invoice.total
