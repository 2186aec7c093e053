"""A row read back never carries a derived field that does not compute.

docs/exports.md, "rows read back": a field ratekit derives from others (a line's
quantity, free part, unit, unit price and amount from its charges; an invoice's account
and cycle from its charges; a charge's account, meter, resource and cycle from its usage
row; a usage row's span within its cycle) is derived again when the row is read back, and
a row edited by hand to another value is refused with a BadDataError naming the field's
path, the value found and the value that would be accepted.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HALF = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
KEEP = "a row changed by hand must keep the fields derived from others consistent."
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5")),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")])),
    ],
    fees=[rk.Fee("support", 10)],
    allowances=[rk.Allowance("vm.hours", 2)],
)
ROWS = [
    # vm-1 5 h and vm-2 4 h at 0.5, 2 h free: (9 - 2) x 0.5 = 3.50
    rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 5, "hour", {}, ("e1",)),
    rk.UsageRow("acme", "vm.hours", "vm-2", MARCH, MARCH, 4, "hour", {}, ("e2",)),
    # 25 GB: 10 free, 15 x 0.09 = 1.35
    rk.UsageRow("acme", "egress", "ip-1", HALF, MARCH, 25, "GB", {}, ("s1",)),
]


def _stored(*, by_resource: bool = False) -> dict[str, Any]:
    (invoice,) = rk.bill(rk.rate(ROWS, PLAN, span=MARCH), by_resource=by_resource)
    stored: dict[str, Any] = json.loads(json.dumps(rk.to_row(invoice)))
    return stored


def _line_edited(index: int, key: str, value: object, *, by_resource: bool = False) -> Any:
    stored = _stored(by_resource=by_resource)
    stored["lines"][index][key] = value
    return stored


def _refusal(cls: type, row: dict[str, Any], path: str = "") -> str:
    with pytest.raises(rk.BadDataError) as refused:
        rk.from_row(cls, row, path=path)
    return str(refused.value)


def test_the_invoice_of_the_examples_is_as_worked_by_hand() -> None:
    stored = _stored()
    lines = [
        (line["kind"], line["meter"], line["quantity"], line["amount"]) for line in stored["lines"]
    ]
    # usage lines sorted by meter (egress, vm.hours), then the fee: 1.35 + 3.50 + 10.00
    assert lines == [
        ("usage", "egress", "25", "1.35"),
        ("usage", "vm.hours", "9", "3.50"),
        ("fee", "support", "1", "10.00"),
    ]
    assert stored["total"] == "14.85"
    assert rk.to_row(rk.from_row(rk.Invoice, stored)) == stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        # the vm line's charges: vm-1's 5 h (of which the 2 free) and vm-2's 4 h
        (
            "free",
            "3",
            "'3' is not what the line's charges give, '2' (the sum of its charges' free parts)",
        ),
        ("unit", "GB", "'GB' is not what the line's charges give, 'hour' (its charges' unit)"),
        (
            "unit_price",
            "0.6",
            (
                "'0.6' is not what the line's charges give, '0.5' (its charges' unit price when "
                "they share one, else none)"
            ),
        ),
        (
            "unit_price",
            None,
            "None is not what the line's charges give, '0.5' (its charges' unit price when they share one, else none)",
        ),
        (
            "meter",
            "egress",
            "'egress' is not what the line's charges give, 'vm.hours' (its charges' meter)",
        ),
        (
            "entry",
            "egress",
            "'egress' is not what the line's charges give, 'vm' (its charges' entry)",
        ),
        (
            "kind",
            "fee",
            "'fee' is not what the line's charges give, 'usage' (the kind of its charges)",
        ),
        (
            "resource",
            "vm-1",
            (
                "'vm-1' is not what the line's charges give, None (its charges' resource when "
                "billed by resource, else none)"
            ),
        ),
    ],
)
def test_a_line_field_edited_off_its_charges_is_refused_naming_it(
    key: str, value: object, message: str
) -> None:
    # the usage line of vm.hours is lines[1]
    refused = _refusal(rk.Invoice, _line_edited(1, key, value), "invoices[4]")
    assert refused == f"invoices[4].lines[1].{key}: {message}; {KEEP}"


def test_a_cent_moved_between_the_lines_of_two_resources_is_refused() -> None:
    # by resource: three VMs of 1 hour at 0.005: the line 0.015 rounds to 0.02 (half even),
    # allocated 0.01, 0.01, 0.00 (equal remainders: the first ones take the cents). Moving
    # vm-1's cent to vm-3 keeps the subtotal, and no longer allocates as billing does.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005"))])
    rows = [
        rk.UsageRow("acme", "vm.hours", f"vm-{i}", MARCH, MARCH, 1, "hour", {}, ())
        for i in (1, 2, 3)
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)
    stored = json.loads(json.dumps(rk.to_row(invoice)))
    assert [line["amount"] for line in stored["lines"]] == ["0.01", "0.01", "0.00"]
    stored["lines"][0]["amount"] = "0.00"
    stored["lines"][2]["amount"] = "0.01"
    assert _refusal(rk.Invoice, stored) == (
        "lines[0].amount: '0.00' is not what the line's charges give, '0.01' (its exact "
        f"amount rounded once on its charges' quantum and rounding); {KEEP}"
    )


def test_lines_swapped_are_refused() -> None:
    stored = _stored()
    stored["lines"][0], stored["lines"][1] = stored["lines"][1], stored["lines"][0]
    assert _refusal(rk.Invoice, stored) == (
        "lines[0].meter: 'vm.hours' is not what the line's charges give, 'egress' (its "
        f"charges' meter); {KEEP}"
    )


def test_a_charge_moved_to_another_line_is_refused() -> None:
    # the fee's charge moved onto the egress line, the line's figures still its own
    stored = _stored()
    stored["lines"][0]["charges"].append(stored["lines"][2]["charges"].pop())
    refused = _refusal(rk.Invoice, stored)
    assert refused.startswith(
        "lines[0].precise: '1.35' is not the sum of the line's charges, 11.35"
    )


def test_an_invoice_with_its_charges_of_the_same_account_and_cycle_reads_back() -> None:
    for by_resource in (False, True):
        stored = _stored(by_resource=by_resource)
        back = rk.from_row(rk.Invoice, stored)
        assert rk.to_row(back) == stored
        assert str(back) == str(
            rk.bill(rk.rate(ROWS, PLAN, span=MARCH), by_resource=by_resource)[0]
        )


def _charge_row() -> dict[str, Any]:
    (charge,) = [c for c in rk.rate([ROWS[2]], PLAN, span=MARCH).charges if c.row is not None]
    stored: dict[str, Any] = json.loads(json.dumps(rk.to_row(charge)))
    return stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "meter",
            "vm.hours",
            "'vm.hours' is not the meter of the charge's usage row, 'egress'; a charge prices a piece of its row, so its meter is the row's ('egress' would be accepted)",
        ),
        (
            "resource",
            "ip-2",
            "'ip-2' is not the resource of the charge's usage row, 'ip-1'; a charge prices a piece of its row, so its resource is the row's ('ip-1' would be accepted)",
        ),
        (
            "resource",
            None,
            "None is not the resource of the charge's usage row, 'ip-1'; a charge prices a piece of its row, so its resource is the row's ('ip-1' would be accepted)",
        ),
    ],
)
def test_a_charge_edited_off_its_usage_row_is_refused(
    key: str, value: object, message: str
) -> None:
    assert _refusal(rk.Charge, {**_charge_row(), key: value}, "charges[2]") == (
        f"charges[2].{key}: {message}; {KEEP}"
    )


def test_a_charge_of_another_cycle_than_its_usage_row_is_refused() -> None:
    edited = {
        **_charge_row(),
        "cycle_start": "2026-02-01T00:00:00Z",
        "cycle_end": "2026-03-01T00:00:00Z",
    }
    assert _refusal(rk.Charge, edited) == (
        "cycle: 2026-02-01T00:00:00Z..2026-03-01T00:00:00Z is not the cycle of the charge's "
        "usage row, 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z; a charge prices a piece of "
        "its row, so its cycle is the row's (2026-03-01T00:00:00Z..2026-04-01T00:00:00Z "
        f"would be accepted); {KEEP}"
    )


def test_a_charge_outside_its_usage_rows_span_is_refused() -> None:
    # the row runs 1-16 March; the charge edited to end on 20 March
    edited = {**_charge_row(), "span_end": "2026-03-20T00:00:00Z"}
    assert _refusal(rk.Charge, edited) == (
        "span: 2026-03-01T00:00:00Z..2026-03-20T00:00:00Z is not within the span of the "
        "charge's usage row, 2026-03-01T00:00:00Z..2026-03-16T00:00:00Z; a charge prices a "
        f"piece of its row; {KEEP}"
    )


def test_a_usage_row_outside_its_cycle_is_refused() -> None:
    stored = rk.to_row(ROWS[2])
    edited = {**stored, "span_start": "2026-02-27T00:00:00Z"}
    assert _refusal(rk.UsageRow, edited, "usage[0]") == (
        "usage[0].span: 2026-02-27T00:00:00Z..2026-03-16T00:00:00Z is not within the row's "
        "cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z; a usage row is a piece of one "
        "billing cycle: give a span within the cycle, or the cycle the span lies in; " + KEEP
    )


# -- the law ---------------------------------------------------------------------------------


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of a row's scalar values (strings, numbers, null), nested ones too."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def _replaced(row: Any, path: tuple[Any, ...], value: object) -> Any:
    out = copy.deepcopy(row)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def _nearby(draw: st.DrawFn, old: object) -> object:
    """A value a hand might write instead of ``old``: of its kind, near it, or a name of the row's."""
    if isinstance(old, str) and old[:1].isdigit() and "T" in old and old.endswith("Z"):
        day = draw(st.integers(1, 31))
        hour = draw(st.sampled_from([0, 12]))
        return f"2026-03-{day:02d}T{hour:02d}:00:00Z"
    if isinstance(old, str):
        try:
            number = Decimal(old)
        except ArithmeticError:
            return draw(
                st.sampled_from(
                    [
                        "acme",
                        "globex",
                        "vm.hours",
                        "egress",
                        "r-1",
                        "r-2",
                        "basic",
                        "fee",
                        "usage",
                        "hour",
                    ]
                )
            )
        step = draw(st.sampled_from(["0.01", "1", "-1", "0.001", "10"]))
        return str(number + Decimal(step)) if number.is_finite() else old
    if isinstance(old, bool):
        return not old
    return draw(st.sampled_from([None, "1", "acme", 0]))


def _computes(invoice: rk.Invoice, by_resource: bool) -> None:
    """Its lines add up, and billing its charges again gives its lines and totals."""
    assert invoice.subtotal == sum((line.amount for line in invoice.lines), Decimal(0))
    # exactly (Fractions): summed in the thread's 28-digit context, lines of 60 digits
    # whose sum ends at the 65th place (an allowance's exact shares) would round
    assert Fraction(invoice.precise_total) == sum(
        (Fraction(line.precise) for line in invoice.lines), Fraction(0)
    )
    charges = [charge for line in invoice.lines for charge in line.charges]
    (again,) = rk.bill(charges, by_resource=by_resource)
    assert (again.account, again.cycle, again.currency) == (
        invoice.account,
        invoice.cycle,
        invoice.currency,
    )
    assert again.lines == invoice.lines
    assert again.subtotal == invoice.subtotal
    assert [line.commitment for line in again.lines] == [line.commitment for line in invoice.lines]
    str(invoice)  # its breakdown prints


@pytest.mark.property
@settings(max_examples=LAWS // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rks.usage_rows(accounts=("acme",), max_size=4),
    plan=rks.plans(),
    by_resource=st.booleans(),
    data=st.data(),
)
def test_an_invoice_row_edited_in_one_field_is_refused_or_still_computes(
    rows: list[rk.UsageRow], plan: rk.Plan, by_resource: bool, data: st.DataObject
) -> None:
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=by_resource)
    if not invoices:
        return
    invoice = invoices[0]
    row = json.loads(json.dumps(rk.to_row(invoice)))
    back = rk.from_row(rk.Invoice, row)
    assert back == invoice
    assert str(back) == str(invoice)
    _computes(back, by_resource)
    path = data.draw(st.sampled_from(_leaves(row)))
    old = _leaf(row, path)
    new = _nearby(data.draw, old)
    try:
        edited = rk.from_row(rk.Invoice, _replaced(row, path, new))
    except rk.RatekitError:
        return
    _computes(edited, by_resource)


def _leaf(row: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        row = row[step]
    return row


@pytest.mark.property
@settings(max_examples=LAWS // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rks.usage_rows(max_size=3), plan=rks.plans(), data=st.data())
def test_a_charge_row_edited_in_one_field_is_refused_or_still_its_rows(
    rows: list[rk.UsageRow], plan: rk.Plan, data: st.DataObject
) -> None:
    charges = [c for c in rk.rate(rows, plan, span=MARCH).charges if c.row is not None]
    if not charges:
        return
    charge = data.draw(st.sampled_from(charges))
    row = json.loads(json.dumps(rk.to_row(charge)))
    assert rk.from_row(rk.Charge, row) == charge
    path = data.draw(st.sampled_from(_leaves(row)))
    try:
        edited = rk.from_row(rk.Charge, _replaced(row, path, _nearby(data.draw, _leaf(row, path))))
    except rk.RatekitError:
        return
    usage = edited.row
    assert usage is not None
    assert (edited.account, edited.meter, edited.resource, edited.cycle) == (
        usage.account,
        usage.meter,
        usage.resource,
        usage.cycle,
    )
    assert usage.span.start_us <= edited.span.start_us <= edited.span.end_us <= usage.span.end_us
    assert usage.cycle.start_us <= usage.span.start_us <= usage.span.end_us <= usage.cycle.end_us


def _shared_invoice_row() -> dict[str, Any]:
    """acme's image of 10.05 GB at 0.1, shared 1:2 with beta: the whole 1.005 -> 1.00
    (half even), beta's part 2/3 of it, 0.6666.. -> 0.67 (largest remainder)."""
    plan = rk.Plan("d", "EUR", MONTHS, [rk.PriceEntry("images", "gb", rk.PerUnit("0.1"))])
    rows = [rk.UsageRow("acme", "gb", "img", MARCH, MARCH, "10.05", "GB", {}, ())]
    share = rk.Share("acme", "img", {"acme": 1, "beta": 2})
    assignments = [rk.Assignment("acme", plan), rk.Assignment("beta", plan)]
    invoices = rk.bill(rk.rate(rows, assignments, span=MARCH, shares=[share]))
    (beta,) = [invoice for invoice in invoices if invoice.account == "beta"]
    stored: dict[str, Any] = json.loads(json.dumps(rk.to_row(beta)))
    return stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "owner",
            "beta",
            (
                "lines[0].owner: 'beta' is not the account of the shared line's charges, 'acme'; "
                "a shared line holds its owner's charges ('acme' would be accepted)"
            ),
        ),
        (
            "quantity",
            "1",
            (
                "lines[0].quantity: '1' is not what the line's charges give, '10.05' (the sum of "
                "its charges' quantities)"
            ),
        ),
        (
            "resource",
            "vm-1",
            (
                "lines[0].resource: 'vm-1' is not what the line's charges give, 'img' (its "
                "charges' resource when billed by resource, else none)"
            ),
        ),
    ],
)
def test_a_shared_line_edited_off_the_whole_is_refused(
    key: str, value: object, message: str
) -> None:
    stored = _shared_invoice_row()
    line = stored["lines"][0]
    assert (line["kind"], line["whole"], line["amount"]) == ("shared", "1.00", "0.67")
    assert rk.to_row(rk.from_row(rk.Invoice, stored)) == stored
    line[key] = value
    assert _refusal(rk.Invoice, stored) == f"{message}; {KEEP}"


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("owner", "beta", "names an owner"),
        ("share", "1", "has a share"),
        ("shares", "3", "has a share"),
        ("whole", "2.00", "is part of a whole"),
    ],
)
def test_a_usage_line_edited_to_name_an_owner_or_a_share_is_refused(
    field: str, value: str, what: str
) -> None:
    # Only a part of a shared charge names an owner, its share (of the shares) and the
    # whole it is part of: billing a usage line gives none, so a stored usage line edited
    # to carry one does not compute. (Was accepted: the line read back differed from
    # billing its charges again.)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", rk.PerUnit(1))])
    used = rk.UsageRow("acme", "egress", "r-1", MARCH, MARCH, 2, "GB", {}, ())
    (invoice,) = rk.bill(rk.rate([used], plan, span=MARCH))
    row = json.loads(json.dumps(rk.to_row(invoice)))
    row["lines"][0][field] = value
    with pytest.raises(rk.BadDataError, match=rf"lines\[0\]\.{field}") as refused:
        rk.from_row(rk.Invoice, row)
    assert str(refused.value) == (
        f"lines[0].{field}: '{value}' is not what the line's charges give, None (none: only "
        f"a part of a shared charge {what}); " + KEEP
    )
