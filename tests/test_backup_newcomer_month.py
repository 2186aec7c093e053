"""A backup service's month, rated in batch as docs/usage.md says of gauges and means.

Stored GB are a gauge whose mean over the month (`TimeWeightedMean(over="period")`) is
the GB-months billed; a protected machine is a gauge of 1 from its agent's registration
to its removal, its mean the machine-months; restores are deltas priced by graduated
tiers. Every quantity below is worked by hand, in hours of the customer's own month.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

from tests._backup_service import METERS, gauge, plan, restored

import ratekit as rk

SAO_PAULO = "America/Sao_Paulo"
LORD_HOWE = "Australia/Lord_Howe"
LONDON = "Europe/London"


def cycle(tz: str, instant: str) -> rk.Span:
    return rk.cycles.monthly(tz=tz).containing(instant)


def quantities(records: list[rk.Sample], tz: str, instant: str) -> dict[str, Decimal]:
    rating = rk.rate(records, plan(tz), span=cycle(tz, instant), meters=METERS)
    (invoice,) = rk.bill(rating, tz=tz)
    return {line.meter: line.quantity for line in invoice.lines if line.meter is not None}


def test_cycles_in_the_customers_zones() -> None:
    # Lord Howe: April 2026 loses half an hour at the DST end (5 April 02:00 +11 -> 01:30
    # +10:30): 1 April 00:00 +11 = 31 March 13:00Z, 1 May 00:00 +10:30 = 30 April 13:30Z.
    april = cycle(LORD_HOWE, "2026-04-15T00:00:00Z")
    assert april == rk.Span("2026-03-31T13:00:00Z", "2026-04-30T13:30:00Z")
    assert april.duration.total_seconds() == 720.5 * 3600
    # October gains it back: 1 October +10:30 = 30 Sep 13:30Z .. 1 November +11 = 31 Oct 13:00Z.
    october = cycle(LORD_HOWE, "2026-10-15T00:00:00Z")
    assert october.duration.total_seconds() == 743.5 * 3600
    # London March: BST from 29 March, so 1 March 00:00Z .. 31 March 23:00Z, 743 h.
    assert cycle(LONDON, "2026-03-15T00:00:00Z").duration.total_seconds() == 743 * 3600
    # Sao Paulo has no DST since 2019: -03:00 all year.
    assert cycle(SAO_PAULO, "2026-03-15T00:00:00Z") == rk.Span(
        "2026-03-01T03:00:00Z", "2026-04-01T03:00:00Z"
    )


def test_a_single_reading_holds_to_the_month_end_and_on_into_the_next() -> None:
    # 310 GB read once, at 10 March 00:00 local (03:00Z): held 22 of March's 31 days,
    # 310 x 22/31 = 220 GB-month; April has no reading and holds 310 all month.
    records = [gauge("acme", "vault", "storage", "2026-03-10T03:00:00Z", 310, "s1")]
    assert quantities(records, SAO_PAULO, "2026-03-15T00:00:00Z") == {"storage": Decimal(220)}
    assert quantities(records, SAO_PAULO, "2026-04-15T00:00:00Z") == {"storage": Decimal(310)}


def test_a_gap_across_the_month_end_holds_the_last_reading() -> None:
    # London: 100 GB read hourly 31 March 18:00Z..20:00Z, then nothing until 1 April
    # 22:00Z (200 GB). March (743 h) holds 100 GB for the 5 h from 18:00Z to its end at
    # 23:00Z: 500/743. April (720 h) holds 100 for 23 h, then 200 for 697 h:
    # (2300 + 139400)/720 = 141700/720.
    records = [
        gauge("acme", "vault", "storage", f"2026-03-31T{hour}:00:00Z", 100, f"a{hour}")
        for hour in (18, 19, 20)
    ]
    records += [gauge("acme", "vault", "storage", "2026-04-01T22:00:00Z", 200, "b22")]
    march = quantities(records, LONDON, "2026-03-15T00:00:00Z")["storage"]
    april = quantities(records, LONDON, "2026-04-15T00:00:00Z")["storage"]
    assert abs(Fraction(march) - Fraction(500, 743)) < Fraction(1, 10**55)
    assert abs(Fraction(april) - Fraction(141700, 720)) < Fraction(1, 10**55)


def test_a_reading_at_the_cycle_boundary_belongs_to_the_next_cycle() -> None:
    # London April starts 31 March 23:00Z. 100 GB from 16 March 00:00Z holds 383 h of
    # March's 743 (38300/743); the 700 GB read at the boundary itself is April's, all of it.
    records = [
        gauge("acme", "vault", "storage", "2026-03-16T00:00:00Z", 100, "c1"),
        gauge("acme", "vault", "storage", "2026-03-31T23:00:00Z", 700, "c2"),
    ]
    march = quantities(records, LONDON, "2026-03-15T00:00:00Z")["storage"]
    assert abs(Fraction(march) - Fraction(38300, 743)) < Fraction(1, 10**55)
    assert quantities(records, LONDON, "2026-04-15T00:00:00Z") == {"storage": Decimal(700)}


def test_a_reading_at_the_last_microsecond_of_a_month() -> None:
    # 743 GB held 1 us of London's 743-h March: 743/(743 x 3.6e9) = 1/3.6e9 GB-month.
    records = [gauge("acme", "vault", "storage", "2026-03-31T22:59:59.999999Z", 743, "lm")]
    march = quantities(records, LONDON, "2026-03-15T00:00:00Z")["storage"]
    assert abs(Fraction(march) - Fraction(1, 3_600_000_000)) < Fraction(1, 10**65)
    assert rk.bill(
        rk.rate(records, plan(LONDON), span=cycle(LONDON, "2026-03-15T00:00:00Z"), meters=METERS)
    )[0].total == Decimal("0.00")


def test_lord_howe_half_hour_dst_in_a_mean() -> None:
    # 720.5 GB from April's start (31 March 13:00Z) to the DST change (4 April 15:00Z):
    # 98 h of 720.5, 720.5 x 98/720.5 = 98 GB-month exactly.
    records = [
        gauge("acme", "vault", "storage", "2026-03-31T13:00:00Z", "720.5", "d1"),
        gauge("acme", "vault", "storage", "2026-04-04T15:00:00Z", 0, "d2"),
    ]
    assert quantities(records, LORD_HOWE, "2026-04-15T00:00:00Z") == {"storage": Decimal(98)}


def test_an_agent_removed_and_registered_again_within_the_hour() -> None:
    # February (672 h): registered all month but the 30 minutes between its removal on
    # the 10th and its reinstall under the same id: 671.5/672 machine-months, x 10 = 9.99.
    records = [
        gauge("acme", "agent-1", "machines", "2026-02-01T00:00:00Z", 1, "m1"),
        gauge("acme", "agent-1", "machines", "2026-02-10T00:00:00Z", 0, "m2"),
        gauge("acme", "agent-1", "machines", "2026-02-10T00:30:00Z", 1, "m3"),
    ]
    machines = quantities(records, LONDON, "2026-02-15T00:00:00Z")["machines"]
    assert abs(Fraction(machines) - Fraction(6715, 6720)) < Fraction(1, 10**55)
    rating = rk.rate(
        records, plan(LONDON), span=cycle(LONDON, "2026-02-15T00:00:00Z"), meters=METERS
    )
    assert rk.bill(rating)[0].total == Decimal("9.99")  # 9.99255952...


def test_removed_and_registered_at_one_instant_keeps_the_machine() -> None:
    # 0 and 1 stamped at one instant with no seq: applied by value, the lower first, so 1
    # holds (a tie anomaly names both): the machine is protected the whole month.
    records = [
        gauge("acme", "agent", "machines", "2026-03-01T00:00:00Z", 1, "m1"),
        gauge("acme", "agent", "machines", "2026-03-20T00:00:00Z", 0, "m2"),
        gauge("acme", "agent", "machines", "2026-03-20T00:00:00Z", 1, "m3"),
    ]
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    usage = rk.meter(
        records, METERS, span=march, cycle=rk.cycles.monthly(tz="UTC"), as_of=march.end
    )
    assert usage.total("machines") == Decimal(1)
    assert [(anomaly.kind, anomaly.record_ids) for anomaly in usage.anomalies] == [
        ("tie", ("m3", "m2"))
    ]


def test_a_late_correction_with_a_greater_seq_holds() -> None:
    # 500 GB corrected to 50 GB at the same instant (seq 2 > seq 1), 10 March 00:00Z, in
    # UTC: 50 GB for 22 of 31 days = 1100/31 GB-month; no tie anomaly. Any order.
    first = gauge("acme", "vault", "storage", "2026-03-10T00:00:00Z", 500, "k1", seq=1)
    fixed = gauge("acme", "vault", "storage", "2026-03-10T00:00:00Z", 50, "k1b", seq=2)
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    for records in ([first, fixed], [fixed, first]):
        usage = rk.meter(
            records, METERS, span=march, cycle=rk.cycles.monthly(tz="UTC"), as_of=march.end
        )
        assert abs(Fraction(usage.total("storage")) - Fraction(1100, 31)) < Fraction(1, 10**55)
        assert usage.anomalies == ()


def test_a_plan_switch_at_the_instant_of_readings() -> None:
    # London February (672 h), basic (0.02/GB-month, 10/machine) until 15 Feb 00:00Z, pro
    # (0.01, 20) from then; a reading of 300 GB, a registration and a 60 GB restore at
    # that very instant are pro's. Storage: 100 GB x 14/28 = 50 at 0.02 = 1.00 and
    # 300 x 14/28 = 150 at 0.01 = 1.50; machines 1 x 14/28 = 0.5 at 20 = 10.00; restore
    # 60 GB: 10 free + 50 x 0.09 = 4.50. Total 17.00.
    switch = "2026-02-15T00:00:00Z"
    assigned = [
        rk.Assignment("acme", plan(LONDON, "basic", "0.02", "10"), end=switch),
        rk.Assignment("acme", plan(LONDON, "pro", "0.01", "20"), start=switch),
    ]
    records = [
        gauge("acme", "vault", "storage", "2026-02-01T00:00:00Z", 100, "s1"),
        gauge("acme", "vault", "storage", switch, 300, "s2"),
        gauge("acme", "agent-1", "machines", switch, 1, "m1"),
        restored("acme", switch, 60, "r1"),
    ]
    rating = rk.rate(records, assigned, span=cycle(LONDON, switch), meters=METERS)
    by_plan = {(charge.plan, charge.meter): charge.amount for charge in rating.charges}
    assert by_plan == {
        ("basic", "storage"): Decimal("1.00"),
        ("pro", "storage"): Decimal("1.50"),
        ("pro", "machines"): Decimal(10),
        ("pro", "restore"): Decimal("4.50"),
    }
    assert rk.bill(rating)[0].total == Decimal("17.00")


def test_huge_and_zero_gauges() -> None:
    # 9.99E+29 GB held all of February (just under ratekit's 1E+30 bound) at 0.02:
    # 1.998E+28 EUR exactly; a vault of 0 GB next to it adds a line of 0.
    records = [
        gauge("acme", "vault", "storage", "2026-02-01T00:00:00Z", "9.99E+29", "z1"),
        gauge("acme", "v0", "storage", "2026-02-01T00:00:00Z", 0, "z2"),
    ]
    (invoice,) = rk.bill(
        rk.rate(records, plan("UTC"), span=cycle("UTC", "2026-02-15T00:00:00Z"), meters=METERS)
    )
    assert invoice.lines[0].quantity == Decimal("9.99E+29")
    assert invoice.total == Decimal("19980000000000000000000000000.00")


def test_a_quarter_rated_at_once_gives_each_month_its_own_invoice() -> None:
    # Finance re-rates Lord Howe's Q2 in one call: one invoice per local month.
    # April (720.5 h): 500 GB from 4 April 15:00Z, 622.5 h: 500 x 622.5/720.5; a machine
    # from one second earlier: (622.5 x 3600 + 1)/(720.5 x 3600). May (744 h): 500 GB and
    # the machine whole, a restore of 150 GB a microsecond before May ends (10 x 0 + 90 x
    # 0.09 + 50 x 0.05 = 10.60): 10 + 10.60 + 10 = 30.60. June (720 h): 800 GB from its
    # first instant, the machine to 10 June 00:00Z, 226.5 h: 16 + 10 x 226.5/720 = 19.15.
    tz = LORD_HOWE
    monthly = rk.cycles.monthly(tz=tz)
    quarter = rk.Span(
        monthly.containing("2026-04-15T00:00:00Z").start,
        monthly.containing("2026-06-15T00:00:00Z").end,
    )
    records = [
        gauge("acme", "vault", "storage", "2026-04-04T15:00:00Z", 500, "s0"),
        gauge("acme", "vault", "storage", "2026-05-31T13:30:00Z", 800, "s1"),
        gauge("acme", "a1", "machines", "2026-04-04T14:59:59Z", 1, "m0"),
        gauge("acme", "a1", "machines", "2026-06-10T00:00:00Z", 0, "m1"),
        restored("acme", "2026-05-31T13:29:59.999999Z", 150, "r0"),
    ]
    invoices = rk.bill(rk.rate(records, plan(tz), span=quarter, meters=METERS), tz=tz)
    april, may, june = invoices
    storage = {line.meter: line.quantity for line in april.lines}
    assert abs(Fraction(storage["storage"]) - Fraction(500) * Fraction(6225, 7205)) < Fraction(
        1, 10**55
    )
    assert abs(Fraction(storage["machines"]) - Fraction(6225 * 360 + 1, 7205 * 360)) < Fraction(
        1, 10**55
    )
    assert april.total == Decimal("17.28")  # 8.6399 + 8.6398...
    assert may.total == Decimal("30.60")
    assert june.total == Decimal("19.15")  # 16 + 3.1458333...
    assert (
        str(april).splitlines()[0]
        == "Invoice acme, 2026-04-01 .. 2026-05-01 (Australia/Lord_Howe), EUR"
    )


def test_invoice_and_charges_round_trip_through_rows_and_json() -> None:
    # Lord Howe October (743.5 h), a machine registered 1 us after 10 October 00:00Z: its
    # 60-digit share survives to_row -> JSON -> from_row unchanged, and so does the invoice.
    tz = LORD_HOWE
    records = [
        gauge("acme", "vault", "storage", "2026-10-03T00:00:00Z", "123.4", "s1"),
        gauge("acme", "agent-1", "machines", "2026-10-10T00:00:00.000001Z", 1, "m1"),
        restored("acme", "2026-10-04T00:00:00Z", 150, "r1"),
    ]
    rating = rk.rate(records, plan(tz), span=cycle(tz, "2026-10-15T00:00:00Z"), meters=METERS)
    (invoice,) = rk.bill(rating, tz=tz)
    # storage: 123.4 GB x 685 h / 743.5 h
    storage = next(line for line in invoice.lines if line.meter == "storage")
    assert abs(Fraction(storage.quantity) - Fraction("123.4") * Fraction(685 * 2, 1487)) < Fraction(
        1, 10**55
    )
    assert invoice.total == Decimal("19.82")  # 6.95 + 10.60 + 2.27
    back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
    assert back == invoice
    assert str(back) == str(invoice)
    for charge in rating.charges:
        assert rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(charge)))) == charge
    rows = rk.focus_rows([invoice], provider="Backup")
    assert sorted(row["BilledCost"] for row in rows) == ["10.60", "2.27", "6.95"]


def test_invoice_html_escapes_and_shows_the_lines() -> None:
    records = [gauge("acme", "<img src=x>", "storage", "2026-03-01T00:00:00Z", 10, "h1")]
    rating = rk.rate(records, plan("UTC"), span=cycle("UTC", "2026-03-15T00:00:00Z"), meters=METERS)
    page = rk.bill(rating, by_resource=True)[0]._repr_html_()
    assert "<img" not in page
    assert "&lt;img src=x&gt;" in page
    assert "0.20" in page  # 10 GB-month x 0.02
