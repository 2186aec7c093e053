"""A rating's charges are put in order account by account: the order one stable sort gives.

`in_charge_order` gathers the charges by account, cycle, kind and meter and sorts a
gathering only where it is out of order (rating's mostly come in order: no key is built
then); it must give exactly the list, object for object, that
``sorted(charges, key=_charge_key)`` gives, ties kept in the order given. So must
`in_row_order`, the order rows are rated in, against ``sorted(rows, key=_row_key)``.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._charge_order import _charge_key, _row_key, in_charge_order, in_row_order

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def charge(  # noqa: PLR0917 - drawn by st.builds, positionally
    account: str,
    meter: str | None = "cpu",
    hour: int = 0,
    cycle: rk.Span = MARCH,
    kind: str = "usage",
    amount: str = "1",
) -> rk.Charge:
    start = cycle.start_us + hour * 3_600_000_000
    return rk.Charge(
        account,
        meter,
        None if kind != "usage" else "vm",
        rk.Span.from_us(start, start + 3_600_000_000),
        cycle,
        Decimal(1),
        "hour",
        Decimal(amount),
        "EUR",
        "p",
        None if kind != "usage" else "e",
        None,
        kind=kind,  # type: ignore[arg-type]
    )


def test_charges_come_account_by_account_each_in_the_charge_order() -> None:
    # Given: b's April hour, a's fee, a's hour 2, b's March hour, a's hour 1, a's April
    # hour. In order: a (March: usage hour 1, hour 2, then its fee; April), then b
    # (March, then April): the account first, then the cycle, then the kind.
    b_april = charge("b", cycle=APRIL)
    a_fee = charge("a", meter=None, kind="fee")
    a_2 = charge("a", hour=2)
    b_march = charge("b")
    a_1 = charge("a", hour=1)
    a_april = charge("a", cycle=APRIL)
    got = in_charge_order([b_april, a_fee, a_2, b_march, a_1, a_april])
    assert [id(c) for c in got] == [id(c) for c in (a_1, a_2, a_fee, a_april, b_march, b_april)]


def test_equal_charges_keep_the_order_they_were_given_in() -> None:
    # Two charges of one key (the amount is not in it): the first given stays first,
    # as a stable sort keeps it, also when another account's charges come between them.
    first, second = charge("a", amount="1"), charge("a", amount="2")
    got = in_charge_order([first, charge("b"), second])
    assert got[0] is first
    assert got[1] is second


def test_no_charges_are_none() -> None:
    assert in_charge_order([]) == []


def test_a_rating_gives_its_charges_in_the_order_of_the_charge_key() -> None:
    # Three accounts' hours of two VMs across the cycle's end, rated: the rating's
    # charges are in order, and shuffling them and ordering them again gives them back.
    meters = [rk.Meter("cpu", "hour", rk.OnOff())]
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.5"))]
    )
    records = [
        rk.Event(account, vm, at, kind=kind)
        for account in ("c", "a", "b")
        for vm in ("vm2", "vm1")
        for at, kind in (("2026-03-31T22:00:00Z", "start"), ("2026-04-01T03:00:00Z", "stop"))
    ]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    charges = list(rk.rate(records, plan, span=span, meters=meters).charges)
    assert charges == sorted(charges, key=_charge_key)
    shuffled = charges[:]
    random.Random(7).shuffle(shuffled)
    assert [id(c) for c in in_charge_order(shuffled)] == [id(c) for c in charges]


_CHARGES = st.lists(
    st.builds(
        charge,
        st.sampled_from(["a", "b", "c", "é", "A"]),
        st.sampled_from(["cpu", "egress", None]),
        st.integers(0, 3),
        st.sampled_from([MARCH, APRIL]),
        st.sampled_from(["usage", "fee", "minimum"]),
        st.sampled_from(["1", "2", "0"]),
    ),
    max_size=40,
)


def assert_one_stable_sort(charges: list[rk.Charge]) -> None:
    """``in_charge_order`` gives, object for object, what one stable sort by the key gives."""
    expected = sorted(charges, key=_charge_key)
    got = in_charge_order(charges)
    assert [id(c) for c in got] == [id(c) for c in expected]


@pytest.mark.property
@settings(max_examples=LAWS)
@given(_CHARGES)
def test_ordering_account_by_account_is_one_stable_sort(charges: list[rk.Charge]) -> None:
    # The oracle: one stable sort of every charge by the charge key. Object for object
    # (equal charges and ties included, their order as given).
    assert_one_stable_sort(charges)


def ticked(  # noqa: PLR0917 - drawn by st.builds, positionally
    account: str, resource: str | None, hour: int, hours: int, entry: str | None, quantity: int
) -> rk.Charge:
    start = MARCH.start_us + hour * 3_600_000_000
    return rk.Charge(
        account,
        "cpu",
        resource,
        rk.Span.from_us(start, start + hours * 3_600_000_000),
        MARCH,
        Decimal(quantity),
        "hour",
        Decimal(1),
        "EUR",
        "p",
        entry,
        None,
    )


def test_charges_in_order_but_for_their_entry_are_put_in_order() -> None:
    # One resource's two charges over one hour: equal but for the entry and quantity.
    # The entry comes first in the key ("a" before "b"), though the quantity says 1, 2.
    b_1 = ticked("acme", "vm", 0, 1, "b", 1)
    a_2 = ticked("acme", "vm", 0, 1, "a", 2)
    c_0 = ticked("acme", "vm", 1, 1, "a", 0)
    got = in_charge_order([b_1, a_2, c_0])
    assert [id(c) for c in got] == [id(c) for c in (a_2, b_1, c_0)]


def test_a_later_start_of_one_resource_keeps_its_place_a_shorter_span_does_not() -> None:
    # vm's hours 0-2 then 1-2 are in order (a later start); vm's 0-2 then 0-1 are not
    # (one start, the shorter span first), nor is wm before vm.
    assert in_charge_order(
        [first := ticked("a", "vm", 0, 2, "e", 1), second := ticked("a", "vm", 1, 1, "e", 1)]
    ) == [first, second]
    long, short = ticked("a", "vm", 0, 2, "e", 1), ticked("a", "vm", 0, 1, "e", 1)
    assert [id(c) for c in in_charge_order([long, short])] == [id(short), id(long)]
    wm, vm = ticked("a", "wm", 0, 1, "e", 1), ticked("a", "vm", 5, 1, "e", 1)
    assert [id(c) for c in in_charge_order([wm, vm])] == [id(vm), id(wm)]


_TIED = st.lists(
    st.builds(
        ticked,
        st.sampled_from(["a", "b"]),
        st.sampled_from(["vm", "wm", None]),
        st.integers(0, 2),
        st.integers(0, 2),
        st.sampled_from(["e", "f", None]),
        st.integers(0, 2),
    ),
    max_size=30,
)


@pytest.mark.property
@settings(max_examples=LAWS)
@given(_TIED)
def test_ordering_charges_that_tie_on_time_is_one_stable_sort(charges: list[rk.Charge]) -> None:
    # The oracle again, with charges of one account, cycle and meter that tie on their
    # resource and time and differ in entry or quantity (or not at all), in runs of the
    # same resource as rating gives them or not.
    assert_one_stable_sort(charges)


def row(  # noqa: PLR0917 - drawn by st.builds, positionally
    account: str, meter: str, resource: str, hour: int, hours: int, quantity: int
) -> rk.UsageRow:
    start = MARCH.start_us + hour * 3_600_000_000
    span = rk.Span.from_us(start, start + hours * 3_600_000_000)
    return rk.UsageRow(account, meter, resource, span, MARCH, Decimal(quantity), "h", {}, ())


def test_rows_come_account_meter_and_resource_first_then_in_time() -> None:
    # Given as a book holds them: vm's cpu and egress rows, then its cpu row of hour 0
    # given last, and an earlier account's row. In order: a's row, then b's cpu rows
    # in time (hour 0 before hours 1 and 2), then b's egress rows (c before vm).
    vm_cpu_1, vm_cpu_2 = row("b", "cpu", "vm", 1, 1, 1), row("b", "cpu", "vm", 2, 1, 1)
    vm_egress, c_egress = row("b", "egress", "vm", 0, 3, 5), row("b", "egress", "c", 0, 3, 5)
    vm_cpu_0, a_cpu = row("b", "cpu", "vm", 0, 1, 1), row("a", "cpu", "vm", 9, 1, 1)
    given = [vm_cpu_1, vm_cpu_2, vm_egress, c_egress, vm_cpu_0, a_cpu]
    got = in_row_order(given)
    expected = [a_cpu, vm_cpu_0, vm_cpu_1, vm_cpu_2, c_egress, vm_egress]
    assert [id(r) for r in got] == [id(r) for r in expected]


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    st.lists(
        st.builds(
            row,
            st.sampled_from(["a", "b"]),
            st.sampled_from(["cpu", "egress"]),
            st.sampled_from(["vm", "wm"]),
            st.integers(0, 2),
            st.integers(1, 2),
            st.integers(0, 2),
        ),
        max_size=30,
    )
)
def test_ordering_rows_is_one_stable_sort(rows: list[rk.UsageRow]) -> None:
    # The oracle: one stable sort of every row by the row key, object for object (rows
    # that tie on their time, equal rows, runs of one resource and meter or not).
    expected = sorted(rows, key=_row_key)
    assert [id(r) for r in in_row_order(rows)] == [id(r) for r in expected]
