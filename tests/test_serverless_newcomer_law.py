"""The law of a serverless platform's stream: closing invoices as worked by hand.

Gateway records (invocations, GB-seconds, egress per region) of two accounts over two
daily cycles, each delivered minutes late (stamped up to 2 minutes ahead by a gateway's
clock), some sent again, fed in random batches with statements at random hours and
restores from JSON at random points: every closing invoice's lines are, to the cent,
what a ``fractions.Fraction`` brute force gives: per account and day, the free allowance
taken off the day's total, the rest through the graduated tiers; egress per region at
the price of its instant (dearer from noon on 1 March); each line rounded once,
half-even.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_serverless_newcomer_stream import _tiered

import ratekit as rk

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
RISE = T0 + dt.timedelta(hours=12)
DAYS = 2
HORIZON = dt.timedelta(hours=3)
FREE = {"invocations": Fraction(100), "gbs": Fraction(40)}
TIERS = {
    "invocations": ((Fraction(50), Fraction("0.01")), (None, Fraction("0.005"))),
    "gbs": ((Fraction(20), Fraction("0.002")), (None, Fraction("0.0015"))),
}
EGRESS = {("eu", False): Fraction("0.09"), ("eu", True): Fraction("0.1"),
          ("us", False): Fraction("0.08"), ("us", True): Fraction("0.085")}  # fmt: skip
FUNCTIONS = {"alpha/a": ("alpha", "eu"), "alpha/b": ("alpha", "us"), "beta/c": ("beta", "us")}
METERS = [
    rk.Meter("invocations", "call", rk.Discrete()),
    rk.Meter("gbs", "GB*second", rk.Discrete()),
    rk.Meter("egress", "GB", rk.Discrete()),
]


def _text(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _plan() -> rk.Plan:
    tiered = [
        rk.PriceEntry(meter, meter, rk.Graduated(
            [rk.Tier(None if up is None else int(up), _text(price)) for up, price in tiers]))
        for meter, tiers in TIERS.items()
    ]  # fmt: skip
    egress = [
        rk.PriceEntry(f"egress {region}{' later' if later else ''}", "egress",
                      rk.PerUnit(_text(price)), where={"region": region},
                      start=RISE if later else None, priority=int(later))
        for (region, later), price in EGRESS.items()
    ]  # fmt: skip
    free = [rk.Allowance(meter, int(quantity)) for meter, quantity in FREE.items()]
    return rk.Plan("faas", "USD", rk.cycles.daily(tz="UTC"), tiered + egress, allowances=free)


PLAN = _plan()
DEPLOYS = [
    rk.Event(account, fn, T0, {"region": region}, kind="update", id=f"{fn}/deploy")
    for fn, (account, region) in FUNCTIONS.items()
]


def _cents(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN)


def oracle(samples: list[rk.Sample]) -> dict[tuple[str, int], dict[str, Decimal]]:
    """(account, day) -> {entry: amount}, worked out with Fractions, zeros left out."""
    totals: dict[tuple[str, int, str], Fraction] = {}
    for sample in samples:
        account, region = FUNCTIONS[sample.resource]
        day = (sample.at - T0).days
        if sample.meter == "egress":
            later = sample.at >= RISE
            entry = f"egress {region}{' later' if later else ''}"
            money = Fraction(sample.value) * EGRESS[region, later]
            totals[account, day, entry] = totals.get((account, day, entry), Fraction(0)) + money
        else:
            key = (account, day, sample.meter)
            totals[key] = totals.get(key, Fraction(0)) + Fraction(sample.value)
    out: dict[tuple[str, int], dict[str, Decimal]] = {}
    with decimal.localcontext(prec=80):
        for (account, day, entry), used in totals.items():
            amount = used  # egress: already money
            if entry in TIERS:
                amount = _tiered(max(Fraction(0), used - FREE[entry]), TIERS[entry])
            if _cents(amount):
                out.setdefault((account, day), {})[entry] = _cents(amount)
    return out


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[rk.Sample], list[tuple[dt.datetime, rk.Sample]]]:
    samples, deliveries = [], []
    for n in range(draw(st.integers(1, 30))):
        fn = draw(st.sampled_from(sorted(FUNCTIONS)))
        true_at = T0 + dt.timedelta(minutes=draw(st.integers(0, DAYS * 1440 - 1)))
        at = true_at + dt.timedelta(seconds=draw(st.integers(0, 120)))  # a clock ahead
        if at >= T0 + dt.timedelta(days=DAYS):
            continue
        meter = draw(st.sampled_from(["invocations", "gbs", "egress"]))
        if meter == "invocations":
            value = Decimal(draw(st.integers(0, 120)))
        else:
            value = Decimal(draw(st.integers(0, 60_000))) / 1000
        sample = rk.Sample(FUNCTIONS[fn][0], fn, meter, at, value, id=f"r{n}")
        samples.append(sample)
        delivered = true_at + dt.timedelta(minutes=draw(st.integers(0, 100)))
        deliveries.append((delivered, sample))
        if draw(st.booleans()):  # sent again
            deliveries.append((delivered + dt.timedelta(minutes=draw(st.integers(0, 60))), sample))
    deliveries.sort(key=lambda pair: pair[0])
    return samples, deliveries


@given(
    stream=streams(),
    hours=st.sets(st.integers(1, DAYS * 24 + 3), max_size=12),
    cuts=st.lists(st.integers(1, 5), min_size=1, max_size=8),
    restores=st.lists(st.booleans(), min_size=1, max_size=8),
)
@settings(max_examples=LAWS, deadline=None)
def test_closing_invoices_are_the_allowance_and_tiers_worked_by_hand(
    stream: tuple[list[rk.Sample], list[tuple[dt.datetime, rk.Sample]]],
    hours: set[int],
    cuts: list[int],
    restores: list[bool],
) -> None:
    samples, deliveries = stream
    rater = rk.Rater(PLAN, METERS, start=T0, horizon=HORIZON)
    rater.feed(DEPLOYS)
    closing: dict[tuple[str, int], dict[str, Decimal]] = {}
    final = DAYS * 24 + 4  # the last day closes at its end plus three hours
    i, step = 0, 0
    for hour in sorted({*hours, final}):
        watermark = T0 + dt.timedelta(hours=hour)
        pending = []
        while i < len(deliveries) and deliveries[i][0] < watermark:
            pending.append(deliveries[i][1])
            i += 1
        while pending:
            size = cuts[step % len(cuts)]
            rater.feed(pending[:size])
            pending = pending[size:]
            if restores[step % len(restores)]:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
            step += 1
        for invoice in rater.statement(watermark).invoices:
            lines = {line.entry: line.amount for line in invoice.lines if line.amount}
            if lines:
                key = (invoice.account, (invoice.cycle.start - T0).days)
                closing[key] = {str(entry): amount for entry, amount in lines.items()}
    assert closing == oracle(samples)
