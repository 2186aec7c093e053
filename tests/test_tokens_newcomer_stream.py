"""An LLM API gateway streams its token usage into ``rk.Rater``; the books must agree.

Read from the streaming and invoices pages only. The gateway's queue redelivers
(duplicates), delivers out of order and late (past the horizon), the gateway restarts
from a JSON snapshot, and a failed request's refund arrives hours later as a negative
delta. The promise checked (streaming.md, "One engine", and "Credits on closing
invoices"): every closing invoice equals batch ``rk.rate()`` + ``rk.bill()`` of the
records the rater took, as of the closing watermark, line by line and to the last
digit; and the lines as they now stand, billed, equal batch of everything at the end.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from decimal import Decimal

import ratekit as rk

UTC = dt.UTC
MONTHS = rk.cycles.monthly(tz="UTC")
START = dt.datetime(2026, 3, 1, tzinfo=UTC)
DROP = "2026-03-15T00:00:00Z"
MODELS = ("small", "large")
WAYS = ("in", "out")


def meters() -> list[rk.Meter]:
    return [rk.Meter(f"{m}.{w}", "token", rk.Discrete()) for m in MODELS for w in WAYS]


def entries(per_1k_in: str, per_1k_out: str, tiered: bool = False) -> list[rk.PriceEntry]:
    """List, batch half price, and the drop by a fifth on the 15th, per model and way."""
    out = []
    for model, scale in (("small", 1), ("large", 10)):
        for way, per_1k in (("in", per_1k_in), ("out", per_1k_out)):
            meter, token = f"{model}.{way}", Decimal(per_1k) * scale / 1000

            def price(factor: str, token: Decimal = token) -> rk.Graduated | rk.PerUnit:
                unit = token * Decimal(factor)
                if tiered:  # 10 % off past a billion tokens a month
                    return rk.Graduated(
                        [rk.Tier(10**9, unit), rk.Tier(None, unit * Decimal("0.9"))]
                    )
                return rk.PerUnit(unit)

            batch = {"mode": "batch"}
            out += [
                rk.PriceEntry(meter, meter, price("1")),
                rk.PriceEntry(f"{meter}.b", meter, price("0.5"), where=batch, priority=1),
                rk.PriceEntry(f"{meter}.d", meter, price("0.8"), start=DROP, priority=2),
                rk.PriceEntry(
                    f"{meter}.db", meter, price("0.4"), where=batch, start=DROP, priority=3
                ),
            ]
    return out


PAYG = rk.Plan(
    "payg",
    "USD",
    MONTHS,
    entries("0.00015", "0.0006"),
    allowances=[rk.Allowance("small.in", 10**6)],
)
ENTERPRISE = rk.Plan(
    "enterprise",
    "USD",
    MONTHS,
    entries("0.0001234567891", "0.0004000000001", tiered=True),
    minimums=[rk.Minimum(50)],
    fees=[rk.Fee("platform", 10)],
)
ASSIGNED = [
    rk.Assignment("free", PAYG, start="2026-03-10T00:00:00Z"),
    rk.Assignment("corp", ENTERPRISE, start="2026-03-01T00:00:00Z"),
    rk.Assignment("mover", PAYG, start="2026-03-01T00:00:00Z", end="2026-03-20T00:00:00Z"),
    rk.Assignment("mover", ENTERPRISE, start="2026-03-20T00:00:00Z"),
]
ACCOUNTS = {"free": START + dt.timedelta(days=9), "corp": START, "mover": START}


def gateway_log(seed: int, n: int) -> list[rk.Event | rk.Sample]:
    """A batch job described as such, then n usage and refund records of the two months."""
    rng = random.Random(seed)
    log: list[rk.Event | rk.Sample] = [
        rk.Event(account, "job", first, {"mode": "batch"}, kind="update", id=f"{account}-job")
        for account, first in ACCOUNTS.items()
    ]
    for i in range(n):
        account = rng.choice(sorted(ACCOUNTS))
        first = ACCOUNTS[account]
        seconds = int((START + dt.timedelta(days=61) - first).total_seconds())
        at = first + dt.timedelta(seconds=rng.randrange(seconds))
        if rng.random() < 0.25:  # on the instant of a price change, a plan change, a midnight
            at = at.replace(hour=0, minute=0, second=0)
        tokens = rng.choice((1, 7, 999, 10**6, 10**12, rng.randrange(1, 10**7)))
        if rng.random() < 0.25:  # a refund, at times larger than all usage so far
            tokens = -rng.choice((1, 10**6, 3 * 10**6, 10**12))
        meter = f"{rng.choice(MODELS)}.{rng.choice(WAYS)}"
        log.append(rk.Sample(account, rng.choice(("chat", "job")), meter, at, tokens, id=f"r{i}"))
    return log


def lines_of(invoice: rk.Invoice) -> list[tuple[str, str | None, Decimal]]:
    return [(line.kind, line.entry, line.amount) for line in invoice.lines]


def run_the_gateway(seed: int, n: int) -> int:
    """Feed a messy stream, check each closing against batch; return the closings checked."""
    rng = random.Random(seed)
    log = gateway_log(seed, n)
    # the queue: out of order by up to four days, some records redelivered
    queue = log[:3] + sorted(log[3:], key=lambda r: r.at_us + rng.randrange(-4, 2) * 86_400_000_000)
    rater = rk.Rater(ASSIGNED, meters(), start=START, horizon=dt.timedelta(hours=6))
    taken: dict[str, rk.Event | rk.Sample] = {}
    too_late: set[str] = set()
    standing: dict[object, tuple[rk.Charge, ...]] = {}
    watermark, i, closings = START, 0, 0
    while watermark < START + dt.timedelta(days=63):
        batch = []
        while (
            i < len(queue)
            and queue[i].at_us <= (watermark + dt.timedelta(days=1)).timestamp() * 1e6
        ):
            batch.append(queue[i])
            i += 1
        batch += batch[: len(batch) // 2]
        rng.shuffle(batch)
        if batch:
            feed = rater.feed(batch)
            too_late |= set(feed.too_late)
            taken.update((record.id, record) for record in batch if record.id is not None)
        watermark += dt.timedelta(days=rng.choice((1, 2)), hours=rng.choice((0, 7)))
        statement = rater.statement(watermark)
        for line in statement.lines:
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line.charges
        known = [record for key, record in taken.items() if key not in too_late]
        for invoice in statement.invoices:
            rating = rk.rate(known, ASSIGNED, span=invoice.cycle, meters=meters(), as_of=watermark)
            [batch_invoice] = [b for b in rk.bill(rating) if b.account == invoice.account]
            assert (invoice.total, lines_of(invoice)) == (
                batch_invoice.total,
                lines_of(batch_invoice),
            )
            closings += 1
        if rng.random() < 0.4:  # the gateway restarts from its stored JSON snapshot
            stored = json.dumps(rater.snapshot())
            rater = rk.Rater.restore(json.loads(stored), ASSIGNED, meters())
    # the lines as they now stand bill what batch bills over both months
    span = rk.Span(START, "2026-05-01T00:00:00Z")
    known = [record for record in log if record.id not in too_late]
    batch_invoices = rk.bill(rk.rate(known, ASSIGNED, span=span, meters=meters(), as_of=watermark))
    now = rk.bill([c for charges in standing.values() for c in charges if c.cycle.end <= span.end])
    assert [(x.account, x.cycle, x.total, lines_of(x)) for x in now] == [
        (x.account, x.cycle, x.total, lines_of(x)) for x in batch_invoices
    ]
    return closings


def test_each_closing_of_a_messy_token_stream_equals_batch_to_the_last_digit() -> None:
    # three accounts x two months closed, for each of two queues
    assert [run_the_gateway(seed, 16) for seed in (3, 19)] == [6, 6]


def test_the_callers_decimal_context_changes_no_closing() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        assert run_the_gateway(5, 12) == 6


def test_a_refund_fed_after_its_month_closed_is_a_late_correction_of_that_month() -> None:
    # list price 0.00000015 a token, no horizon. 1M tokens on 31 March 22:00 (0.15); March
    # closes at 1 April 00:00 with 0.15. The failed request's refund, stamped 31 March 23:00,
    # arrives at 02:00: late for March; the next statement reverses March's line (-0.15)
    # and gives it anew (0.00), marked late, and batch now bills March 0.00
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("in", "small.in", rk.PerUnit("0.00000015"))])
    rater = rk.Rater(plan, meters(), start=START)
    use = rk.Sample("a", "chat", "small.in", "2026-03-31T22:00:00Z", 1_000_000, id="use")
    refund = rk.Sample("a", "chat", "small.in", "2026-03-31T23:00:00Z", -1_000_000, id="refund")
    rater.feed([use])
    [march] = rater.statement("2026-04-01T00:00:00Z").invoices
    assert march.total == Decimal("0.15")
    assert rater.feed([refund]).late == ("refund",)
    later = rater.statement("2026-04-01T02:00:00Z")
    assert [(line.role, line.late, line.amount) for line in later.lines] == [
        ("reversal", True, Decimal("-0.15000000")),
        ("correction", True, Decimal("0E-8")),
    ]
    march_span = rk.Span(START, "2026-04-01T00:00:00Z")
    [batch] = rk.bill(rk.rate([use, refund], plan, span=march_span, meters=meters()))
    assert batch.total == Decimal("0.00")


def test_a_refund_beyond_the_horizon_is_too_late_and_said_with_its_quantity() -> None:
    # daily cycles, no horizon: 2 March is compacted once 3 March closes. A refund of
    # -500 tokens stamped 1 March fed on 4 March is too late: not applied, an anomaly says
    # which record and how much (streaming.md, "Closing and lateness")
    days = rk.cycles.daily(tz="UTC")
    plan = rk.Plan("d", "USD", days, [rk.PriceEntry("in", "small.in", rk.PerUnit("0.00000015"))])
    rater = rk.Rater(plan, meters(), start=START)
    rater.feed([rk.Sample("a", "chat", "small.in", "2026-03-01T10:00:00Z", 1000, id="use")])
    for day in (2, 3, 4):
        rater.statement(f"2026-03-0{day}T00:00:00Z")
    feed = rater.feed(
        [rk.Sample("a", "chat", "small.in", "2026-03-01T11:00:00Z", -500, id="refund")]
    )
    assert feed.too_late == ("refund",)
    [anomaly] = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.quantity) == (
        "too_late",
        ("refund",),
        Decimal(-500),
    )


def test_a_customer_who_signs_up_and_upgrades_mid_stream_is_billed_as_batch() -> None:
    # rater built with corp; "new" signs up on 10 March on payg, upgrades to enterprise on
    # 20 March while the stream runs, the snapshot restored with the set assign() returned.
    # payg covers 10 of 31 days: 1M x 10/31 = 10M/31 free. 2M on 12 March:
    # (2M - 10M/31) x 0.00000015 = 7.8/31; the refund of -1M on 25 March takes back payg's
    # billed units at 0.00000015, -0.15 = -4.65/31: payg 3.15/31 = 0.1016..., 0.10;
    # enterprise: the fee 10 x 12/31 = 3.87 and the commitment 50 x 12/31 = 19.35 (no usage
    # of its own); March 0.10 + 3.87 + 19.35 = 23.32
    corp = [rk.Assignment("corp", ENTERPRISE, start="2026-03-01T00:00:00Z")]
    rater = rk.Rater(corp, meters(), start=START)
    assigned = rater.assign(rk.Assignment("new", PAYG, start="2026-03-10T00:00:00Z"))
    records = [
        rk.Sample("new", "chat", "small.in", "2026-03-12T00:00:00Z", 2_000_000, id="use"),
        rk.Sample("new", "chat", "small.in", "2026-03-25T00:00:00Z", -1_000_000, id="refund"),
    ]
    rater.feed(records[:1])
    rater.statement("2026-03-18T00:00:00Z")
    assigned = rater.assign(rk.Assignment("new", ENTERPRISE, start="2026-03-20T00:00:00Z"))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, meters())
    rater.feed(records[1:])
    closing = {i.account: i for i in rater.statement("2026-04-01T00:00:00Z").invoices}
    assert closing["new"].total == Decimal("23.32")
    march = rk.Span(START, "2026-04-01T00:00:00Z")
    batch = {i.account: i for i in rk.bill(rk.rate(records, assigned, span=march, meters=meters()))}
    assert {a: (i.total, lines_of(i)) for a, i in closing.items()} == {
        a: (i.total, lines_of(i)) for a, i in batch.items()
    }


def test_credits_on_each_closing_equal_billing_both_months_with_them() -> None:
    # corp: 10^8 output tokens in March at 0.0004000000001 per 1K x 10^5 = 40.00000001, under
    # the 50 commitment: 50 + the 10 fee = 60.00; April idle: 60.00. A prepaid 100 and a
    # monthly 5: March 5 + 55 (45 left), April 5 + 45 (10.00 due)
    corp = [rk.Assignment("corp", ENTERPRISE, start="2026-03-01T00:00:00Z")]
    records = [rk.Sample("corp", "chat", "small.out", "2026-03-02T00:00:00Z", 10**8, id="m")]
    grants = [
        rk.Credit("prepaid", "corp", 100, "USD", start="2026-03-01T00:00:00Z"),
        rk.Credit(
            "monthly", "corp", 5, "USD", start="2026-03-01T00:00:00Z", renews=True, priority=1
        ),
    ]
    rater = rk.Rater(corp, meters(), start=START)
    rater.feed(records)
    streamed, left = [], list(grants)
    for watermark in ("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"):
        closing = rk.apply_credits(rater.statement(watermark).invoices, left)
        left = list(rk.credits_left(left, closing))
        streamed += closing
    span = rk.Span(START, "2026-05-01T00:00:00Z")
    batch = rk.bill(rk.rate(records, corp, span=span, meters=meters()), credits=grants)
    assert [(i.subtotal, i.total, i.credits) for i in streamed] == [
        (i.subtotal, i.total, i.credits) for i in batch
    ]
    assert [i.total for i in streamed] == [Decimal("0.00"), Decimal("10.00")]
