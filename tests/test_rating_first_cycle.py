"""Under one Plan, an account's fees start with the first cycle it has usage or a record in.

Under [`Assignment`][ratekit.Assignment] values the assignments say when an account is
covered; under a single [`Plan`][ratekit.Plan] the input does: an account is covered from the
start of the cycle of its first row or record (a delta over a span counts from the span's
start), and accounts named with ``accounts=`` over the whole rated span. Batch
``rate()`` and the streaming rater apply the same rule.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

RUNTIME = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "standard",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    fees=[rk.Fee("support", 30)],
)
RECORDS = [
    rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="a1"),
    rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", kind="stop", id="a2"),
    rk.Event("globex", "vm-9", "2026-04-10T00:00:00Z", {"f": "s"}, kind="start", id="g1"),
    rk.Event("globex", "vm-9", "2026-04-10T05:00:00Z", kind="stop", id="g2"),
]
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")


def _totals(charges: object) -> dict[tuple[str, str, int], Decimal]:
    out: dict[tuple[str, str, int], Decimal] = {}
    for charge in charges:  # type: ignore[attr-defined]
        key = (charge.account, charge.kind, charge.cycle.start.month)
        out[key] = out.get(key, Decimal(0)) + charge.amount
    return out


# acme: 10 h x 0.10 = 1.00 in March, and the 30 support fee in March, April and May.
# globex appears on April 10th: 5 h x 0.10 = 0.50 in April, and the fee in April and May
# only (60, not 90: it owes nothing for March, before it had usage or a record).
EXPECTED = {
    ("acme", "usage", 3): Decimal("1.00"),
    ("acme", "fee", 3): Decimal(30),
    ("acme", "fee", 4): Decimal(30),
    ("acme", "fee", 5): Decimal(30),
    ("globex", "usage", 4): Decimal("0.50"),
    ("globex", "fee", 4): Decimal(30),
    ("globex", "fee", 5): Decimal(30),
}


def test_batch_rate_charges_a_later_account_its_fees_from_its_first_cycle() -> None:
    rating = rk.rate(RECORDS, PLAN, span=SPAN, meters=[RUNTIME])
    assert _totals(rating.charges) == EXPECTED


def test_the_rater_charges_the_same_fees_as_batch_rate() -> None:
    rater = rk.Rater(PLAN, [RUNTIME], start="2026-03-01T00:00:00Z")
    rater.feed(RECORDS[:2])
    lines = list(rater.statement("2026-04-01T00:00:00Z").lines)
    rater.feed(RECORDS[2:])
    lines += rater.statement("2026-06-01T00:00:00Z").lines
    got: dict[tuple[str, str, int], Decimal] = {}
    for line in lines:
        key = (line.account, line.kind, line.cycle.start.month)
        got[key] = got.get(key, Decimal(0)) + line.amount
    assert {key: value for key, value in got.items() if value} == EXPECTED


def test_an_account_named_is_covered_over_the_whole_span() -> None:
    # Named with accounts=[...], globex owes the March fee too: 3 x 30 = 90.
    rating = rk.rate(RECORDS, PLAN, span=SPAN, meters=[RUNTIME], accounts=["globex"])
    totals = _totals(rating.charges)
    assert sum(v for (a, k, _), v in totals.items() if a == "globex" and k == "fee") == 90


def test_a_delta_over_a_span_counts_from_the_start_of_its_span() -> None:
    # 120 calls over March 20th to April 20th: the account has usage in March, so it
    # owes the March fee (30) as well as April's.
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("c", "calls", rk.PerUnit(0))],
        fees=[rk.Fee("support", 30)],
    )
    sample = rk.Sample(
        "initech", "fn", "calls", "2026-04-20T00:00:00Z", 120, since="2026-03-20T00:00:00Z", id="s1"
    )
    span = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    fees = [
        c for c in rk.rate([sample], plan, span=span, meters=[calls]).charges if c.kind == "fee"
    ]
    assert [(c.cycle.start.month, c.amount) for c in fees] == [(3, 30), (4, 30)]
