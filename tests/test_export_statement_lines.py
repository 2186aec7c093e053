"""A streaming rater's statement lines as rows, and back (`rk.to_row`, `rk.from_row`).

A ledger stores the lines of every statement: each role (first charge, increment,
reversal, correction, a late line of a closed cycle) reads back equal, with its charges
or, stored without them, with none; a row edited into a line that cannot be is refused.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

HOURS = rk.Meter("hours", "hour", rk.OnOff())
DAILY = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "hours", rk.PerUnit("0.5"))]
)


def _json(value: object) -> object:
    """Through real JSON text, so nothing but JSON types can survive."""
    return json.loads(json.dumps(value))


def _event(resource: str, hour: int, kind: str, name: str) -> rk.Event:
    # vm-1 is acme's, vm-2 beta's: a late record of one account leaves the other's
    # lines as increments.
    account = "acme" if resource == "vm-1" else "beta"
    return rk.Event(account, resource, f"2026-03-01T{hour:02d}:00:00Z", kind=kind, id=name)


def _lines() -> list[rk.StatementLine]:
    """Every role: a charge, an increment, a reversal and a correction, then late ones."""
    rater = rk.Rater(DAILY, [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([_event("vm-1", 2, "start", "s1"), _event("vm-2", 6, "start", "s2")])
    lines = list(rater.statement("2026-03-01T12:00:00Z").lines)
    rater.feed([_event("vm-1", 10, "stop", "t1")])  # stamped before the watermark: late
    lines += rater.statement("2026-03-01T18:00:00Z").lines
    rater.statement("2026-03-02T00:00:00Z")  # 1 March closes (no horizon)
    rater.feed([_event("vm-2", 20, "stop", "t2")])  # for the closed 1 March
    lines += rater.statement("2026-03-02T01:00:00Z").lines
    return lines


def test_every_role_of_a_statement_line_reads_back_equal_with_its_charges() -> None:
    lines = _lines()
    # 12:00: vm-1 from 02:00, 10 h x 0.5 = 5.0; vm-2 from 06:00, 6 h x 0.5 = 3.0.
    # 18:00: vm-1 stopped at 10:00 (seen late): -10 h, -5.0 then 8 h, 4.0 anew; vm-2
    # (another account) 6 h more, 3.0. 1 March closes at midnight (vm-2, 18 h, 9.0).
    # vm-2 stopped at 20:00 after that: -18 h, -9.0 then 14 h, 7.0, both late.
    assert [(x.role, x.resource, x.quantity, x.amount, x.late) for x in lines] == [
        ("charge", "vm-1", Decimal(10), Decimal("5.0"), False),
        ("charge", "vm-2", Decimal(6), Decimal("3.0"), False),
        ("reversal", "vm-1", Decimal(-10), Decimal("-5.0"), False),
        ("correction", "vm-1", Decimal(8), Decimal("4.0"), False),
        ("increment", "vm-2", Decimal(6), Decimal("3.0"), False),
        ("reversal", "vm-2", Decimal(-18), Decimal("-9.0"), True),
        ("correction", "vm-2", Decimal(14), Decimal("7.0"), True),
    ]
    for line in lines:
        row = _json(rk.to_row(line))
        assert isinstance(row, dict)
        back = rk.from_row(rk.StatementLine, row)
        assert back == line
        assert back.charges == line.charges
        assert [c.row for c in back.charges] == [c.row for c in line.charges]


def test_a_ledger_row_without_charges_reads_back_with_none() -> None:
    line = _lines()[3]  # the correction: 8 h, 4.0 EUR
    row = {key: value for key, value in rk.to_row(line).items() if key != "charges"}
    assert row == {
        "account": "acme",
        "cycle_start": "2026-03-01T00:00:00Z",
        "cycle_end": "2026-03-02T00:00:00Z",
        "kind": "usage",
        "plan": "p",
        "meter": "hours",
        "entry": "vm",
        "resource": "vm-1",
        "unit": "hour",
        "currency": "EUR",
        "quantity": "8",
        "amount": "4.0",
        "role": "correction",
        "late": False,
    }
    back = rk.from_row(rk.StatementLine, _json(row))
    assert (back, back.charges) == (line, ())


def _row(index: int) -> dict[str, object]:
    row = _json(rk.to_row(_lines()[index]))
    assert isinstance(row, dict)
    return row


def test_a_reversal_that_carries_charges_is_refused() -> None:
    row = _row(2)  # the reversal of vm-1's line
    row["charges"] = _row(0)["charges"]
    with pytest.raises(
        rk.BadDataError,
        match=r"^charges: a reversal carries no charges \(it cancels the line reported\), "
        r"not 1; give \[\] or leave the key out\.$",
    ):
        rk.from_row(rk.StatementLine, row)


@pytest.mark.parametrize(("field", "value"), [("quantity", "9"), ("amount", "4.5")])
def test_a_line_given_anew_that_is_not_its_charges_sum_is_refused(field: str, value: str) -> None:
    row = _row(3)  # the correction: 8 h, 4.0 EUR, of one charge
    row[field] = value
    total = {"quantity": "8", "amount": "4.0"}[field]
    with pytest.raises(
        rk.BadDataError,
        match=rf"^{field}: '{value}' is not the sum of the line's charges, {total}, as a "
        r"'correction' line is; a row changed by hand must keep the line's amounts consistent\.$",
    ):
        rk.from_row(rk.StatementLine, row)


def test_an_increment_is_a_difference_not_its_charges_sum() -> None:
    row = _row(4)  # vm-2's increment: 6 h, 3.0 EUR, with the line's 12 h of charges
    line = rk.from_row(rk.StatementLine, row)
    # 06:00 to 18:00 = 12 h (6.0 EUR) as the line now stands, 6 h (3.0) more than said
    assert (line.quantity, line.amount) == (6, Decimal("3.0"))
    assert (sum(c.quantity for c in line.charges), sum(c.amount for c in line.charges)) == (
        12,
        Decimal("6.0"),
    )


def test_a_charge_of_another_line_is_refused() -> None:
    row = _row(0)  # vm-1's first line
    other = _row(1)["charges"]  # vm-2's charge: beta's, so another line
    row["charges"] = other
    row["quantity"], row["amount"] = "6", "3.0"  # (its sums, so only the line is wrong)
    with pytest.raises(
        rk.BadDataError,
        match=r"^charges\[0\]\.account: 'beta' is not the line's account, 'acme': a "
        r"statement line holds the charges of its own invoice line\.$",
    ):
        rk.from_row(rk.StatementLine, row)


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, FLOOR), deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["vm-1", "vm-2"]), st.integers(0, 47), st.booleans()),
        max_size=8,
    ),
    st.lists(st.integers(1, 50), min_size=1, max_size=4, unique=True),
)
def test_every_statement_line_of_a_stream_reads_back_equal(
    events: list[tuple[str, int, bool]], watermarks: list[int]
) -> None:
    # Starts and stops of two VMs over two days, fed one at a time in the order drawn
    # (so some late), with statements at hours drawn: every line, with or without its
    # charges, reads back through JSON as it was given.
    rater = rk.Rater(DAILY, [HOURS], start="2026-03-01T00:00:00Z")
    lines: list[rk.StatementLine] = []
    for number, (resource, hour, on) in enumerate(events):
        at = f"2026-03-0{1 + hour // 24}T{hour % 24:02d}:00:00Z"
        rater.feed(
            [rk.Event("acme", resource, at, kind="start" if on else "stop", id=f"e{number}")]
        )
        for mark in [m for m in sorted(watermarks) if m <= 2 * (number + 1)]:
            watermarks.remove(mark)
            statement = rater.statement(f"2026-03-0{1 + mark // 24}T{mark % 24:02d}:00:00Z")
            lines += [*statement.lines, *statement.reported_only]
    lines += rater.statement("2026-03-04T00:00:00Z").lines
    for line in lines:
        row = _json(rk.to_row(line))
        assert isinstance(row, dict)
        back = rk.from_row(rk.StatementLine, row)
        assert (back, back.charges) == (line, line.charges)
        del row["charges"]
        assert rk.from_row(rk.StatementLine, row) == line


@pytest.mark.parametrize(
    ("key", "value", "field", "theirs", "mine"),
    [
        ("plan", "q", "plan", "'p'", "'q'"),
        ("entry", "other", "entry", "'vm'", "'other'"),
        ("unit", "minute", "unit", "'hour'", "'minute'"),
        ("currency", "USD", "currency", "'EUR'", "'USD'"),
        ("kind", "fee", "kind", "'usage'", "'fee'"),
        (
            "cycle_end",
            "2026-03-03T00:00:00Z",
            "cycle",
            r"'2026-03-01T00:00:00Z\.\.2026-03-02T00:00:00Z'",
            r"'2026-03-01T00:00:00Z\.\.2026-03-03T00:00:00Z'",
        ),
    ],
)
def test_a_line_edited_away_from_its_charges_is_refused(
    key: str, value: str, field: str, theirs: str, mine: str
) -> None:
    row = _row(0)
    row[key] = value
    with pytest.raises(
        rk.BadDataError,
        match=rf"^charges\[0\]\.{field}: {theirs} is not the line's {field}, {mine}: a "
        r"statement line holds the charges of its own invoice line\.$",
    ):
        rk.from_row(rk.StatementLine, row)
