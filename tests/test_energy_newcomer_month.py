"""An electricity and EV-charging provider's March 2026, in batch and streamed, by hand.

Two households on the ``household`` plan share a site name (``meter-A``, one under each
account); ``hh-2`` pays from a prepaid credit of 50 EUR and its meter is replaced on 25
March (the counter restarts from 0). A charging station ``cs-1`` has two sessions, one
across the night the clocks go forward. Plans, meters and the oracle are in
``tests/_energy_sites.py``; every figure below is worked by hand.

The stream is the docs' poller (docs/cookbook/streaming.md): a process run every 15
minutes loads the rater from a JSON file, fetches what the meters delivered since its
cursor (re-reading the last 30 minutes, so every record comes twice), feeds it out of
order, asks a statement, and saves the rater and the cursor. One reading is delivered
after March closed (horizon: 3 days).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pathlib
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from tests import _energy_sites as e

import ratekit as rk

R = e.reading
HORIZON = dt.timedelta(days=3)
MARCH_CLOSES = dt.datetime(2026, 4, 3, 22, tzinfo=dt.UTC)  # 4 April 00:00 Paris


def march_records() -> list[rk.Event | rk.Sample]:
    return [
        # hh-1: 180 kWh before the change (old tiers), 160 after (new tiers, from 180).
        R("hh-1", "meter-A", "2026-03-01T00:00:00+01:00", "10000.0", "h1-1"),
        R("hh-1", "meter-A", "2026-03-10T00:00:00+01:00", "10120.0", "h1-2"),
        R("hh-1", "meter-A", "2026-03-16T00:00:00+01:00", "10180.0", "h1-3"),
        R("hh-1", "meter-A", "2026-03-29T04:00:00+02:00", "10300.0", "h1-4"),
        R("hh-1", "meter-A", "2026-04-01T00:00:00+02:00", "10340.0", "h1-5"),  # the boundary
        R("hh-1", "meter-A", "2026-04-02T00:00:00+02:00", "10364.0", "h1-6"),
        # hh-2: 30 kWh before the change; 10, then a new meter from 0: 3 and 60 after.
        R("hh-2", "meter-A", "2026-03-01T00:00:00+01:00", "500", "h2-1"),
        R("hh-2", "meter-A", "2026-03-16T00:00:00+01:00", "530", "h2-2"),
        R("hh-2", "meter-A", "2026-03-20T00:00:00+01:00", "540", "h2-3"),
        R("hh-2", "meter-A", "2026-03-25T00:00:00+01:00", "3", "h2-4"),
        R("hh-2", "meter-A", "2026-04-01T00:00:00+02:00", "63", "h2-5"),
        # cs-1: 10:00 to 11:00 on 5 March; 01:30 CET to 03:30 CEST on 29 March (1 hour).
        rk.Event(
            "cs-1",
            "plug-1",
            "2026-03-05T10:00:00+01:00",
            {"connector": "ccs"},
            kind="start",
            id="c-s1",
        ),
        rk.Sample("cs-1", "plug-1", "charged", "2026-03-05T10:30:00+01:00", "11.5", id="c-k1"),
        rk.Sample("cs-1", "plug-1", "charged", "2026-03-05T11:00:00+01:00", "10.5", id="c-k2"),
        rk.Event("cs-1", "plug-1", "2026-03-05T11:00:00+01:00", kind="stop", id="c-s2"),
        rk.Event("cs-1", "plug-1", "2026-03-29T01:30:00+01:00", kind="start", id="c-s3"),
        rk.Sample("cs-1", "plug-1", "charged", "2026-03-29T03:00:00+02:00", "7", id="c-k3"),
        rk.Event("cs-1", "plug-1", "2026-03-29T03:30:00+02:00", kind="stop", id="c-s4"),
    ]


def assignments() -> list[rk.Assignment]:
    return [
        rk.Assignment("hh-1", e.household()),
        rk.Assignment("hh-2", e.household()),
        rk.Assignment("cs-1", e.station()),
    ]


PREPAID = [rk.Credit("prepaid", "hh-2", 50, "EUR", start="2026-02-01T00:00:00Z")]
AS_OF = "2026-04-05T00:00:00+02:00"


def batch() -> rk.Rating:
    return rk.rate(march_records(), assignments(), span=e.MARCH, meters=e.METERS, as_of=AS_OF)


def test_march_in_paris_lasts_743_hours_and_october_745() -> None:
    assert e.PARIS.containing("2026-03-15T12:00:00Z") == e.MARCH
    assert e.MARCH.duration == dt.timedelta(hours=743)
    assert e.PARIS.containing("2026-10-15T12:00:00Z").duration == dt.timedelta(hours=745)
    assert e.PARIS.spans(rk.Span(e.MARCH.start, e.MAY.end)) == list(e.MONTHS)


def test_batch_march_charges_by_hand() -> None:
    rating = batch()
    got = [(c.account, c.kind, c.entry, c.quantity, c.amount) for c in rating.charges]
    assert got == [
        # 11.5 + 10.5 + 7 = 29 kWh x 0.35 = 10.15; 1 h + 1 h plugged x 0.50.
        ("cs-1", "usage", "charging", Decimal(29), Decimal("10.15")),
        ("cs-1", "usage", "occupancy", Decimal(1), Decimal("0.50")),
        ("cs-1", "usage", "occupancy", Decimal(1), Decimal("0.50")),
        # the minimum of 50 on energy: 50 - 10.15 = 39.85.
        ("cs-1", "minimum", "minimum:charged", Decimal(1), Decimal("39.85")),
        # 180 x 0.20 = 36.00; from 180: 20 x 0.22 + 140 x 0.28 = 4.40 + 39.20 = 43.60.
        ("hh-1", "usage", "energy", Decimal(180), Decimal("36.00")),
        ("hh-1", "usage", "energy-16", Decimal(160), Decimal("43.60")),
        ("hh-1", "fee", "standing", Decimal(1), Decimal("12.40")),
        # 30 x 0.20 = 6.00; 10 + 3 + 60 = 73 x 0.22 = 16.06 (from 30: all under 200).
        ("hh-2", "usage", "energy", Decimal(30), Decimal("6.00")),
        ("hh-2", "usage", "energy-16", Decimal(73), Decimal("16.06")),
        ("hh-2", "fee", "standing", Decimal(1), Decimal("12.40")),
    ]
    # The replaced meter is a counter reset, said once, naming both readings.
    assert next((a.kind, a.account, a.resource, a.record_ids) for a in rating.anomalies) == (
        "counter_reset",
        "hh-2",
        "meter-A",
        ("h2-4", "h2-3"),
    )
    assert "counted from zero (delta 3)" in rating.anomalies[0].message


def test_batch_invoices_with_the_prepaid_credit_by_hand() -> None:
    invoices = rk.bill(batch(), tz="Europe/Paris", credits=PREPAID)
    assert [(i.account, i.subtotal, i.total) for i in invoices] == [
        ("cs-1", Decimal("51.00"), Decimal("51.00")),  # 10.15 + 1.00 + 39.85
        ("hh-1", Decimal("92.00"), Decimal("92.00")),  # 36.00 + 43.60 + 12.40
        ("hh-2", Decimal("34.46"), Decimal("0.00")),  # 6.00 + 16.06 + 12.40, all prepaid
    ]
    assert (
        str(invoices[1]).splitlines()[0]
        == "Invoice hh-1, 2026-03-01 .. 2026-04-01 (Europe/Paris), EUR"
    )
    assert "tiers[1] (200, ∞): 140 * 0.28 = 39.20" in str(invoices[1])
    # 50.00 - 34.46 = 15.54 left for April.
    assert rk.credits_left(PREPAID, invoices) == (
        rk.Credit(
            "prepaid", "hh-2", Decimal("15.54"), "EUR", start="2026-02-01T00:00:00Z", granted=50
        ),
    )


def test_batch_against_the_oracle_to_the_last_digit() -> None:
    readings = [
        (r.account, r.resource, r.at_us, Fraction(r.value), r.id or "")
        for r in march_records()
        if isinstance(r, rk.Sample) and r.meter == "energy"
    ]
    as_of_us = rk.Span(AS_OF, AS_OF).start_us
    expected = e.oracle(readings, as_of_us, [e.MARCH])
    got = e.charge_sums(c for c in batch().charges if c.meter == "energy")
    assert got == expected


def test_a_standing_charge_prorated_by_local_days_for_a_household_that_joins_mid_month() -> None:
    # Joined 10 March 00:00 Paris: 22 whole days of 31, 12.40 x 22/31 = 8.80 (0.40 a day).
    joined = [rk.Assignment("hh-3", e.household(), start="2026-03-10T00:00:00+01:00")]
    invoice = rk.bill(rk.rate([], joined, span=e.MARCH, meters=e.METERS))[0]
    assert [(line.kind, line.amount) for line in invoice.lines] == [("fee", Decimal("8.80"))]


def test_the_station_minimum_prorated_over_octobers_25_hour_day() -> None:
    # From 25 October 00:00 Paris (the 25-hour day) to the month's end: 7 days of 31.
    october = e.PARIS.containing("2026-10-15T00:00:00Z")
    joined = [rk.Assignment("cs-2", e.station(), start="2026-10-25T00:00:00+02:00")]
    plugged = [
        rk.Sample("cs-2", "plug-9", "charged", "2026-10-25T02:30:00+02:00", "10", id="o1"),
        rk.Sample("cs-2", "plug-9", "charged", "2026-10-25T02:30:00+01:00", "10", id="o2"),
    ]
    invoice = rk.bill(rk.rate(plugged, joined, span=october, meters=e.METERS))[0]
    # 20 kWh x 0.35 = 7.00; minimum 50 x 7/31 = 11.2903... billed 11.29 - 7.00 = 4.29.
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("7.00")),
        ("minimum", Decimal("4.29")),
    ]
    assert invoice.total == Decimal("11.29")


def test_exports_rows_json_csv_and_focus() -> None:
    invoices = rk.bill(batch(), tz="Europe/Paris", credits=PREPAID)
    rows = rk.to_rows(invoices)
    assert json.loads(json.dumps(rows)) == rows  # JSON-safe as it is
    assert [rk.from_row(rk.Invoice, row) for row in rows] == list(invoices)  # and read back
    # CSV: one row per invoice line, its Decimals as exact text.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["account", "entry", "quantity", "amount"])
    for invoice in invoices:
        for line in invoice.lines:
            writer.writerow([invoice.account, line.entry, line.quantity, line.amount])
    assert buffer.getvalue().splitlines()[4:7] == [
        "hh-1,energy,180,36.00",
        "hh-1,energy-16,160,43.60",
        "hh-1,standing,1,12.40",
    ]
    # FOCUS: the rows of each invoice add up to what the account is asked to pay.
    focus = rk.focus_rows(invoices, provider="Volt Energie")
    for invoice in invoices:
        mine = [row for row in focus if row["BillingAccountId"] == invoice.account]
        assert sum(Decimal(row["BilledCost"]) for row in mine) == invoice.total
        assert {row["BillingPeriodStart"] for row in mine} == {"2026-02-28T23:00:00Z"}
        assert {row["BillingPeriodEnd"] for row in mine} == {"2026-03-31T22:00:00Z"}
    credit_rows = [row for row in focus if row["ChargeCategory"] == "Credit"]
    assert [(row["BillingAccountId"], row["BilledCost"]) for row in credit_rows] == [
        ("hh-2", "-34.46")
    ]


# ---------------------------------------------------------------------------------------
# The stream: the docs' poller with a JSON file, every 15 minutes.

# When each record reaches the provider: most 20 minutes after their stamp; hh-1's reading
# at the month boundary only on 6 April, after March closed.
LATE_DELIVERY = {"h1-5": dt.datetime(2026, 4, 6, 8, tzinfo=dt.UTC)}


def delivered(record: rk.Event | rk.Sample) -> dt.datetime:
    stamped = rk.Span(record.at, record.at).start
    return LATE_DELIVERY.get(record.id or "", stamped + dt.timedelta(minutes=20))


class Poller:
    """The cookbook's poller: a JSON file holds the rater and the cursor."""

    def __init__(self, store: pathlib.Path, seed: int) -> None:
        self.store = store
        self.random = random.Random(seed)
        self.lines: list[rk.StatementLine] = []
        self.invoices: list[rk.Invoice] = []
        self.feeds: list[rk.Feed] = []
        self.rater: rk.Rater | None = None
        self.cursor = dt.datetime(2026, 2, 28, 23, tzinfo=dt.UTC)

    def load(self) -> tuple[rk.Rater, dt.datetime]:
        if self.store.exists():
            saved = json.loads(self.store.read_text())
            return rk.Rater.restore(
                saved["rater"], assignments(), e.METERS
            ), dt.datetime.fromisoformat(saved["cursor"])
        start = dt.datetime(2026, 2, 28, 23, tzinfo=dt.UTC)
        return rk.Rater(
            assignments(), e.METERS, start=start, horizon=HORIZON, tz="Europe/Paris"
        ), start

    def save(self, rater: rk.Rater, cursor: dt.datetime) -> None:
        temporary = self.store.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rater": rater.snapshot(), "cursor": cursor.isoformat()}))
        temporary.replace(self.store)

    def run_once(
        self, now: dt.datetime, records: list[rk.Event | rk.Sample], restart: bool
    ) -> None:
        if restart or self.rater is None:  # a fresh process: from the file
            self.rater, self.cursor = self.load()
        rater, cursor = self.rater, self.cursor
        low = cursor - dt.timedelta(minutes=30)  # re-read: every record comes twice
        fetched = [r for r in records if low <= delivered(r) < now]
        self.random.shuffle(fetched)
        self.feeds.append(rater.feed(fetched))
        statement = rater.statement(now)
        self.lines += statement.lines
        self.invoices += statement.invoices
        self.cursor = now
        self.save(rater, now)


# Every test that reads the month is marked heavy: the month is streamed once, in the
# step of the heavy examples (without coverage), not once more under the tracer.
@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> Poller:
    poller = Poller(tmp_path_factory.mktemp("energy") / "rater.json", seed=7)
    records = march_records()
    # A first run on 25 March catches up from 1 March; then a run every 15 minutes to 7
    # April (over the change to summer time and the month's end). The process restarts
    # from the file every 6 hours and saves after every statement.
    now = dt.datetime(2026, 3, 25, tzinfo=dt.UTC)
    while now < dt.datetime(2026, 4, 7, tzinfo=dt.UTC):
        now += dt.timedelta(minutes=15)
        poller.run_once(now, records, restart=now.minute == 0 and now.hour % 6 == 0)
    return poller


@pytest.mark.heavy
def test_stream_takes_each_record_once_and_the_rest_as_duplicates(streamed: Poller) -> None:
    accepted = sum(f.counts["accepted"] + f.counts["late"] for f in streamed.feeds)
    duplicates = sum(f.counts["duplicates"] for f in streamed.feeds)
    assert accepted == len(march_records())
    # Fetched three times (a 15-minute poll re-reading the 30 minutes before), but for
    # those the first run caught up with (its window reaches back to 1 March): once.
    caught_up = [
        r for r in march_records() if delivered(r) < dt.datetime(2026, 3, 24, 23, 45, tzinfo=dt.UTC)
    ]
    assert len(caught_up) == 11
    assert duplicates == 2 * (len(march_records()) - len(caught_up))


@pytest.mark.heavy
def test_stream_closing_invoices_of_march_by_hand(streamed: Poller) -> None:
    march = [i for i in streamed.invoices if i.cycle == e.MARCH]
    assert [(i.account, i.total) for i in march] == [
        ("cs-1", Decimal("51.00")),
        # Without the reading at 1 April 00:00 (delivered on 6 April), hh-1's 64 kWh from
        # 29 March 02:00Z to 1 April 22:00Z (92 h) are spread: 68 h in March, 47.3043...;
        # new tiers from 180: 20 x 0.22 + (140 + 64 x 68/92) x 0.28 = 45.6452... -> 45.65.
        ("hh-1", Decimal("94.05")),
        ("hh-2", Decimal("34.46")),
    ]
    assert (
        str(march[1]).splitlines()[0]
        == "Invoice hh-1, 2026-03-01 .. 2026-04-01 (Europe/Paris), EUR"
    )
    credited = rk.apply_credits(march, PREPAID)
    assert [i.total for i in credited] == [Decimal("51.00"), Decimal("94.05"), Decimal("0.00")]


@pytest.mark.heavy
def test_stream_corrects_march_when_the_boundary_reading_comes_after_the_horizon(
    streamed: Poller,
) -> None:
    late = [line for line in streamed.lines if line.late]
    # The closing line: 4.40 + (140 + 64 x 68/92) x 0.28, the spread part a metered slice
    # (64 x 68/92 = 47.304347826086956521739130|43..., rounded at 1E-24 kWh).
    assert [(line.account, line.role, line.entry, line.amount) for line in late] == [
        ("hh-1", "reversal", "energy-16", Decimal("-45.6452173913043478260869564")),
        ("hh-1", "correction", "energy-16", Decimal("43.60")),
    ]
    assert all(line.cycle == e.MARCH for line in late)
    # In whole cents (docs: bill the correction's charges, take the closing line from it):
    # 43.60 where March's closing invoice said 45.65, so -2.05 goes on the next invoice.
    (anew,) = rk.bill(late[1].charges, tz="Europe/Paris")
    (closing,) = [i for i in streamed.invoices if i.cycle == e.MARCH and i.account == "hh-1"]
    before = next(line.amount for line in closing.lines if line.entry == "energy-16")
    assert (anew.lines[0].amount, before) == (Decimal("43.60"), Decimal("45.65"))


@pytest.mark.heavy
def test_stream_lines_add_up_to_batch_per_account_cycle_and_line(streamed: Poller) -> None:
    span = rk.Span(e.MARCH.start, e.APRIL.end)
    last_watermark = "2026-04-07T00:00:00Z"
    rating = rk.rate(
        march_records(), assignments(), span=span, meters=e.METERS, as_of=last_watermark
    )
    assert e.line_sums(streamed.lines) == e.charge_sums(rating.charges)


def test_closing_invoices_credited_one_closing_at_a_time_are_batchs() -> None:
    # docs/streaming.md, "Credits on closing invoices": when nothing reaches a cycle after
    # it closed, crediting each closing with what the last one left gives bill()'s invoices.
    granted = [
        *PREPAID,
        rk.Credit("monthly", "hh-1", 5, "EUR", start="2026-03-01T00:00:00Z", renews=True),
    ]
    rater = rk.Rater(
        assignments(), e.METERS, start=e.MARCH.start, horizon=HORIZON, tz="Europe/Paris"
    )
    rater.feed(march_records())
    credited: list[rk.Invoice] = []
    left = granted
    for watermark in ("2026-03-20T00:00:00Z", "2026-04-04T00:00:00Z", "2026-05-04T00:00:00Z"):
        closing = rk.apply_credits(rater.statement(watermark).invoices, left)
        left = list(rk.credits_left(left, closing))
        credited += closing
    span = rk.Span(e.MARCH.start, e.APRIL.end)
    rating = rk.rate(
        march_records(), assignments(), span=span, meters=e.METERS, as_of="2026-05-04T00:00:00Z"
    )
    whole = rk.bill(rating, credits=granted, tz="Europe/Paris")

    def order(invoice: rk.Invoice) -> tuple[str, int]:
        return invoice.account, invoice.cycle.start_us

    assert sorted(credited, key=order) == sorted(whole, key=order)
    # hh-1: March 92.00 - 5 (monthly) = 87.00; April 24 kWh x 0.22 + 12.40 = 17.68 - 5 =
    # 12.68. hh-2: March 34.46 from the prepaid 50; April's standing 12.40 from the 15.54
    # left. cs-1: April's minimum, 50.00, with nothing charged.
    assert [(i.account, f"{i.cycle.start:%m}", i.total) for i in sorted(credited, key=order)] == [
        ("cs-1", "02", Decimal("51.00")),
        ("cs-1", "03", Decimal("50.00")),
        ("hh-1", "02", Decimal("87.00")),
        ("hh-1", "03", Decimal("12.68")),
        ("hh-2", "02", Decimal("0.00")),
        ("hh-2", "03", Decimal("0.00")),
    ]


def test_a_standing_charge_as_time_in_days_bills_marchs_743_hours_not_31_days() -> None:
    # A per-day charge written as a time meter in days (a site "connected" all month) is
    # time, not local days: March in Paris is 743 h = 30.9583... days, so 0.40 a day bills
    # 12.3833... (12.38), where 31 local days at 0.40 are 12.40. ratekit's per-day charge
    # by local days is a fee per cycle prorated by days (the household plan), whose amount
    # is fixed per cycle (12.40 suits 31-day months only).
    connected = rk.Meter("connected", "day", rk.OnOff())
    plan = rk.Plan(
        "by-time", "EUR", e.PARIS, [rk.PriceEntry("standing", "connected", rk.PerUnit("0.40"))]
    )
    site = [rk.Event("hh-1", "meter-A", "2026-03-01T00:00:00+01:00", kind="start", id="c1")]
    rating = rk.rate(site, plan, span=e.MARCH, meters=[connected])
    # 743/24 = 30.958333..., a slice at 1E-24; priced at its exact time, 0.40 x 743/24.
    assert [c.quantity for c in rating.charges] == [Decimal("30.958333333333333333333334")]
    assert rk.bill(rating)[0].total == Decimal("12.38")
