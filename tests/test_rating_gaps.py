"""Usage where its account has no plan: before its first assignment, in a gap, after its last.

An account some assignment names is charged for its usage under the plan assigned where
the usage happens; the part of a usage row where none of its assignments holds is not
charged and is named by an ``unpriced`` anomaly (meter, account, resource, span,
quantity, and the account's assignments). Usage of an account no assignment names is an
error. Batch `rate()` and the `Rater` agree (the rater refuses at the feed a record
stamped where its account has no plan; a stop is taken anywhere).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm", "hour", rk.OnOff())
ORIGIN = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
PLAN = rk.Plan("d", "EUR", DAILY, [rk.PriceEntry("vm", "vm", rk.PerUnit("1.5"))])
END = 48  # the hours rated: two daily cycles


def _at(hours: int) -> dt.datetime:
    return ORIGIN + hours * HOUR


def test_a_stop_in_a_gap_charges_the_running_time_before_it() -> None:
    plans = [
        rk.Assignment("a", PLAN, end=_at(10)),
        rk.Assignment("a", PLAN, start=_at(20)),
    ]
    records = [
        rk.Event("a", "v", _at(4), kind="start", id="on"),
        rk.Event("a", "v", _at(14), kind="stop", id="off"),
    ]
    rating = rk.rate(records, plans, span=rk.Span(_at(0), _at(END)), meters=[VM])
    # Running 04:00..14:00; the gap is 10:00..20:00: 6 hours charged x 1.5 = 9.0, and
    # 4 hours (10:00..14:00) not charged.
    (charge,) = rating.charges
    assert (charge.quantity, charge.amount) == (Decimal(6), Decimal("9.0"))
    assert charge.span == rk.Span(_at(4), _at(10))
    (anomaly,) = rating.anomalies
    assert anomaly.kind == "unpriced"
    assert (anomaly.account, anomaly.resource, anomaly.at) == ("a", "v", _at(10))
    assert str(anomaly) == (
        "usage of meter 'vm' by account 'a' (resource 'v', 4 hour) over "
        "2026-03-01T10:00:00Z..2026-03-01T14:00:00Z has no plan: the account has no plan "
        "assigned there (its assignments: 'd' until 2026-03-01T10:00:00Z, 'd' from "
        "2026-03-01T20:00:00Z): not charged."
    )


def test_usage_after_the_last_assignment_is_named_and_the_rater_agrees() -> None:
    plans = [rk.Assignment("a", PLAN, end=_at(30))]
    start = rk.Event("a", "v", _at(26), kind="start", id="on")
    rater = rk.Rater(plans, [VM], start=_at(0))
    rater.feed([start])
    closed = rater.statement(_at(END))
    # 26:00..30:00 charged: 4 hours x 1.5 = 6.0; 30:00..48:00 (18 hours) has no plan.
    assert [invoice.total for invoice in closed.invoices] == [Decimal("6.00")]
    (anomaly,) = closed.anomalies
    assert "(resource 'v', 18 hour) over 2026-03-02T06:00:00Z..2026-03-03T00:00:00Z" in str(anomaly)
    assert str(anomaly).endswith("(its assignments: 'd' until 2026-03-02T06:00:00Z): not charged.")
    batch = rk.rate([start], plans, span=rk.Span(_at(0), _at(END)), meters=[VM])
    assert batch.total() == Decimal(6)


def test_an_account_no_assignment_names_is_still_an_error() -> None:
    plans = [rk.Assignment("a", PLAN)]
    records = [rk.Event("b", "v", _at(4), kind="start", id="on")]
    with pytest.raises(rk.UnpricedUsageError, match=r"assign it one with rk\.Assignment"):
        rk.rate(records, plans, span=rk.Span(_at(0), _at(END)), meters=[VM])


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    first=st.none() | st.integers(0, 12),
    gap=st.tuples(st.integers(1, 40), st.integers(1, 12)),
    last=st.none() | st.integers(1, 10),
    run=st.tuples(st.integers(0, END - 1), st.none() | st.integers(1, END)),
    watermark=st.integers(0, END),
)
def test_running_time_is_charged_exactly_where_its_account_has_a_plan(
    first: int | None,
    gap: tuple[int, int],
    last: int | None,
    run: tuple[int, int | None],
    watermark: int,
) -> None:
    """Oracle: sets of hour ticks. Charged hours are the run's ticks some assignment holds."""
    lo, hi = gap[0], gap[0] + gap[1]
    start = 0 if first is None else min(first, lo - 1)
    stop = None if last is None else hi + last
    plans = [
        rk.Assignment("a", PLAN, start=None if first is None else _at(start), end=_at(lo)),
        rk.Assignment("a", PLAN, start=_at(hi), end=None if stop is None else _at(stop)),
    ]
    held = {
        t
        for t in range(END)
        if ((first is None or start <= t) and t < lo) or (hi <= t and (stop is None or t < stop))
    }
    on, length = run
    off = None if length is None else min(on + length, END)
    ran = set(range(on, END if off is None else off))
    records = [rk.Event("a", "v", _at(on), kind="start", id="on")]
    if off is not None:
        records.append(rk.Event("a", "v", _at(off), kind="stop", id="off"))
    rating = rk.rate(records, plans, span=rk.Span(_at(0), _at(END)), meters=[VM])
    assert Fraction(rating.total()) == Fraction(3, 2) * len(ran & held)
    named = sum(
        (Fraction(str(a).split("', ")[1].split(" hour)")[0]) for a in rating.anomalies),
        Fraction(0),
    )
    assert named == len(ran - held)
    assert {a.kind for a in rating.anomalies} <= {"unpriced"}
    # The rater, fed the start, a statement, then the stop, closes the same total.
    rater = rk.Rater(plans, [VM], start=_at(0))
    if on not in held:
        with pytest.raises(rk.UnpricedUsageError, match="where the account has no plan"):
            rater.feed(records[:1])
        return
    rater.feed(records[:1])
    # A watermark before the stop (a stop later than the horizon is another rule's).
    watermark = watermark if off is None else min(watermark, off)
    totals = [invoice.total for invoice in rater.statement(_at(watermark)).invoices]
    rater.feed(records[1:])
    totals += [invoice.total for invoice in rater.statement(_at(END)).invoices]
    assert sum(totals) == rating.total()
