"""A DBaaS's month rated in batch, every figure worked by hand.

The cluster, plans and records are in ``tests/_dbaas_month.py``. March 2026 in New York
is 743 hours (the clocks go forward on the 8th); every amount below is a ``Fraction`` of
those hours, rounded once per invoice line.
"""

from __future__ import annotations

import csv
import decimal
import functools
import io
import json
from decimal import Decimal
from fractions import Fraction

from tests._dbaas_month import MARCH, METERS, MONTHS, PLANS, RECORDS, RISE, TZ

import ratekit as rk

CENT = Decimal("0.01")


def _cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=decimal.ROUND_HALF_EVEN
    )


@functools.cache
def _rating() -> rk.Rating:
    return rk.rate(list(RECORDS), list(PLANS), span=MARCH, meters=METERS)


@functools.cache
def _invoice() -> rk.Invoice:
    (invoice,) = rk.bill(_rating(), tz=TZ)
    return invoice


def _sixty(value: Fraction) -> Decimal:
    """A Fraction to ratekit's 60 significant digits, as metering and rating cut shares."""
    with decimal.localcontext() as context:
        context.prec = 60
        return Decimal(value.numerator) / Decimal(value.denominator)


def _near(value: Fraction, expected: Fraction) -> bool:
    """Equal but for shares cut at their 60th digit (a few units of 1e-57 here)."""
    return abs(value - expected) < Fraction(1, 10**55)


def _lines(invoice: rk.Invoice) -> dict[tuple[str, str | None], Decimal]:
    return {(line.kind, line.entry): line.amount for line in invoice.lines}


def test_a_new_york_march_lasts_743_hours() -> None:
    # 1 March 00:00 EST is 05:00Z, 1 April 00:00 EDT is 04:00Z: 31 x 24 - 1 hours
    assert rk.Span("2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z") == MARCH
    assert MARCH.duration.total_seconds() == 743 * 3600


def test_instance_hours_per_flavor_across_the_rise_and_the_upgrade() -> None:
    charges = [
        (charge.plan, charge.entry, charge.quantity, charge.amount)
        for charge in _rating().charges
        if charge.meter == "db.hours"
    ]
    # small 2 Mar 05Z..10 Mar 04Z: 192 h less the DST hour = 191 h x 0.10 = 19.10
    # large 10..15 Mar 04Z: 120 h x 0.40 = 48.00; 15..17 Mar: 48 h x 0.48 = 23.04
    # small 17..20 Mar: 72 h x 0.12 = 8.64 (the raised price)
    # pro small 20..22 Mar 04Z: 48 h, stopped to 10Z, then 22 Mar 10Z..28 Mar 04Z: 138 h;
    # 186 h x 0.09 = 16.74
    assert sorted(charges) == sorted(
        [
            ("basic", "small", Decimal(191), Decimal("19.10")),
            ("basic", "large", Decimal(120), Decimal("48.00")),
            ("basic", "large+", Decimal(48), Decimal("23.04")),
            ("basic", "small+", Decimal(72), Decimal("8.64")),
            ("pro", "small", Decimal(48), Decimal("4.32")),
            ("pro", "small", Decimal(138), Decimal("12.42")),
        ]
    )


def test_storage_is_billed_as_gb_months_of_the_time_weighted_mean() -> None:
    rating = _rating()
    storage = [charge for charge in rating.charges if charge.meter == "storage"]
    # 100 GB from 2 Mar 05Z (335 h to 16 Mar 04Z), 200 GB to the month's end (384 h):
    # 33,500 + 76,800 = 110,300 GB-h over 743 h
    # the rows telescope to the mean cut at its 60th digit
    assert sum(Fraction(c.quantity) for c in storage) == Fraction(_sixty(Fraction(110300, 743)))
    by_plan_entry: dict[tuple[str, str], Fraction] = {}
    for charge in storage:
        key = (charge.plan, charge.entry)
        by_plan_entry[key] = by_plan_entry.get(key, Fraction(0)) + Fraction(charge.amount)
    # basic, before the rise: 100 GB x 311 h = 31,100 GB-h at 0.10
    # basic, after it: 100 x 24 + 200 x 96 = 21,600 GB-h at 0.12
    # pro: 200 x 288 = 57,600 GB-h at 0.08
    expected = {
        ("basic", "gbmo"): Fraction(3110, 743),
        ("basic", "gbmo+"): Fraction(2592, 743),
        ("pro", "gbmo"): Fraction(4608, 743),
    }
    assert by_plan_entry.keys() == expected.keys()
    assert all(_near(by_plan_entry[key], expected[key]) for key in expected)
    # the invoice's lines round the exact sums: (3110 + 4608)/743 = 10.3876, 2592/743 = 3.4886
    lines = {line.entry: line for line in rk.bill(rating)[0].lines if line.meter == "storage"}
    assert (lines["gbmo"].amount, lines["gbmo+"].amount) == (Decimal("10.39"), Decimal("3.49"))


def test_backup_is_the_cycles_peak_shared_by_time_between_plans() -> None:
    backup = [charge for charge in _rating().charges if charge.meter == "backup"]
    # peak 80 GB; basic holds 455 h of 743 (to 20 Mar 04Z), pro 288
    assert sum(Fraction(c.quantity) for c in backup) == 80
    basic = sum(Fraction(c.amount) for c in backup if c.plan == "basic")
    pro = sum(Fraction(c.amount) for c in backup if c.plan == "pro")
    assert _near(basic, Fraction(80 * 455, 743) * Fraction("0.05"))  # 1820/743
    assert _near(pro, Fraction(80 * 288, 743) * Fraction("0.04"))  # 921.6/743


def test_iops_counter_with_a_restart_climbs_each_plans_own_tiers() -> None:
    rating = _rating()
    iops = [charge for charge in rating.charges if charge.meter == "iops"]
    # basic: 5000 + 4000, then the restart's 300 counted from zero, then half of the
    # 2000 from 19 to 21 Mar (24 h of 48 before the upgrade): 10,300
    # pro: the other 1000, then 6000 from 21 to 24 Mar: 7000
    assert sum(Fraction(c.quantity) for c in iops if c.plan == "basic") == 10300
    assert sum(Fraction(c.quantity) for c in iops if c.plan == "pro") == 7000
    # basic (1000 free, 0.002 after): 9300 x 0.002 = 18.60; pro (5000 free): 2000 x 0.001
    assert sum(Fraction(c.amount) for c in iops if c.plan == "basic") == Fraction("18.60")
    assert sum(Fraction(c.amount) for c in iops if c.plan == "pro") == Fraction("2.00")
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("counter_reset", ("c4", "c3"))]


def test_the_invoice_lines_and_the_pro_minimum_topped_up() -> None:
    invoice = _invoice()
    backup = Fraction(1820, 743) + Fraction("921.6") / 743  # 3.6899...
    pro_spent = Fraction("16.74") + Fraction("2.00") + Fraction(4608, 743) + Fraction("921.6") / 743
    commitment = Fraction(200 * 288, 743)  # 77.5235...
    topup = _cents(commitment) - _cents(pro_spent)  # 77.52 - 26.18
    assert _lines(invoice) == {
        ("usage", "backup"): _cents(backup),
        ("usage", "large"): Decimal("48.00"),
        ("usage", "large+"): Decimal("23.04"),
        ("usage", "small"): Decimal("35.84"),  # 19.10 + 16.74
        ("usage", "small+"): Decimal("8.64"),
        ("usage", "io"): Decimal("20.60"),
        ("usage", "gbmo"): _cents(Fraction(3110 + 4608, 743)),  # 10.39
        ("usage", "gbmo+"): _cents(Fraction(2592, 743)),  # 3.49
        ("minimum", "minimum"): topup,
    }
    assert topup == Decimal("51.34")
    # basic's 50 x 455/743 = 30.62 is far below what basic billed: no top-up line for it
    minimums = [line for line in invoice.lines if line.kind == "minimum"]
    assert [charge.plan for line in minimums for charge in line.charges] == ["pro"]
    assert invoice.total == sum(_lines(invoice).values()) == Decimal("205.03")
    assert Fraction(invoice.precise_total) == Fraction(_rating().total()) + 0  # exact sum


def test_the_invoice_reads_in_new_york_dates_as_text_and_html() -> None:
    invoice = _invoice()
    text = str(invoice)
    assert text.splitlines()[0] == "Invoice acme, 2026-03-01 .. 2026-04-01 (America/New_York), USD"
    assert (
        "pro · commitment ~77.523553 - spent ~26.182261 = ~51.341292; billed 77.52 - lines 26.18 = 51.34"
        in text
    )
    assert text.rstrip().endswith("205.03")
    page = invoice._repr_html_()
    assert "205.03" in page
    assert "51.34" in page


def test_json_and_csv_exports_round_trip_to_the_cent() -> None:
    invoice = _invoice()
    stored = json.dumps(rk.to_row(invoice))
    assert rk.from_row(rk.Invoice, json.loads(stored)) == invoice
    assert str(rk.from_row(rk.Invoice, json.loads(stored))) == str(invoice)
    rows = [rk.to_row(charge) for charge in _rating().charges]
    out = io.StringIO()
    columns = ["plan", "meter", "entry", "quantity", "amount"]
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    # amounts are exact strings, never floats: they add up to the rating's exact total
    assert sum(Fraction(row["amount"]) for row in read) == Fraction(_rating().total())
    assert all("e" not in row["amount"].lower() for row in read)


def test_the_callers_decimal_context_does_not_matter() -> None:
    expected = _invoice()
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        context.traps[decimal.Inexact] = True
        got = _invoice()
    assert (got.total, got.precise_total) == (expected.total, expected.precise_total)


def test_a_deleted_clusters_last_storage_level_holds_into_april_as_documented() -> None:
    # usage.md: a mean's last level holds on into later cycles until the next reading, and
    # a delete does not end it (a size that a delete ends is a Continuous meter's). So
    # April bills 200 GB-month at 0.08 = 16.00, under pro's 200 commitment (184.00 more).
    april = MONTHS.containing("2026-04-15T00:00:00Z")
    (invoice,) = rk.bill(rk.rate(list(RECORDS), list(PLANS), span=april, meters=METERS))
    assert [(line.entry, line.quantity, line.amount) for line in invoice.lines] == [
        ("gbmo", Decimal(200), Decimal("16.00")),
        ("minimum", Decimal(1), Decimal("184.00")),
    ]


def test_a_price_rise_on_tiered_iops_and_backup_keeps_one_running_total() -> None:
    iops = (rk.Tier(1000, 0), rk.Tier(None, "0.002")), (rk.Tier(1000, 0), rk.Tier(None, "0.003"))
    backup = (
        (rk.Tier(50, "0.05"), rk.Tier(None, "0.03")),
        (rk.Tier(50, "0.06"), rk.Tier(None, "0.04")),
    )
    plan = rk.Plan(
        "tiered",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("io", "iops", rk.Graduated(list(iops[0]))),
            rk.PriceEntry("io+", "iops", rk.Graduated(list(iops[1])), start=RISE, priority=1),
            rk.PriceEntry("vol", "backup", rk.Volume(list(backup[0]))),
            rk.PriceEntry("vol+", "backup", rk.Volume(list(backup[1])), start=RISE, priority=1),
            rk.PriceEntry("h", "db.hours", rk.PerUnit(0)),
            rk.PriceEntry("s", "storage", rk.PerUnit(0)),
        ],
    )
    (invoice,) = rk.bill(rk.rate(list(RECORDS), plan, span=MARCH, meters=METERS))
    lines = {line.entry: line for line in invoice.lines}
    # IOPS before the rise: 5000, then 2000 of the 4000 from 12 to 18 March (72 h of 144):
    # 7000, the first 1000 free, 6000 x 0.002 = 12.00. After it the tiers run on (past
    # 1000 already): 2000 + 300 (the restart) + 2000 + 6000 = 10,300 x 0.003 = 30.90
    assert (lines["io"].quantity, lines["io"].amount) == (Decimal(7000), Decimal("12.00"))
    assert (lines["io+"].quantity, lines["io+"].amount) == (Decimal(10300), Decimal("30.90"))
    # backup: the peak, 80 GB, prices past 50 under each volume price, for each price's
    # share of the 743 hours: 335 h before the rise, 408 after
    assert lines["vol"].amount == _cents(Fraction(80 * 335, 743) * Fraction("0.03"))  # 1.08
    assert lines["vol+"].amount == _cents(Fraction(80 * 408, 743) * Fraction("0.04"))  # 1.76
    assert invoice.total == Decimal("45.74")
