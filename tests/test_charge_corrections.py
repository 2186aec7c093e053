"""Charges of kind ``"reversal"`` and ``"correction"``: what a host records, and where they go.

`rk.Charge` takes them (the corrections a host records, which `rk.focus_rows` exports
with ``ChargeClass`` ``"Correction"``). Their rows read back as they were written, and
`rk.bill`, which bills a rating's charges, refuses them by name rather than failing
inside (a ``KeyError``) or making an invoice line of a kind no invoice has.
"""

from __future__ import annotations

import json

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
# 10 hours at 0.5005 = 5.005, reversed; then 12 hours at 0.5005 = 6.006 in its place.
BILLED = rk.Charge(
    "acme", "vm", "vm-1", MARCH, MARCH, 10, "hour", "5.005", "EUR", "p", "vm", "0.5005"
)
REVERSAL = rk.Charge(
    "acme",
    "vm",
    "vm-1",
    MARCH,
    MARCH,
    -10,
    "hour",
    "-5.005",
    "EUR",
    "p",
    "vm",
    "0.5005",
    kind="reversal",
)
CORRECTION = rk.Charge(
    "acme",
    "vm",
    "vm-1",
    MARCH,
    MARCH,
    12,
    "hour",
    "6.006",
    "EUR",
    "p",
    "vm",
    "0.5005",
    kind="correction",
)


@pytest.mark.parametrize("charge", [REVERSAL, CORRECTION], ids=["reversal", "correction"])
def test_a_correction_charge_reads_back_from_its_row(charge: rk.Charge) -> None:
    row = json.loads(json.dumps(rk.to_row(charge)))
    assert row["kind"] == charge.kind
    back = rk.from_row(rk.Charge, row)
    assert back == charge
    assert back.kind == charge.kind


@pytest.mark.parametrize(
    "charges",
    [[BILLED, REVERSAL, CORRECTION], [REVERSAL], [CORRECTION]],
    ids=["mixed", "reversal", "correction"],
)
def test_bill_refuses_correction_charges_naming_them(charges: list[rk.Charge]) -> None:
    # was: a KeyError 'reversal' with a billed charge beside it, alone an invoice line of
    # kind 'reversal', whose row from_row refused
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.bill(charges)
    message = str(caught.value)
    kind = next(charge.kind for charge in charges if charge.kind != "usage")
    assert f"not a {kind!r} charge" in message
    assert "'usage', 'fee' or 'minimum'" in message
    assert "focus_rows" in message


def test_focus_rows_still_export_them_as_corrections() -> None:
    rows = rk.focus_rows([BILLED, REVERSAL, CORRECTION], provider="X")
    assert [(row["ChargeClass"], row["BilledCost"]) for row in rows] == [
        (None, "5.005"),
        ("Correction", "-5.005"),
        ("Correction", "6.006"),
    ]
