"""A statement prices what is new, not the month again, when nothing is due with time alone.

Under a plan without fees, minimums, allowances or bases, a graduated price per account
is priced on from where its group stood at the last statement: the rows rated before
keep their charges, and only the new rows (and a row the book extended) are rated. A
record that sorts before where the group stands (late inside the open cycle) makes the
statement rate the account's rows whole again. Either way the lines add up to batch
``rate()``.

Monthly cycle (UTC); VM hours per account, graduated: the first 4 h at 1.00, the rest at 0.50.
VMs on 1 March: vm1 00:00-03:00, vm2 from 03:30 (running), vm3 04:00-04:30; statements at
03:15, 05:00 and 06:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import _rater_engine

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("vm", "runtime", rk.Graduated([rk.Tier(4, 1), rk.Tier(None, "0.5")]))],
)
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def event(resource: str, at: str, kind: str) -> rk.Event:
    return rk.Event("a", resource, f"2026-03-01T{at}:00Z", kind=kind, id=f"{resource}-{kind}")


FIRST = [event("vm1", "00:00", "start"), event("vm1", "03:00", "stop")]
SECOND = [
    event("vm2", "03:30", "start"),
    event("vm3", "04:00", "start"),
    event("vm3", "04:30", "stop"),
]


@contextmanager
def rated_rows(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The resources of the rows each statement hands to rating (one list per rating)."""
    seen: list[list[str]] = []
    rate_rows = _rater_engine.Engine.rate_rows

    def spy(
        self: _rater_engine.Engine, rows: list[rk.UsageRow], *args: object, **options: object
    ) -> object:
        seen.append(sorted(row.resource for row in rows))
        return rate_rows(self, rows, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(_rater_engine.Engine, "rate_rows", spy)
    yield seen


def lines(statement: rk.Statement) -> list[tuple[str | None, str, Decimal, Decimal]]:
    return [(x.resource, x.role, x.quantity, x.amount) for x in statement.lines]


def statements(rater: rk.Rater) -> list[rk.Statement]:
    rater.feed(FIRST)
    first = rater.statement("2026-03-01T03:15:00Z")
    rater.feed(SECOND)
    return [first, rater.statement("2026-03-01T05:00:00Z"), rater.statement("2026-03-01T06:00:00Z")]


def test_a_graduated_price_is_priced_on_from_where_the_last_statement_left_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rater = rk.Rater(PLAN, [RUNTIME], start="2026-03-01T00:00:00Z")
    with rated_rows(monkeypatch) as seen:
        first, second, third = statements(rater)
    # vm1: 3 h x 1.00 = 3.00.
    assert lines(first) == [("vm1", "charge", Decimal(3), Decimal(3))]
    # In order of start: vm2 from 3 h, 1.5 h: 1 x 1.00 + 0.5 x 0.50 = 1.25; vm3 from
    # 4.5 h, 0.5 h x 0.50 = 0.25.
    assert lines(second) == [
        ("vm2", "charge", Decimal("1.5"), Decimal("1.25")),
        ("vm3", "charge", Decimal("0.5"), Decimal("0.25")),
    ]
    # vm2 runs on to 06:00, 2.5 h from 3 h: 1 x 1.00 + 1.5 x 0.50 = 1.75 (+0.50); vm3
    # after it, from 5.5 h: 0.25 again (no line).
    assert lines(third) == [("vm2", "increment", Decimal(1), Decimal("0.50"))]
    # 6 h in batch: 4 x 1.00 + 2 x 0.50 = 5.00 = 3.00 + 1.25 + 0.25 + 0.50.
    records = [*FIRST, *SECOND]
    as_of = "2026-03-01T06:00:00Z"
    assert rk.rate(records, PLAN, span=MARCH, meters=[RUNTIME], as_of=as_of).total() == Decimal(5)
    # What was rated: vm1 once; then vm2 and vm3 priced on from vm1's 3 h; then vm2's
    # row, which ran on, and vm3's after it, from vm1's 3 h again.
    assert seen == [["vm1"], ["vm2", "vm3"], ["vm2", "vm3"]]


def late_vm(monkeypatch: pytest.MonkeyPatch, start: str, stop: str) -> list[str]:
    """The three statements, then vm4 (late) over ``start``..``stop``: what was rated last.

    Checks the fourth statement's lines and batch rate(): vm4's hour at 1.00 (3 h or 4 h
    before it, under the first tier either way); vm1 3.00 (no line); vm2 from 4 h, 3.5 h
    x 0.50 = 1.75 (the amount of before, for an hour more); vm3 from 7.5 h: 0.25 (no
    line). 8 h in batch: 4 x 1.00 + 4 x 0.50 = 6.00 = 5.00 - 1.75 + 1.75 + 1.00.
    """
    rater = rk.Rater(PLAN, [RUNTIME], start="2026-03-01T00:00:00Z")
    late = [event("vm4", start, "start"), event("vm4", stop, "stop")]
    with rated_rows(monkeypatch) as seen:
        statements(rater)
        rater.feed(late)
        fourth = rater.statement("2026-03-01T07:00:00Z")
    assert lines(fourth) == [
        ("vm2", "reversal", Decimal("-2.5"), Decimal("-1.75")),
        ("vm2", "correction", Decimal("3.5"), Decimal("1.75")),
        ("vm4", "charge", Decimal(1), Decimal(1)),
    ]
    records = [*FIRST, *SECOND, *late]
    as_of = "2026-03-01T07:00:00Z"
    assert rk.rate(records, PLAN, span=MARCH, meters=[RUNTIME], as_of=as_of).total() == Decimal(6)
    return seen[-1]


def test_a_record_behind_where_its_group_stands_rates_the_account_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # vm4 00:00-01:00 sorts first (it starts with vm1 and ends before it), before where
    # the group stood (vm1's 3 h): every row is rated again.
    assert late_vm(monkeypatch, "00:00", "01:00") == ["vm1", "vm2", "vm3", "vm4"]


def test_a_record_after_where_its_group_stands_is_priced_on_from_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # vm4 01:00-02:00 is late, but after vm1 in the group's order (it starts later):
    # vm1's charge stands, and the rest is priced on from its 3 h.
    assert late_vm(monkeypatch, "01:00", "02:00") == ["vm2", "vm3", "vm4"]
