"""The law of a seat plan covering whole hours of a month, against a Fraction oracle.

A plan covers [s, e) hours of April (720 hours, UTC) and prices the month's peak of seats
per unit, with the first A seats free and a commitment of M, rounded by any mode. The
peak is shared by the plan's part of the month, f = (e - s) / 720, and so are the
allowance and the commitment (docs/usage.md, "Aggregations that do not add up"). So the
usage line is (max(N - A, 0) x f x price), rounded once on the cent from the exact
amount; the commitment is M x f rounded on the cent, and a minimum line tops the usage
line up to it when it falls short (docs/invoices.md, the rule).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rounding import MODES
from tests.test_licensing_newcomer_seats import APRIL, SEATS, UTC_MONTHS, rounded

import ratekit as rk

HOURS = 720


@st.composite
def _cases(
    draw: st.DrawFn,
) -> tuple[int, int, list[tuple[int, int]], Decimal, int | None, int | None, str]:
    start = draw(st.integers(0, HOURS - 1))
    end = draw(st.integers(start + 1, HOURS))
    readings = draw(
        st.lists(st.tuples(st.integers(0, HOURS - 1), st.integers(0, 500)), min_size=1, max_size=3)
    )
    price = Decimal(draw(st.integers(1, 10**6))).scaleb(-draw(st.integers(0, 6)))
    allowance = draw(st.none() | st.integers(0, 600))
    minimum = draw(st.none() | st.integers(0, 10**5))
    mode = draw(st.sampled_from(MODES))
    return start, end, readings, price, allowance, minimum, mode


def _at(hour: int) -> dt.datetime:
    return APRIL.start + dt.timedelta(hours=hour)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(_cases())
def test_a_seat_plan_over_whole_hours_bills_what_fractions_say(
    case: tuple[int, int, list[tuple[int, int]], Decimal, int | None, int | None, str],
) -> None:
    start, end, readings, price, allowance, minimum, mode = case
    plan = rk.Plan(
        "seats",
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("seat", "seats", rk.PerUnit(price))],
        allowances=[] if allowance is None else [rk.Allowance("seats", allowance)],
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
        rounding=mode,
    )
    levels = dict(sorted(readings))  # one reading an hour: the last drawn for it
    samples = [
        rk.Sample("acme", "app", "seats", _at(hour), value, kind="gauge", id=f"r{hour}")
        for hour, value in levels.items()
    ]
    assigned = [rk.Assignment("acme", plan, start=_at(start), end=_at(end))]
    rating = rk.rate(samples, assigned, span=APRIL, meters=[SEATS])

    seats = max(levels.values())
    share = Fraction(end - start, HOURS)
    free = min(seats, allowance or 0)
    usage = rounded((seats - free) * share * Fraction(price), mode)
    committed = None if minimum is None else rounded(minimum * share, mode)
    (invoice,) = rk.bill(rating)
    by_kind: dict[str, list[Decimal]] = {}
    for line in invoice.lines:
        by_kind.setdefault(line.kind, []).append(line.amount)
    assert sum(by_kind.get("usage", []), Decimal(0)) == usage
    if committed is not None and usage < committed:
        assert by_kind.get("minimum") == [committed - usage]
        assert invoice.total == committed
    else:
        assert "minimum" not in by_kind or by_kind["minimum"] == [Decimal("0.00")]
        assert invoice.total == usage
