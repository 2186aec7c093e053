"""An auditor's March: three accounts, every cent of every invoice traced to its records.

Built from README.md, docs/invoices.md, docs/exports.md, docs/pricing.md and
docs/usage.md only. Plans with tiers, an allowance, a minimum commitment, fees, a
credit and a plan change at noon on 16 March; each figure is worked by hand below,
and every export (rows, FOCUS, DataFrames, their CSV) is checked against the invoices.
"""

from __future__ import annotations

import csv
import decimal
import functools
import io
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CHANGE = "2026-03-16T12:00:00Z"  # 15.5 of March's 31 days: each plan covers half
METERS = [
    rk.Meter("vm.hours", "hour", rk.OnOff()),
    rk.Meter("egress", "GB", rk.Discrete()),
    rk.Meter("calls", "call", rk.Discrete()),
]
EGRESS = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")])
STARTER = rk.Plan(
    "starter",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
        rk.PriceEntry("egress", "egress", EGRESS),
        rk.PriceEntry("calls", "calls", rk.PerUnit("0.001")),
    ],
    fees=[rk.Fee("support", 10)],
    minimums=[rk.Minimum(20)],
    allowances=[rk.Allowance("vm.hours", 100)],
)
GROWTH = rk.Plan(
    "growth",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.04")),
        rk.PriceEntry("egress", "egress", EGRESS),
        rk.PriceEntry("calls", "calls", rk.Graduated([rk.Tier(1000, 0), rk.Tier(None, "0.0015")])),
    ],
    fees=[rk.Fee("support", 30)],
    minimums=[rk.Minimum(50)],
)
ASSIGNMENTS = [
    rk.Assignment("acme", STARTER, end=CHANGE),
    rk.Assignment("acme", GROWTH, start=CHANGE),
    rk.Assignment("beta", GROWTH),
    rk.Assignment("gamma", STARTER),  # assigned, no usage at all: an empty cycle
]
RECORDS: list[rk.Event | rk.Sample] = [
    rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "s"}, kind="start", id="a1"),
    rk.Event("acme", "vm-1", "2026-03-31T00:00:00Z", kind="stop", id="a2"),
    rk.Sample("acme", "ip-1", "egress", "2026-03-05T00:00:00Z", 8, id="a3"),
    rk.Sample("acme", "ip-1", "egress", "2026-03-20T00:00:00Z", 15, id="a4"),
    rk.Sample("acme", "fn", "calls", "2026-03-10T00:00:00Z", 1234, id="a5"),
    rk.Sample("acme", "fn", "calls", "2026-03-25T00:00:00Z", 2000, id="a6"),
    rk.Sample("acme", "fn", "calls", "2026-03-26T00:00:00Z", -100, id="a7"),  # a correction
    rk.Event("beta", "vm-9", "2026-03-03T00:00:00Z", kind="start", id="b1"),
    rk.Event("beta", "vm-9", "2026-03-03T10:00:00Z", kind="stop", id="b2"),
    rk.Event("beta", "vm-9", "2026-03-03T10:00:00Z", kind="stop", id="b3"),  # a repeated stop
    rk.Sample("beta", "ip-9", "egress", "2026-03-05T00:00:00Z", 0, id="b4"),  # a zero delta
]
WELCOME = rk.Credit("welcome", "acme", 25, "EUR", start=MARCH.start)


@functools.cache
def _rating() -> rk.Rating:
    return rk.rate(RECORDS, ASSIGNMENTS, span=MARCH, meters=METERS)


@functools.cache
def _invoices() -> tuple[rk.Invoice, ...]:
    return rk.bill(_rating(), credits=[WELCOME])


def _invoice(account: str) -> rk.Invoice:
    (invoice,) = [invoice for invoice in _invoices() if invoice.account == account]
    return invoice


def _line(invoice: rk.Invoice, kind: str, meter: str | None = None) -> rk.InvoiceLine:
    (line,) = [line for line in invoice.lines if line.kind == kind and line.meter == meter]
    return line


def test_acme_usage_lines_are_worked_by_hand() -> None:
    # vm-1 runs 1 March 00:00 .. 31 March 00:00 = 720 h: 372 h under starter (to noon on
    # the 16th), whose 100 free hours are prorated to its half (50): 322 x 0.05 = 16.10;
    # 348 h under growth x 0.04 = 13.92; the line is 16.10 + 13.92 = 30.02.
    # calls: 1234 x 0.001 = 1.234 under starter; 2000 - 100 = 1900 under growth, whose
    # tiers start from zero: 900 x 0.0015 = 1.35; 2.584 rounds half-even to 2.58.
    # egress: 8 GB under starter, free; 15 GB under growth from zero: 5 x 0.09 = 0.45.
    acme = _invoice("acme")
    vm = _line(acme, "usage", "vm.hours")
    assert (vm.quantity, vm.free, vm.precise, vm.amount) == (
        Decimal(720),
        Decimal(50),
        Decimal("30.02"),
        Decimal("30.02"),
    )
    calls = _line(acme, "usage", "calls")
    assert (calls.quantity, calls.precise, calls.amount) == (
        Decimal(3134),
        Decimal("2.584"),
        Decimal("2.58"),
    )
    egress = _line(acme, "usage", "egress")
    assert (egress.quantity, egress.precise, egress.amount) == (
        Decimal(23),
        Decimal("0.45"),
        Decimal("0.45"),
    )


def test_acme_fees_minimum_credit_and_total_are_worked_by_hand() -> None:
    # fee: 10 x 1/2 + 30 x 1/2 = 20.00. Starter's minimum 20 x 1/2 = 10 is reached by its
    # lines 16.10 + 1.234 + 0 (as rounded parts, well above 10): no top-up. Growth's is
    # 50 x 1/2 = 25 against 13.92 + 1.35 + 0.45 = 15.72: a top-up of 9.28.
    # subtotal 30.02 + 2.58 + 0.45 + 20.00 + 9.28 = 62.33; precise 62.334 (2.584 exact);
    # the welcome credit pays 25.00 of it: 37.33 left to pay.
    acme = _invoice("acme")
    assert _line(acme, "fee", "support").amount == Decimal("20.00")
    minimum = _line(acme, "minimum")
    assert (minimum.amount, minimum.commitment, minimum.spent) == (
        Decimal("9.28"),
        Decimal("25.00"),
        Decimal("15.72"),
    )
    assert "growth · commitment 25.00 - spent 15.72 = 9.28" in str(acme)
    assert acme.subtotal == Decimal("62.33")
    assert acme.precise_total == Decimal("62.334")
    assert [(c.credit, c.applied, c.left) for c in acme.credits] == [
        ("welcome", Decimal("25.00"), Decimal("0.00"))
    ]
    assert acme.total == Decimal("37.33")


def test_beta_and_the_empty_cycle_of_gamma_are_worked_by_hand() -> None:
    # beta: 10 h x 0.04 = 0.40, a zero-GB egress line of 0.00, fee 30, minimum 50 - 0.40
    # = 49.60: 80.00. gamma used nothing: fee 10 + minimum 20 - 0 = 30.00.
    beta = _invoice("beta")
    assert [(line.kind, line.meter, line.amount) for line in beta.lines] == [
        ("usage", "egress", Decimal("0.00")),
        ("usage", "vm.hours", Decimal("0.40")),
        ("fee", "support", Decimal("30.00")),
        ("minimum", None, Decimal("49.60")),
    ]
    assert beta.total == Decimal("80.00")
    print_gamma = str(_invoice("gamma"))
    assert print_gamma.endswith("  total                                      30.00")
    assert "commitment 20.00 - spent 0.00 = 20.00" in print_gamma


def test_every_invoice_is_the_sum_of_its_printed_lines_less_its_credits() -> None:
    for invoice in _invoices():
        assert invoice.subtotal == sum(line.amount for line in invoice.lines)
        assert invoice.total == invoice.subtotal - sum(c.applied for c in invoice.credits)
        assert Fraction(invoice.precise_total) == sum(
            Fraction(line.precise) for line in invoice.lines
        )


def test_each_line_is_rounded_once_from_its_exact_sum_as_the_charges_state() -> None:
    # The rounding is stated on every charge (quantum, mode) and each line is its
    # charges' exact sum rounded once with them.
    for invoice in _invoices():
        for line in invoice.lines:
            quanta = {(c.quantum, c.rounding) for c in line.charges}
            assert quanta == {(Decimal("0.01"), "ROUND_HALF_EVEN")}
            if line.kind == "usage":
                exact = sum((Fraction(c.amount) for c in line.charges), Fraction(0))
                assert Fraction(line.precise) == exact
                assert line.amount == line.precise.quantize(
                    Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN
                )


def test_every_record_is_in_a_charge_an_anomaly_or_the_no_effect_list() -> None:
    rating = _rating()
    in_charges = {i for c in rating.charges if c.row is not None for i in c.row.record_ids}
    in_anomalies = {i for a in rating.anomalies for i in a.record_ids}
    no_effect = {i for i, _ in rating.no_effect}
    every = {record.id for record in RECORDS}
    assert in_charges | in_anomalies | no_effect == every
    # b3, the repeated stop, is an anomaly and never the provenance of a charge
    assert "b3" in in_anomalies
    assert "b3" not in in_charges
    assert {a.kind for a in rating.anomalies} == {"duplicate_stop", "tie"}


def test_no_quantity_is_lost_or_counted_twice_per_meter() -> None:
    # Quantities by hand: vm 720 + 10 h, egress 8 + 15 + 0 GB, calls 1234 + 2000 - 100.
    totals: dict[str, Fraction] = {}
    for charge in _rating().charges:
        if charge.kind == "usage":
            assert charge.meter is not None
            totals[charge.meter] = totals.get(charge.meter, Fraction(0)) + Fraction(charge.quantity)
    assert totals == {"vm.hours": 730, "egress": 23, "calls": 3134}


def test_each_charge_names_the_records_that_made_it() -> None:
    provenance: dict[tuple[str, str, str], list[tuple[str, ...]]] = {}
    for c in _rating().charges:
        if c.row is not None:
            provenance.setdefault((c.account, c.plan, c.meter), []).append(
                tuple(sorted(c.row.record_ids))
            )
    # The correction a7 is a row of its own (metering cuts at a correction's instant).
    assert provenance == {
        ("acme", "starter", "calls"): [("a5",)],
        ("acme", "growth", "calls"): [("a6",), ("a7",)],
        ("acme", "starter", "egress"): [("a3",)],
        ("acme", "growth", "egress"): [("a4",)],
        ("acme", "starter", "vm.hours"): [("a1",)],
        ("acme", "growth", "vm.hours"): [("a1", "a2")],
        ("beta", "growth", "egress"): [("b4",)],
        ("beta", "growth", "vm.hours"): [("b1", "b2")],
    }


def _by_account(rows: list[dict[str, object]]) -> dict[str, Fraction]:
    sums: dict[str, Fraction] = {}
    for row in rows:
        account = str(row["BillingAccountId"])
        sums[account] = sums.get(account, Fraction(0)) + Fraction(str(row["BilledCost"]))
    return sums


def test_focus_rows_of_the_invoices_add_up_to_each_total_to_the_cent() -> None:
    rows = rk.focus_rows(_invoices(), provider="Example SaaS")
    assert _by_account(rows) == {
        "acme": Fraction("37.33"),
        "beta": Fraction("80.00"),
        "gamma": Fraction("30.00"),
    }
    credit = [row for row in rows if row["ChargeCategory"] == "Credit"]
    assert [(r["BillingAccountId"], r["BilledCost"], r["x_Credit"]) for r in credit] == [
        ("acme", "-25.00", "welcome")
    ]
    # every cost column FOCUS sums adds up to the total, the credit's row included
    for column in ("BilledCost", "EffectiveCost"):
        acme = sum(Fraction(str(r[column])) for r in rows if r["BillingAccountId"] == "acme")
        assert acme == Fraction("37.33")


def test_focus_rows_of_the_rating_add_up_to_the_exact_totals() -> None:
    rows = rk.focus_rows(_rating(), provider="Example SaaS")
    # acme's exact total is 62.334 - its minimum is charged exactly 9.28
    assert _by_account(rows) == {
        account: Fraction(_rating().total(account=account)) for account in ("acme", "beta", "gamma")
    }
    assert _by_account(rows)["acme"] == Fraction("62.334")


def test_focus_usage_rows_show_the_allowance_and_price_exactly() -> None:
    rows = rk.focus_rows(_invoices(), provider="Example SaaS")
    (starter_vm,) = [r for r in rows if r["x_Plan"] == "starter" and r["x_Meter"] == "vm.hours"]
    # 372 h consumed, 50 free, 322 priced at 0.05 = 16.10
    assert {
        key: starter_vm[key]
        for key in (
            "ConsumedQuantity",
            "PricingQuantity",
            "x_FreeQuantity",
            "ListUnitPrice",
            "ListCost",
            "BilledCost",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "x_RecordIds",
        )
    } == {
        "ConsumedQuantity": "372",
        "PricingQuantity": "322",
        "x_FreeQuantity": "50",
        "ListUnitPrice": "0.05",
        "ListCost": "16.10",
        "BilledCost": "16.10",
        "ChargePeriodStart": "2026-03-01T00:00:00Z",
        "ChargePeriodEnd": "2026-03-16T12:00:00Z",
        "x_RecordIds": ["a1"],
    }
    (top_up,) = [
        r for r in rows if r["ChargeCategory"] == "Adjustment" and r["BillingAccountId"] == "acme"
    ]
    assert (top_up["BilledCost"], top_up["x_Plan"], top_up["ListUnitPrice"]) == (
        "9.28",
        "growth",
        None,
    )


def test_focus_splits_a_line_of_two_plans_on_the_cent_by_largest_remainder() -> None:
    # calls: the line 2.58 (2.584) shared by its charges in proportion: starter's 1.234,
    # growth's 1.50 (2,000 calls) and its correction's -0.15 (-100, a row of its own:
    # metering cuts at a correction's instant): 1.2320.., 1.4976.. and -0.1497..; floors
    # 1.23 + 1.49 - 0.15 = 2.57, the cent left to the largest remainder (0.76 > 0.20, 0.02).
    rows = rk.focus_rows(_invoices(), provider="Example SaaS")
    calls = [(r["x_Plan"], r["BilledCost"]) for r in rows if r["x_Meter"] == "calls"]
    assert calls == [("starter", "1.23"), ("growth", "1.50"), ("growth", "-0.15")]


def test_invoice_lines_frame_and_its_csv_add_up_to_the_subtotals() -> None:
    frame = rk.invoice_lines_frame(_invoices())
    with decimal.localcontext(prec=decimal.MAX_PREC):
        sums = frame.groupby("account")["amount"].sum().to_dict()
    assert sums == {invoice.account: invoice.subtotal for invoice in _invoices()}
    read = list(csv.DictReader(io.StringIO(frame.to_csv(index=False))))
    assert len(read) == sum(len(invoice.lines) for invoice in _invoices())
    by_account: dict[str, Fraction] = {}
    for row in read:
        by_account[row["account"]] = by_account.get(row["account"], Fraction(0)) + Fraction(
            row["amount"]
        )
    assert by_account == {invoice.account: Fraction(invoice.subtotal) for invoice in _invoices()}


def test_charges_frame_and_its_csv_add_up_to_the_rating_exactly() -> None:
    frame = rk.charges_frame(_rating())
    assert set(frame["quantum"]) == {Decimal("0.01")}
    assert set(frame["rounding"]) == {"ROUND_HALF_EVEN"}
    read = list(csv.DictReader(io.StringIO(frame.to_csv(index=False))))
    assert sum(Fraction(row["amount"]) for row in read) == Fraction(
        _rating().total(account="acme")
        + _rating().total(account="beta")
        + _rating().total(account="gamma")
    )


def test_invoices_charges_and_anomalies_round_trip_through_json_rows() -> None:
    for invoice in _invoices():
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)
        assert back._repr_html_() == invoice._repr_html_()
    for charge in _rating().charges:
        assert rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(charge)))) == charge
    for anomaly in _rating().anomalies:
        assert rk.from_row(rk.Anomaly, json.loads(json.dumps(rk.to_row(anomaly)))) == anomaly


def _exports(records: list[rk.Event | rk.Sample]) -> list[str]:
    rating = rk.rate(records, ASSIGNMENTS, span=MARCH, meters=METERS)
    invoices = rk.bill(rating, credits=[WELCOME])
    detailed = rk.bill(rating, credits=[WELCOME], by_resource=True)
    return [
        json.dumps(rk.focus_rows(invoices, provider="X")),
        json.dumps(rk.focus_rows(rating, provider="X")),
        json.dumps([rk.to_row(invoice) for invoice in invoices]),
        json.dumps([rk.to_row(charge) for charge in rating.charges]),
        json.dumps([rk.to_row(anomaly) for anomaly in rating.anomalies]),
        "".join(map(str, invoices)) + "".join(map(str, detailed)),
        "".join(invoice._repr_html_() for invoice in invoices),
        rating._repr_html_(),
        rk.invoice_lines_frame(invoices).to_csv(),
        rk.charges_frame(rating).to_csv(),
        repr(rating.no_effect),
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_same_rating_twice_in_any_order_gives_byte_identical_exports(seed: int) -> None:
    shuffled = list(RECORDS)
    random.Random(seed).shuffle(shuffled)
    assert _exports(shuffled) == _exports(list(RECORDS))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_streaming_rater_restored_from_json_closes_the_same_invoices_and_exports(
    seed: int,
) -> None:
    # Fed in two shuffled batches with a statement and a JSON snapshot between them, the
    # rater's closing invoices, credited, are the batch invoices, byte for byte exported.
    shuffled = list(RECORDS)
    random.Random(seed).shuffle(shuffled)
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MARCH.start)
    rater.feed(shuffled[:5])
    rater.statement("2026-03-12T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNMENTS, METERS)
    rater.feed(shuffled[5:])
    closing = rk.apply_credits(rater.statement("2026-04-01T00:00:00Z").invoices, [WELCOME])
    assert closing == _invoices()
    assert json.dumps(rk.focus_rows(closing, provider="X")) == json.dumps(
        rk.focus_rows(_invoices(), provider="X")
    )
    assert "".join(map(str, closing)) == "".join(map(str, _invoices()))


def test_the_plans_round_trip_as_data_and_rate_the_same_month() -> None:
    document = rk.plandata.load_document(
        json.loads(
            json.dumps(
                {
                    "meters": [rk.plandata.dump(meter) for meter in METERS],
                    "plans": [rk.plandata.dump(STARTER), rk.plandata.dump(GROWTH)],
                    "assignments": [
                        {**rk.plandata.dump(assignment), "plan": assignment.plan.id}
                        for assignment in ASSIGNMENTS
                    ],
                }
            )
        )
    )
    assert list(document.plans) == [STARTER, GROWTH]
    rating = rk.rate(RECORDS, list(document.assignments), span=MARCH, meters=list(document.meters))
    assert rk.bill(rating, credits=[WELCOME]) == _invoices()


def test_lines_are_rounded_each_once_and_the_invoice_adds_the_rounded_lines() -> None:
    # Three meters each charged 0.005 (5 units at 0.001): each line rounds half-even to
    # 0.00, so the invoice is 0.00, while its exact total 0.015 would round to 0.02.
    # The rounding is stated: per line (docs/pricing.md, Rounding), never of the total.
    plan = rk.Plan(
        "api", "EUR", MONTHS, [rk.PriceEntry(m, m, rk.PerUnit("0.001")) for m in ("a", "b", "c")]
    )
    rows = [
        rk.UsageRow("acme", m, "key", MARCH, MARCH, 5, "call", {}, (m,)) for m in ("a", "b", "c")
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("0.00")] * 3
    assert (invoice.total, invoice.precise_total) == (Decimal("0.00"), Decimal("0.015"))
    assert rating.total() == Decimal("0.015")
    billed = rk.focus_rows([invoice], provider="X")
    exact = rk.focus_rows(rating, provider="X")
    assert [row["BilledCost"] for row in billed] == ["0.00", "0.00", "0.00"]
    assert [row["BilledCost"] for row in exact] == ["0.005", "0.005", "0.005"]


def test_the_exports_are_byte_identical_across_processes_and_hash_seeds() -> None:
    # Sets and dicts of strings iterate in an order that PYTHONHASHSEED changes from one
    # process to the next: the exports must not depend on it.
    import hashlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    source = Path(rk.__file__).resolve().parent.parent
    script = (
        "import hashlib, test_auditor_newcomer_month as month; "
        "print(hashlib.sha256('\\x00'.join(month._exports(list(month.RECORDS))).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("0", "12345"):
        environment = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": os.pathsep.join([str(source), str(tests)]),
        }
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        digests.add(result.stdout.strip())
    here = hashlib.sha256("\x00".join(_exports(list(RECORDS))).encode()).hexdigest()
    assert digests == {here}
