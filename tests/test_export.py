"""Rows: every stage's values as JSON-safe dicts, and back (ratekit.export)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _json(value: object) -> object:
    """Through real JSON text, so nothing but JSON types can survive."""
    return json.loads(json.dumps(value))


def _plan() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry(
                "egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")])
            ),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5")),
        ],
        fees=[rk.Fee("support", "30")],
        allowances=[rk.Allowance("vm.hours", 2)],
    )


def _rows() -> list[rk.UsageRow]:
    return [
        rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, 33, "GB", {"zone": "a"}, ("s1", "s2")),
        rk.UsageRow(
            "acme", "vm.hours", "vm-1", MARCH, MARCH, "7.5", "hour", {"size": Decimal("1.5")}, ()
        ),
    ]


def test_usage_row_row_is_flat_json_with_z_instants_and_string_decimals():
    row = rk.to_row(_rows()[1])
    assert row == {
        "account": "acme",
        "meter": "vm.hours",
        "resource": "vm-1",
        "span_start": "2026-03-01T00:00:00Z",
        "span_end": "2026-04-01T00:00:00Z",
        "cycle_start": "2026-03-01T00:00:00Z",
        "cycle_end": "2026-04-01T00:00:00Z",
        "quantity": "7.5",
        "unit": "hour",
        "description": {"size": {"decimal": "1.5"}},
        "record_ids": [],
    }
    back = rk.from_row(rk.UsageRow, _json(row))
    assert back == _rows()[1]
    assert back.description["size"] == Decimal("1.5")
    assert isinstance(back.description["size"], Decimal)


def test_charges_come_back_with_their_row_price_and_tiers():
    rating = rk.rate(_rows(), _plan(), span=MARCH)
    assert len(rating.charges) == 3
    for charge in rating.charges:
        back = rk.from_row(rk.Charge, _json(rk.to_row(charge)))
        assert back == charge
        assert back.row == charge.row
        assert back.price == charge.price
        assert back.tiers == charge.tiers
        assert (back.quantum, back.rounding, back.position, back.opens) == (
            charge.quantum,
            charge.rounding,
            charge.position,
            charge.opens,
        )
    egress = next(c for c in rating.charges if c.meter == "egress")
    row = rk.to_row(egress)
    # 33 GB: 10 free in the first tier, 23 * 0.085 = 1.955
    assert row["amount"] == "1.955"
    assert row["unit_price"] is None
    assert row["price"]["type"] == "Graduated"


def test_invoices_come_back_line_by_line_and_print_the_same():
    invoice = rk.bill(rk.rate(_rows(), _plan(), span=MARCH))[0]
    back = rk.from_row(rk.Invoice, _json(rk.to_row(invoice)))
    assert back == invoice
    assert [line.charges for line in back.lines] == [line.charges for line in invoice.lines]
    assert str(back) == str(invoice)
    # support 30 + vm (7.5 - 2 free) * 0.5 = 2.75 + egress 1.955 -> 1.96: 34.71
    assert back.total == Decimal("34.71")


def test_records_and_anomalies_have_rows():
    event = rk.Event(
        "acme", "vm-1", "2026-03-01T10:00:00+01:00", {"flavor": "m1"}, kind="start", id="e1", seq=3
    )
    sample = rk.Sample(
        "acme",
        "ip-1",
        "egress",
        "2026-03-01T11:00:00Z",
        "1.25",
        kind="delta",
        since="2026-03-01T10:00:00Z",
        id="s1",
    )
    anomaly = rk.Anomaly("duplicate", "event 'e1' seen twice: ignored.", ("e1",))
    assert rk.to_row(event)["at"] == "2026-03-01T09:00:00Z"
    assert rk.to_row(sample)["since"] == "2026-03-01T10:00:00Z"
    for value in (event, sample, anomaly):
        assert rk.from_row(type(value), _json(rk.to_row(value))) == value
    inventory = rk.Inventory("2026-03-01T00:00:00Z", {("acme", "vm-1"): {"flavor": "m1"}})
    assert rk.to_row(inventory)["resources"] == [["acme", "vm-1", {"flavor": "m1"}]]
    assert rk.to_rows([anomaly]) == [rk.to_row(anomaly)]


def test_bad_rows_name_the_key():
    row = rk.to_row(_rows()[0])
    with pytest.raises(
        rk.BadDataError,
        match=r"^rows\[4\]\.quantity: 'lots' is not a decimal number; write it like '12\.5' or '1e9'\.$",
    ):
        rk.from_row(rk.UsageRow, {**row, "quantity": "lots"}, path="rows[4]")
    with pytest.raises(rk.BadDataError, match=r"^span: needs 'span_start' and 'span_end'\.$"):
        rk.from_row(rk.UsageRow, {k: v for k, v in row.items() if k != "span_end"})
    with pytest.raises(
        rk.BadDataError, match=r"^colour: a UsageRow row has no key 'colour'; its keys are "
    ):
        rk.from_row(rk.UsageRow, {**row, "colour": "red"})
    with pytest.raises(
        rk.BadDataError, match=r"^span: Span start '2026-03-01T00:00:00' has no UTC offset"
    ):
        rk.from_row(rk.UsageRow, {**row, "span_start": "2026-03-01T00:00:00"})
    charge = rk.to_row(rk.rate(_rows(), _plan(), span=MARCH).charges[0])
    # every kind a Charge takes, a host's corrections too
    with pytest.raises(
        rk.BadDataError,
        match=r"^kind: 'refund' is not one of 'usage', 'fee', 'minimum', 'reversal', "
        r"'correction'\.$",
    ):
        rk.from_row(rk.Charge, {**charge, "kind": "refund"})
    with pytest.raises(rk.BadDataError, match=r"^the value: from_row builds one of .*not 'Span'"):
        rk.from_row(rk.Span, {})
    # An Inventory has a row both ways now (was refused by from_row): its keys are checked.
    with pytest.raises(rk.BadDataError, match=r"^at: an Inventory row needs 'at'\.$"):
        rk.from_row(rk.Inventory, {})
    with pytest.raises(rk.RatekitTypeError, match=r"^to_row takes one of Event, .*not Span"):
        rk.to_row(MARCH)


@settings(max_examples=LAWS // 2)
@given(rks.usage_rows(max_size=3))
def test_law_usage_rows_round_trip_through_json(rows):
    for row in rows:
        data = _json(rk.to_row(row))
        assert rk.from_row(rk.UsageRow, data) == row
        assert rk.to_row(rk.from_row(rk.UsageRow, data)) == data


@given(rks.usage_rows(max_size=5), rks.plans(), st.booleans())
def test_law_charges_and_invoices_round_trip_through_json(rows, plan, by_resource):
    rating = rk.rate(rows, [rk.Assignment(a, plan) for a in ("acme", "globex")], span=MARCH)
    for charge in rating.charges:
        back = rk.from_row(rk.Charge, _json(rk.to_row(charge)))
        assert back == charge
        assert back.tiers == charge.tiers
    for invoice in rk.bill(rating, by_resource=by_resource):
        data = _json(rk.to_row(invoice))
        back = rk.from_row(rk.Invoice, data)
        assert back == invoice
        assert str(back) == str(invoice)
        assert rk.to_row(back) == data


def test_hostile_description_values_name_the_key():
    row = rk.to_row(_rows()[0])
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    # was: RecursionError while writing the message; then lists were refused outright
    # (descriptions nest lists, so rows carry them now): too deep is refused by depth.
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.UsageRow, {**row, "description": {"a": deep}})
    assert str(caught.value) == (
        "description.a" + "[0]" * 15 + "...: a description nests at most 32 levels deep "
        "(lists and mappings in an attribute), as an Event takes it."
    )
    # Something that is no JSON value at all, nested in a description, names its path.
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.UsageRow, {**row, "description": {"a": [{"b": {1, 2}}]}})
    assert str(caught.value) == (
        "description.a[0].b: an attribute value must be a string, number, bool, null, an "
        'object, an array or {"decimal": "1.5"}, not set: {1, 2}.'
    )
    # An object with more keys than "decimal" is a nested mapping (was refused while
    # descriptions in rows were flat), not a tagged decimal.
    back = rk.from_row(rk.UsageRow, {**row, "description": {"a": {"decimal": "1", "b": 2}}})
    assert back.description["a"] == {"decimal": "1", "b": 2}
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.UsageRow, {**row, "quantity": "1e999999999"})
    assert str(caught.value) == (
        "quantity: '1e999999999' lies outside the numbers ratekit represents exactly: give at "
        "most 60 significant digits and, unless zero, a magnitude from 1E-100 up to but "
        "excluding 1E+60."
    )


def _refused(cls: type, row: object, message: str) -> None:
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(cls, row)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_an_invoice_row_changed_by_hand_must_stay_consistent():
    # support 30 + vm 2.75 + egress 1.955 -> 1.96: lines 34.71, precise 34.705
    row = rk.to_row(rk.bill(rk.rate(_rows(), _plan(), span=MARCH))[0])
    # these used to load and print a total of 999 under lines adding up to 34.71
    _refused(
        rk.Invoice,
        {**row, "total": "999"},
        "total: '999' is not the sum of the invoice's lines less its credits, 34.71; a row "
        "changed by hand "
        "must keep the invoice's totals consistent.",
    )
    _refused(
        rk.Invoice,
        {**row, "precise_total": "34.71"},
        "precise_total: '34.71' is not the sum of the invoice's lines, 34.705; a row changed "
        "by hand must keep the invoice's totals consistent.",
    )
    _refused(
        rk.Invoice,
        {**row, "lines": []},
        "subtotal: '34.71' is not the sum of the invoice's lines, 0; a row changed by hand must "
        "keep the invoice's totals consistent.",
    )
    _refused(
        rk.Invoice,
        {**row, "currency": "USD"},
        "lines[0].charges[0].currency: 'EUR' is not the invoice's currency 'USD'; an invoice "
        "never adds amounts of two currencies.",
    )
    # was: ZoneInfoNotFoundError when printed; now the Invoice's own door refuses it
    _refused(
        rk.Invoice,
        {**row, "tz": "Mars/Olympus"},
        "tz: Invoice tz 'Mars/Olympus' is not a known IANA timezone name; give an IANA name such "
        "as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'.",
    )
    line = row["lines"][0]
    _refused(
        rk.InvoiceLine,
        {**line, "precise": "2"},
        f"precise: '2' is not the sum of the line's charges, {line['precise']}; a row changed by "
        "hand must keep the line's amounts consistent.",
    )
    assert rk.from_row(rk.Invoice, {**row, "tz": "Europe/Zurich"}).tz == "Europe/Zurich"


def test_a_charge_row_keeps_a_rounding_billing_can_apply():
    row = rk.to_row(rk.rate(_rows(), _plan(), span=MARCH).charges[0])
    # was: TypeError from decimal when billed; now the Charge's own door refuses it
    _refused(
        rk.Charge,
        {**row, "rounding": "ROUND_SOMETIMES"},
        "rounding: Charge rounding must be one of 'ROUND_CEILING', 'ROUND_DOWN', "
        "'ROUND_FLOOR', 'ROUND_HALF_DOWN', 'ROUND_HALF_EVEN', 'ROUND_HALF_UP', 'ROUND_UP', "
        "not str: 'ROUND_SOMETIMES'.",
    )
    # was: billed with a quantum of 0 (a total of '2' for 1.955)
    _refused(
        rk.Charge,
        {**row, "quantum": "0"},
        "quantum: Charge quantum must be a number greater than 0, not Decimal('0').",
    )


def test_invoices_with_credits_and_shared_parts_round_trip_and_keep_their_totals():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 10)],
    )
    records = [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1"),
        rk.Event("bob", "img", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e2"),
    ]
    share = rk.Share("bob", "img", {"bob": 1, "acme": 1})
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    rating = rk.rate(records, plan, span=MARCH, meters=meters, shares=[share])
    credit = rk.Credit(
        "c1", "acme", 5, "EUR", "2026-03-01T00:00:00Z", expires="2026-06-01T00:00:00Z"
    )
    acme, bob = rk.bill(rating, credits=[credit])
    # acme: vm-1 744 h x 0.10 = 74.40, fee 10, half of bob's img (74.40 / 2 = 37.20):
    # subtotal 121.60, the credit pays 5.00, total 116.60; precise: 74.40 + 10 + 37.20
    assert (acme.subtotal, acme.total, acme.precise_total) == (
        Decimal("121.60"),
        Decimal("116.60"),
        Decimal("121.60"),
    )
    # bob: fee 10 and his half of the image, 37.20
    assert (bob.subtotal, bob.total, bob.precise_total) == (
        Decimal("47.20"),
        Decimal("47.20"),
        Decimal("47.20"),
    )
    for invoice in (acme, bob):
        assert rk.from_row(rk.Invoice, _json(rk.to_row(invoice))) == invoice
    for value in (credit, share):
        assert rk.from_row(type(value), _json(rk.to_row(value))) == value
    # a total changed by hand no longer matches the subtotal less the credits
    row = _json(rk.to_row(acme))
    row["total"] = "121.60"
    with pytest.raises(rk.BadDataError, match=r"^total: '121.60' is not the sum"):
        rk.from_row(rk.Invoice, row)


def test_a_shared_line_row_is_checked_against_its_whole_and_share():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    )
    records = [rk.Event("bob", "img", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e2")]
    # bob's img: 744 h x 0.10 = 74.40, rounded once 74.40; acme holds 1 of 3 shares:
    # 74.40 / 3 = 24.80 exactly; bob 2 of 3: 49.60
    share = rk.Share("bob", "img", {"bob": 2, "acme": 1})
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    rating = rk.rate(records, plan, span=MARCH, meters=meters, shares=[share])
    by_account = {invoice.account: invoice for invoice in rk.bill(rating)}
    [line] = [line for line in by_account["acme"].lines if line.kind == "shared"]
    assert (line.share, line.shares, line.whole, line.amount) == (
        1,
        3,
        Decimal("74.40"),
        Decimal("24.80"),
    )
    row = _json(rk.to_row(line))
    assert rk.from_row(rk.InvoiceLine, row) == line
    # was: accepted, shared lines were not checked; 24.81 is a quantum away from 24.80
    _refused(
        rk.InvoiceLine,
        {**row, "precise": "24.81", "amount": "24.81"},
        "precise: '24.81' is not this holder's part of the shared 74.40: 1 of 3 is 24.8, "
        "allocated on the quantum 0.01 (amount 24.81); a row changed by hand must keep the "
        "line's amounts consistent.",
    )
    # the amount alone edited: the precise part 24.80 is right, the amount is named
    _refused(
        rk.InvoiceLine,
        {**row, "amount": "24.79"},
        "amount: '24.79' is not this holder's part of the shared 74.40, 24.80 (its precise "
        "amount: 1 of 3 allocated on the quantum 0.01); a holder's part is its amount and "
        "its precise amount alike, so a row changed by hand must keep them equal.",
    )
    # the precise part alone edited: it is named, as when both are
    _refused(
        rk.InvoiceLine,
        {**row, "precise": "24.81"},
        "precise: '24.81' is not this holder's part of the shared 74.40: 1 of 3 is 24.8, "
        "allocated on the quantum 0.01 (amount 24.80); a row changed by hand must keep the "
        "line's amounts consistent.",
    )
    # the holder's share edited: 2 of 3 would be 49.60, not 24.80
    _refused(
        rk.InvoiceLine,
        {**row, "share": "2"},
        "precise: '24.80' is not this holder's part of the shared 74.40: 2 of 3 is 49.6, "
        "allocated on the quantum 0.01 (amount 24.80); a row changed by hand must keep the "
        "line's amounts consistent.",
    )
    _refused(
        rk.InvoiceLine,
        {**row, "whole": "80.00"},
        "whole: '80.00' is not the sum of the shared charges, 74.40, rounded to 0.01: 74.40; "
        "a row changed by hand must keep the line's amounts consistent.",
    )
    _refused(
        rk.InvoiceLine,
        {**row, "share": "4"},
        "share: '4' is not a share out of 3; a holder's share is above 0 and at most the sum "
        "of the shares.",
    )
    _refused(
        rk.InvoiceLine,
        {**row, "whole": None},
        "whole: a shared line needs its whole; it carries the owner, the holder's share, the "
        "sum of the shares and the whole rounded amount it is a part of.",
    )


def test_nested_descriptions_come_back_from_rows():
    # A description nests mappings and lists (rk.Event's door allows it); to_row wrote
    # them, and from_row refused the nested mapping ("not dict") or kept a list's
    # Decimals as strings: rows lost what they had written. Decimals at any depth are
    # tagged, strings stay strings.
    event = rk.Event(
        "acme",
        "vm-1",
        "2026-03-01T00:00:00Z",
        {"x": {"y": [1, "2.5", Decimal("2.5"), {"z": None}]}},
        kind="start",
        id="e1",
    )
    row = rk.to_row(event)
    assert row["attributes"] == {"x": {"y": [1, "2.5", {"decimal": "2.5"}, {"z": None}]}}
    back = rk.from_row(rk.Event, json.loads(json.dumps(row)))
    assert back == event
    assert back.attributes["x"]["y"][2] == Decimal("2.5")
    assert back.attributes["x"]["y"][1] == "2.5"


def _credited_invoice() -> rk.Invoice:
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
    welcome = rk.Credit("welcome", "acme", 50, "EUR", start="2026-03-01T00:00:00Z")
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=MARCH), credits=[welcome])
    return invoice


def test_rows_do_not_depend_on_which_copy_of_a_module_sys_modules_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A test runner may import a module of the package anew (pytest --doctest-modules in
    # importlib mode, collecting src/ratekit/credits.py): sys.modules["ratekit.credits"]
    # then holds a copy whose classes are not rk.CreditLine. Reading CreditLine's
    # annotations must not depend on it (was: NameError: name 'Decimal' is not defined,
    # the annotations read in ratekit's own namespace).
    import importlib.util
    import sys

    from ratekit import _codec

    original = sys.modules["ratekit.credits"]
    spec = importlib.util.spec_from_file_location("ratekit.credits", original.__file__)
    assert spec is not None
    assert spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    assert copy.CreditLine is not rk.CreditLine
    monkeypatch.setitem(sys.modules, "ratekit.credits", copy)
    _codec._hints.cache_clear()  # as on a first use after the copy was made
    try:
        invoice = _credited_invoice()
        # base fee 30.00 EUR; the welcome credit of 50 pays 30, 20 left
        (line,) = invoice.credits
        assert (line.available, line.applied, line.left) == (Decimal(50), Decimal(30), Decimal(20))
        assert invoice.total == Decimal("0.00")
        row = _json(rk.to_row(invoice))
        assert row["credits"] == [  # type: ignore[index]
            {
                "credit": "welcome",
                "available": "50.00",
                "applied": "30.00",
                "left": "20.00",
                "expires": None,
            }
        ]
        back = rk.from_row(rk.Invoice, row)
        assert back == invoice
        assert type(back.credits[0]) is rk.CreditLine
    finally:
        _codec._hints.cache_clear()  # nothing read under the copy stays cached


def test_the_credits_doctests_before_the_export_tests_in_one_run() -> None:
    # The order that failed: the doctests of src/ratekit/credits.py collected (importing
    # the module anew) before tests/test_export.py in one pytest call.
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "src/ratekit/credits.py",
            "tests/test_export.py",
            "-k",
            "ratekit.credits or test_invoices_with_credits_and_shared_parts",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "5 passed" in result.stdout


def _numbers_as_decimals(data: object) -> object:
    """A row as a database driver gives it back: every decimal string a Decimal (NUMERIC)."""
    if isinstance(data, dict):
        return {key: _numbers_as_decimals(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_numbers_as_decimals(value) for value in data]
    if isinstance(data, str) and data[:1].isdigit() and "T" not in data and ":" not in data:
        return Decimal(data)
    return data


def test_rows_read_back_from_numeric_columns_take_their_decimals() -> None:
    # A charge (its quantity, amount, unit price, free part, quantum, and its row's
    # quantity) and an invoice (its lines, totals and exact sum) whose numbers come back
    # as Decimals read back equal to the values written: the same door as their text.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.1"))],
        fees=[rk.Fee("base", 10)],
    )
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    sample = rk.Sample("acme", "vm1", "cpu", "2026-03-05T10:00:00Z", "5.5")
    rating = rk.rate([sample], plan, span=march, meters=[rk.Meter("cpu", "s", rk.Discrete())])
    for value in (*rating.charges, *rk.bill(rating)):
        row = _numbers_as_decimals(rk.to_row(value))
        assert isinstance(row, dict)
        assert any(isinstance(item, Decimal) for item in row.values())
        assert rk.from_row(type(value), row) == value
    # a NaN or an infinity from such a column is refused naming the field
    charge_row = rk.to_row(rating.charges[0])
    for bad in (Decimal("NaN"), Decimal("-Infinity")):
        with pytest.raises(
            rk.BadDataError,
            match=r"^charges\[0\]\.amount: Decimal\('-?(NaN|Infinity)'\) is not a decimal number",
        ):
            rk.from_row(rk.Charge, {**charge_row, "amount": bad}, path="charges[0]")
