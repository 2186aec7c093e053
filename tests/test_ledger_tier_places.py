"""A line whose places in the tiers moved while its amount stood, said again at the closing.

docs/streaming.md ("Lines, increments and corrections"): a ledger that keeps each line's
latest charges and bills a closed cycle from them prints the closing invoice, text for
text. A charge of a group priced by its total (`Graduated`, `Volume`, `Package`, under
an allowance or not) goes from ``position`` to ``after`` on the group's quantity, and
`rk.bill()` prints an invoice line's tier rows from where its charges' places chain: one
climb merged per tier, else one per resource. A place moves while the amount stands
when another resource of the group comes before it (a record fed late or out of order, a
resource whose name sorts first, a line gone): 30 calls at 0.01 cost 0.30 from 0 as from
20. Such a line is not said when its total stands; the closing says it again (a
``reversal`` + ``correction`` to the same total, its charges as they stand), so the
ledger's charges chain into one climb as the closing invoice's do. Each line of a
closing is said once.

The smallest streams, worked by hand: calls (`rk.Discrete`: a row spans the cycle's
start to the watermark, so the rows of one day tie in time and are priced in the order
of their resources) and VM hours (`rk.OnOff`: in time order) on daily UTC cycles.
"""

from __future__ import annotations

import random
import typing
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _plan_streams
from tests._budget import LAWS
from tests.test_ledger_standing_law import check

import ratekit as rk
from ratekit._instants import format_us, to_us

CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
DAYS = rk.cycles.daily(tz="UTC")
ON_1 = rk.Graduated([rk.Tier(100, "0.01"), rk.Tier(None, "0.005")])

Kind = typing.Literal["start", "stop"]
Fed = Sequence[tuple[Sequence[rk.Event | rk.Sample], int]]


def at(hour: int) -> str:
    return f"2026-03-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"


def calls(resource: str, hour: int, n: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "calls", at(hour), n, id=record_id)


def vm(resource: str, hour: int, kind: Kind, record_id: str) -> rk.Event:
    return rk.Event("acme", resource, at(hour), kind=kind, id=record_id)


def plan(price: rk.PriceModel, meter: str = "calls", **more: object) -> rk.Plan:
    return rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("e", meter, price)], **more)


def run(
    plans: rk.Plan, fed: Fed, meter: rk.Meter = CALLS
) -> tuple[list[list[rk.StatementLine]], rk.Invoice, rk.Invoice]:
    """Feed and state as ``fed`` says: each statement's lines, 1 March's closing invoice,
    and 1 March billed from its lines as they stand after the closing."""
    rater = rk.Rater(plans, [meter], start=at(0))
    standing: dict[object, rk.StatementLine] = {}
    said: list[list[rk.StatementLine]] = []
    closing: list[rk.Invoice] = []
    for records, hour in fed:
        rater.feed(records)
        statement = rater.statement(at(hour))
        said.append(list(statement.lines))
        closing += statement.invoices
        for line in statement.lines:
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line
    (invoice,) = closing
    (ledger,) = rk.bill([c for line in standing.values() for c in line.charges])
    return said, invoice, ledger


def told(lines: Sequence[rk.StatementLine]) -> list[tuple[object, ...]]:
    """Each line's role, resource, quantity, amount and its charges' places."""
    return [
        (
            line.role,
            line.resource,
            line.quantity,
            line.amount,
            [(c.position, c.after) for c in line.charges],
        )
        for line in lines
    ]


D = Decimal


@pytest.mark.parametrize(
    ("price", "k1", "k2", "printed"),
    [
        # 20 + 30 calls, all in the first tier at 0.01: 0.20 and 0.30 wherever they sit.
        (ON_1, D("0.20"), D("0.30"), "tiers[0] (0, 100]: 50 * 0.01 = 0.50"),
        # Volume: the group's 50 calls price every call at the first tier's 0.01.
        (
            rk.Volume([rk.Tier(100, "0.01"), rk.Tier(None, "0.005")]),
            D("0.20"),
            D("0.30"),
            "tiers[0] (0, 100]: 50 * 0.01 = 0.50",
        ),
        # Packages of 10 at 0.02: 20 calls are 2 (0.04), 30 from 20 to 50 are 3 (0.06).
        (
            rk.Package(10, "0.02"),
            D("0.04"),
            D("0.06"),
            "packages (0, ∞): 50 in 5 blocks of 10 * 0.02 = 0.10",
        ),
    ],
)
def test_a_line_whose_place_moved_at_its_amount_is_said_again_at_the_closing(
    price: rk.PriceModel, k1: Decimal, k2: Decimal, printed: str
) -> None:
    # k2's 30 calls said at 02:00 from 0 to 30; k1's 20 calls come at 05:00, and k1 is
    # priced first (the day's rows tie in time): k1 from 0 to 20, k2 from 20 to 50, at
    # the same amount. Held as said, k2 from 0 would climb the tiers a second time and
    # the ledger would print per resource ('k1 · tiers[0] ...', 'k2 · tiers[0] ...').
    said, invoice, ledger = run(
        plan(price), [([calls("k2", 1, 30, "a")], 2), ([calls("k1", 5, 20, "b")], 24)]
    )
    assert told(said[0]) == [("charge", "k2", D(30), k2, [(D(0), D(30))])]
    assert told(said[1]) == [
        ("charge", "k1", D(20), k1, [(D(0), D(20))]),
        ("reversal", "k2", D(-30), -k2, []),
        ("correction", "k2", D(30), k2, [(D(20), D(50))]),
    ]
    (line,) = invoice.lines
    assert [tier.label for tier in line.tiers] == [printed.split(" ", maxsplit=1)[0]]  # one climb
    assert printed in invoice.to_text()
    assert invoice.total == k1 + k2
    assert ledger.to_text() == invoice.to_text()


def test_under_an_allowance_a_place_moved_by_the_free_part_is_said_again() -> None:
    # 24 calls free a day, prorated to the watermark. At 02:00: 2 free, all k0's (the
    # first resource): k0 0 -> 8 (0.08), k2 8 -> 38 (0.30). Closed: 24 free, k0's 10
    # all free (0 -> 0), k1's 20 with 14 free, 6 billed (0 -> 6, 0.06), k2 6 -> 36, 0.30
    # as said at 02:00: said again from 6. 60 calls, 36 billed at 0.01 = 0.36.
    said, invoice, ledger = run(
        plan(ON_1, allowances=[rk.Allowance("calls", 24)]),
        [([calls("k0", 0, 10, "z"), calls("k2", 1, 30, "a")], 2), ([calls("k1", 5, 20, "b")], 24)],
    )
    assert told(said[0]) == [
        ("charge", "k0", D(10), D("0.08"), [(D(0), D(8))]),
        ("charge", "k2", D(30), D("0.30"), [(D(8), D(38))]),
    ]
    assert told(said[1]) == [
        ("increment", "k0", D(0), D("-0.08"), [(D(0), D(0))]),
        ("charge", "k1", D(20), D("0.06"), [(D(0), D(6))]),
        ("reversal", "k2", D(-30), D("-0.30"), []),
        ("correction", "k2", D(30), D("0.30"), [(D(6), D(36))]),
    ]
    assert "60 call (24 free)" in invoice.to_text()
    assert "tiers[0] (0, 100]: 36 * 0.01 = 0.36" in invoice.to_text()
    assert invoice.total == D("0.36")
    assert ledger.to_text() == invoice.to_text()


def test_a_place_moved_by_a_record_fed_out_of_order_before_the_closing() -> None:
    # k2's 30 calls said at 06:00; k1's 20, stamped 03:00, fed after it and said at
    # 12:00 (k1 0 -> 20; k2 now 20 -> 50 at 0.30: its total stands, not said). The
    # closing says again both lines whose charges hold places, to the same totals.
    said, invoice, ledger = run(
        plan(ON_1),
        [([calls("k2", 1, 30, "a")], 6), ([calls("k1", 3, 20, "b")], 12), ([], 24)],
    )
    assert told(said[1]) == [("charge", "k1", D(20), D("0.20"), [(D(0), D(20))])]
    assert told(said[2]) == [
        ("reversal", "k1", D(-20), D("-0.20"), []),
        ("correction", "k1", D(20), D("0.20"), [(D(0), D(20))]),
        ("reversal", "k2", D(-30), D("-0.30"), []),
        ("correction", "k2", D(30), D("0.30"), [(D(20), D(50))]),
    ]
    assert "tiers[0] (0, 100]: 50 * 0.01 = 0.50" in invoice.to_text()
    assert ledger.to_text() == invoice.to_text()


def test_a_place_moved_by_a_line_gone_prints_its_own_tier_again() -> None:
    # Two tiers at one price: (0, 2] and (2, ∞) at 0.1 an hour. At 03:00 vm-1 has run 3
    # hours (0 -> 3, 0.30) and vm-2 01:00..02:00 (3 -> 4, tiers[1], 0.10). A stop of vm-1
    # at its start, fed late, takes its line away whole; vm-2 is then 0 -> 1, tiers[0],
    # at 0.10: said again with it (alone at the closing, it is not said there), or the
    # ledger prints 'tiers[1] (2, ∞): 1 * 0.1' where the closing invoice prints
    # 'tiers[0] (0, 2]: 1 * 0.1'.
    price = rk.Graduated([rk.Tier(2, "0.1"), rk.Tier(None, "0.1")])
    said, invoice, ledger = run(
        plan(price, "vm.hours"),
        [
            (
                [
                    vm("vm-1", 0, "start", "a"),
                    vm("vm-2", 1, "start", "b"),
                    vm("vm-2", 2, "stop", "c"),
                ],
                3,
            ),
            ([vm("vm-1", 0, "stop", "d")], 4),
            ([], 24),
        ],
        VM,
    )
    assert told(said[0]) == [
        ("charge", "vm-1", D(3), D("0.3"), [(D(0), D(3))]),
        ("charge", "vm-2", D(1), D("0.1"), [(D(3), D(4))]),
    ]
    assert told(said[1]) == [
        ("reversal", "vm-1", D(-3), D("-0.3"), []),
        ("reversal", "vm-2", D(-1), D("-0.1"), []),
        ("correction", "vm-2", D(1), D("0.1"), [(D(0), D(1))]),
    ]
    assert said[2] == []
    assert "tiers[0] (0, 2]: 1 * 0.1 = 0.10" in invoice.to_text()
    assert ledger.to_text() == invoice.to_text()


def test_seed_886080_cut_down_a_vm_whose_runs_another_vm_fed_late_comes_between() -> None:
    # The law's seed 886080, cut down: the first 10 hours free, then 0.09 a block of 4.
    # vm-0 runs 00:00..04:00 and 08:00..12:00, said at 13:00 (0 -> 4, 4 -> 8: 0.00).
    # vm-1's run 05:00..07:00 is fed with the closing: in time order vm-0 0 -> 4, vm-1
    # 4 -> 6, vm-0 6 -> 10, all free. vm-0's total stands (8 hours, 0.00): said again,
    # or the ledger's charges climb twice (0 -> 4 -> 8 and 4 -> 6) and print per VM
    # ('vm-0 · tiers[0] (0, 10]: 8 * 0', 'vm-1 · tiers[0] (0, 10]: 2 * 0').
    price = rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.09", block=4)])
    runs: list[tuple[str, int, Kind]] = [
        ("vm-0", 0, "start"),
        ("vm-0", 4, "stop"),
        ("vm-0", 8, "start"),
        ("vm-0", 12, "stop"),
    ]
    said, invoice, ledger = run(
        plan(price, "vm.hours"),
        [
            ([vm(r, h, kind, f"e{i}") for i, (r, h, kind) in enumerate(runs)], 13),
            ([vm("vm-1", 5, "start", "f"), vm("vm-1", 7, "stop", "g")], 24),
        ],
        VM,
    )
    assert told(said[0]) == [("charge", "vm-0", D(8), D(0), [(D(0), D(4)), (D(4), D(8))])]
    assert told(said[1]) == [
        ("reversal", "vm-0", D(-8), D(0), []),
        ("correction", "vm-0", D(8), D(0), [(D(0), D(4)), (D(6), D(10))]),
        ("charge", "vm-1", D(2), D(0), [(D(4), D(6))]),
    ]
    assert "tiers[0] (0, 10]: 10 * 0 = 0.00" in invoice.to_text()
    assert ledger.to_text() == invoice.to_text()


def test_a_line_of_a_price_without_tiers_is_not_said_again_at_the_closing() -> None:
    # The contrast: per unit, a charge has no place; k2's 0.30 stands and prints alike.
    said, invoice, ledger = run(
        plan(rk.PerUnit("0.01")),
        [([calls("k2", 1, 30, "a")], 2), ([calls("k1", 5, 20, "b")], 24)],
    )
    assert told(said[1]) == [("charge", "k1", D(20), D("0.20"), [(None, None)])]
    assert invoice.total == D("0.50")
    assert ledger.to_text() == invoice.to_text()


# -- the law over tiered plans, with records late and out of order ------------------------


def _price(rng: random.Random) -> rk.PriceModel:
    return rng.choice(
        (
            rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.09", block=4)]),
            rk.Graduated([rk.Tier(20, "0.01"), rk.Tier(60, "0.01"), rk.Tier(None, "0.004")]),
            rk.Volume([rk.Tier(30, "0.02"), rk.Tier(None, "0.01")]),
            rk.Package(10, "0.05", free=rng.choice((0, 5))),
        )
    )


def _tiered(seed: int) -> _plan_streams.Case:
    """Tiered prices by the group's total on calls and VM hours, allowances or not, one
    plan or a switch; several resources each, deltas (some negative, some over a span)
    and runs, fed out of order and late (within the horizon), restores between."""
    rng = random.Random(seed)
    cycle = rng.choice((DAYS, rk.cycles.weekly(tz="UTC", weekday="Mon")))
    t0 = to_us("2026-03-02T00:00:00Z")
    hour = _plan_streams.HOUR_US
    span_h = rng.choice((30, 60, 200))

    def tiered(name: str) -> rk.Plan:
        allowances = []
        if rng.random() < 0.4:
            allowances.append(rk.Allowance("calls", rng.choice((5, 40))))
        if rng.random() < 0.3:
            allowances.append(rk.Allowance("runtime", rng.choice((3, 12))))
        return rk.Plan(
            name,
            "EUR",
            cycle,
            [
                rk.PriceEntry(
                    "calls", "calls", _price(rng), group_by=rng.choice((None, None, "resource"))
                ),
                rk.PriceEntry("runtime", "runtime", _price(rng)),
            ],
            allowances=allowances,
        )

    first = tiered("first")
    plans: rk.Plan | tuple[rk.Assignment, ...] = first
    if rng.random() < 0.3:
        switch = format_us(t0 + rng.randrange(1, span_h) * hour)
        plans = (
            rk.Assignment("a", first, end=switch),
            rk.Assignment("a", tiered("second"), start=switch),
        )
    records: list[rk.Event | rk.Sample] = []
    for r in range(rng.randint(1, 4)):
        for _ in range(rng.randint(1, 4)):
            when = t0 + rng.randrange(span_h * 2) * hour // 2
            since = None
            if rng.random() < 0.2 and when - 5 * hour >= t0:
                since = format_us(when - rng.randrange(1, 5) * hour)
            records.append(
                rk.Sample(
                    "a",
                    f"k{r}",
                    "calls",
                    format_us(when),
                    rng.choice((rng.randrange(1, 40), -rng.randrange(1, 10))),
                    since=since,
                    id=f"d{len(records)}",
                )
            )
    for r in range(rng.randint(0, 3)):
        times = sorted(t0 + rng.randrange(span_h) * hour for _ in range(rng.randint(1, 4)))
        for i, when in enumerate(times):
            kind: Kind = "stop" if i % 2 else "start"
            records.append(
                rk.Event("a", f"vm{r}", format_us(when), kind=kind, id=f"e{len(records)}")
            )
    horizon_us = rng.choice((0, 3, 30)) * hour
    start_us = cycle.containing_us(t0)[0]
    last = max(r.at_us for r in records)
    final_us = cycle.containing_us(last)[1] + horizon_us
    ops = _plan_streams.schedule(rng, records, cycle, horizon_us, start_us, final_us)
    return _plan_streams.Case(plans, cycle, horizon_us, start_us, tuple(records), ops, final_us)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_lines_as_they_stand_of_tiered_streams_print_the_closing_invoices(seed: int) -> None:
    case = _tiered(seed)
    statements, _ = _plan_streams.run(case)
    span = rk.Span(format_us(case.start_us), format_us(case.final_us))
    batch = rk.rate(list(case.records), case.plans, span=span, meters=_plan_streams.METERS)
    check(statements, rk.bill(batch))
