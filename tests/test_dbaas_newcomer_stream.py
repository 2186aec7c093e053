"""The DBaaS month of ``tests/_dbaas_month.py`` streamed through ``rk.Rater``.

Statements come hourly over the day of the DST change (the 8th) and of the upgrade (the
20th), and every twelve hours otherwise; the rater is saved as JSON and restored now and then; the last records
fed are fed again with each batch (an at-least-once queue); a backup reading comes two
days late, and the resize to large on the 10th comes only after the resize back on the
17th. The closing invoice must be batch's, and the March lines must add up to its exact
total.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import pickle
from decimal import Decimal
from fractions import Fraction

from tests._dbaas_month import HOUR, LATE_BACKUP, MARCH, METERS, PLANS, RECORDS, TZ

import ratekit as rk

BY_ID = {record.id: record for record in (*RECORDS, LATE_BACKUP)}
ARRIVES = {
    "b-late": dt.datetime(2026, 3, 14, 4, 30, tzinfo=dt.UTC),  # two days after its stamp
    "e2": dt.datetime(2026, 3, 17, 8, 30, tzinfo=dt.UTC),  # after e3, stamped a week before it
}
HOURLY_DAYS = {8, 20}


def _arrival(record: rk.Event | rk.Sample) -> dt.datetime:
    return ARRIVES.get(record.id, record.at + dt.timedelta(minutes=30))


def _watermarks() -> list[dt.datetime]:
    marks, at = [], MARCH.start
    while at < MARCH.end + dt.timedelta(days=3):
        at += HOUR if at.day in HOURLY_DAYS and at.month == 3 else 12 * HOUR
        marks.append(at)
    return marks


@functools.cache
def _stream() -> tuple[list[rk.StatementLine], list[rk.Invoice], list[rk.Feed], list[rk.Anomaly]]:
    rater = rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=2))
    queue = sorted(BY_ID.values(), key=_arrival)
    lines: list[rk.StatementLine] = []
    invoices: list[rk.Invoice] = []
    feeds: list[rk.Feed] = []
    anomalies: list[rk.Anomaly] = []
    fed: list[rk.Event | rk.Sample] = []
    for n, at in enumerate(_watermarks()):
        batch = [record for record in queue if record not in fed and _arrival(record) < at]
        if batch:
            feeds.append(rater.feed([*batch, *fed[-2:]]))  # the last two again: a replay
            fed += batch
        statement = rater.statement(at)
        lines += statement.lines
        invoices += statement.invoices
        anomalies += statement.anomalies
        if n % 30 == 29:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), list(PLANS), METERS)
    return lines, invoices, feeds, anomalies


def _batch() -> rk.Invoice:
    rating = rk.rate(list(BY_ID.values()), list(PLANS), span=MARCH, meters=METERS)
    (invoice,) = rk.bill(rating, tz=TZ)
    return invoice


def test_the_messy_stream_bills_march_as_batch() -> None:
    lines, invoices, feeds, anomalies = _stream()
    (march,) = [invoice for invoice in invoices if invoice.cycle == MARCH]
    batch = _batch()
    assert [(line.entry, line.amount) for line in march.lines] == [
        (line.entry, line.amount) for line in batch.lines
    ]
    assert march.precise_total == batch.precise_total
    # the late peak of 95 GB: 95 x (455 x 0.05 + 288 x 0.04) / 743 = 4.3818 -> 4.38 (was
    # 3.69); pro's spend grows by 15 x 288 x 0.04 / 743 = 0.2326, so its top-up is
    # 77.52 - 26.41 = 51.11 (was 51.34): 205.03 + 0.69 - 0.23
    assert march.total == Decimal("205.49")
    # the March lines, summed exactly, are batch's exact total
    total = sum(Fraction(line.amount) for line in lines if line.cycle == MARCH)
    assert total == Fraction(batch.precise_total)
    # every replay is a duplicate, nothing is too late or conflicting
    assert sum(len(feed.duplicates) for feed in feeds) >= len(feeds) - 1
    assert not any(feed.too_late or feed.conflicting for feed in feeds)
    # the engine restart is said once, across the restores
    assert [(a.kind, a.record_ids) for a in anomalies] == [("counter_reset", ("c4", "c3"))]


def _rater() -> rk.Rater:
    return rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=2))


def _said(statement: rk.Statement, meter: str) -> list[tuple[str, str | None, Decimal, Decimal]]:
    return [
        (line.role, line.entry, line.quantity, line.amount)
        for line in statement.lines
        if line.meter == meter
    ]


def test_a_resize_stamped_before_the_last_one_and_fed_after_it() -> None:
    rater = _rater()
    rater.feed([BY_ID["e1"], BY_ID["e3"]])
    first = rater.statement("2026-03-17T06:00:00Z")
    # without e2 the cluster was small throughout: 2 Mar 05Z..15 Mar 04Z = 311 h x 0.10,
    # then 15 Mar 04Z..17 Mar 06Z = 50 h x 0.12
    assert _said(first, "db.hours") == [
        ("charge", "small", Decimal(311), Decimal("31.10")),
        ("charge", "small+", Decimal(50), Decimal("6.00")),
    ]
    assert rater.feed([BY_ID["e2"]]).accepted == ("e2",)
    second = rater.statement("2026-03-17T07:00:00Z")
    # large from 10 Mar 04Z: 120 h x 0.40 and 48 h x 0.48; small keeps 191 h, small+ 3 h
    assert sorted(_said(second, "db.hours")) == sorted(
        [
            ("charge", "large", Decimal(120), Decimal("48.00")),
            ("charge", "large+", Decimal(48), Decimal("23.04")),
            ("reversal", "small", Decimal(-311), Decimal("-31.10")),
            ("correction", "small", Decimal(191), Decimal("19.10")),
            ("reversal", "small+", Decimal(-50), Decimal("-6.00")),
            ("correction", "small+", Decimal(3), Decimal("0.36")),
        ]
    )


def test_a_backup_reading_two_days_late_raises_the_peak_so_far() -> None:
    rater = _rater()
    rater.feed([BY_ID[name] for name in ("e1", "b1")])
    before = rater.statement("2026-03-14T04:00:00Z")
    # the peak so far, 50 GB, whole (the cycle so far), at 0.05
    assert [(role, amount) for role, _, _, amount in _said(before, "backup")] == [
        ("charge", Decimal("2.5"))
    ]
    feed = rater.feed([LATE_BACKUP, BY_ID["b1"]])
    assert (feed.accepted, feed.duplicates) == (("b-late",), ("b1",))
    after = rater.statement("2026-03-14T05:00:00Z")
    said = _said(after, "backup")
    assert [role for role, *_ in said] == ["reversal", "correction"]
    assert Fraction(said[0][3]) == Fraction("-2.5")
    # 95 GB x 0.05 = 4.75, but for shares cut at their 60th digit (see the faults file)
    assert abs(Fraction(said[1][3]) - Fraction("4.75")) < Fraction(1, 10**55)


def test_another_version_of_a_reading_is_conflicting_and_not_taken() -> None:
    rater = _rater()
    rater.feed([BY_ID["e1"], BY_ID["b1"]])
    changed = rk.Sample("acme", "db-1", "backup", "2026-03-05T04:00:00Z", 51, kind="gauge", id="b1")
    assert rater.feed([changed]).conflicting == ("b1",)
    statement = rater.statement("2026-03-06T05:00:00Z")
    # the reading that stands is the first, 50 GB at 0.05
    assert [Fraction(amount) for *_, amount in _said(statement, "backup")] == [Fraction("2.5")]


def test_a_counter_reading_after_a_restore_corrects_the_line_it_reaches_back_to() -> None:
    rater = _rater()
    rater.feed([BY_ID[name] for name in ("e1", "c1", "c2", "c3", "c4")])
    rater.statement("2026-03-19T05:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), list(PLANS), METERS)
    rater.feed([BY_ID["c4"], BY_ID["c5"]])
    statement = rater.statement("2026-03-21T05:00:00Z")
    # basic had 5000 + 4000 + 300 = 9300 (8300 x 0.002 = 16.60); c5's 2000 over 19..21 Mar
    # gives basic 1000 more (10300: 18.60) and pro 1000 (under its 5000 free: 0)
    assert [
        (role, quantity, Fraction(amount)) for role, _, quantity, amount in _said(statement, "iops")
    ] == [
        ("reversal", Decimal(-9300), Fraction("-16.60")),
        ("correction", Decimal(10300), Fraction("18.60")),
        ("charge", Decimal(1000), Fraction(0)),
    ]
    assert statement.anomalies == ()


def test_a_pickled_copied_or_restored_rater_says_what_the_original_says() -> None:
    records = sorted(RECORDS, key=lambda record: record.at)
    rater = rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=2), tz=TZ)
    rater.feed(records[:8])
    rater.statement("2026-03-16T00:00:00Z")
    twins = [
        rater,
        pickle.loads(pickle.dumps(rater)),
        rater.copy(),
        copy.deepcopy(rater),
        rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), list(PLANS), METERS),
    ]
    said = []
    for twin in twins:
        twin.feed(records[8:])
        statement = twin.statement("2026-04-04T00:00:00Z")
        said.append(
            (
                [(line.key, line.role, line.amount) for line in statement.lines],
                [str(invoice) for invoice in statement.invoices],
                [anomaly.message for anomaly in statement.anomalies],
            )
        )
    assert all(one == said[0] for one in said)
    (invoice,) = said[0][1]
    assert (
        invoice.splitlines()[0] == "Invoice acme, 2026-03-01 .. 2026-04-01 (America/New_York), USD"
    )
    assert invoice.rstrip().endswith("205.03")


def test_the_month_as_plain_tuples_bills_as_the_records_do() -> None:
    def micros(at: dt.datetime) -> int:
        return (at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)

    events = [
        (r.account, r.resource, micros(r.at), r.kind, dict(r.attributes), r.id)
        for r in RECORDS
        if isinstance(r, rk.Event)
    ]
    samples = [
        (r.account, r.resource, r.meter, micros(r.at), r.value, r.kind, r.id)
        for r in RECORDS
        if isinstance(r, rk.Sample)
    ]
    batch = rk.RecordBatch.from_tuples(events=events, samples=samples)
    rating = rk.rate(batch, list(PLANS), span=MARCH, meters=METERS)
    assert rating.charges == rk.rate(list(RECORDS), list(PLANS), span=MARCH, meters=METERS).charges
    rater = rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(batch)
    (invoice,) = rater.statement("2026-04-03T00:00:00Z").invoices
    assert invoice.total == Decimal("205.03")


def test_the_lines_so_far_are_batch_rated_as_of_each_watermark() -> None:
    records = sorted(BY_ID.values(), key=lambda record: record.at)
    rater = _rater()
    fed: list[rk.Event | rk.Sample] = []
    so_far = Fraction(0)
    marks = [
        "2026-03-03T00:00:00Z",
        "2026-03-08T06:00:00Z",  # the hour before the clocks go forward (07:00Z)
        "2026-03-08T07:00:00Z",
        "2026-03-08T08:00:00Z",
        "2026-03-15T04:00:00Z",  # the price rise
        "2026-03-17T04:30:00Z",
        "2026-03-20T04:00:00Z",  # the upgrade
        "2026-03-20T05:00:00Z",
        "2026-03-22T07:00:00Z",  # stopped for maintenance
        "2026-03-31T00:00:00Z",
    ]
    for mark in marks:
        watermark = rk.Span(mark, mark).start
        new = [record for record in records if record.at < watermark and record not in fed]
        if new:
            rater.feed(new)
            fed += new
        so_far += sum(Fraction(line.amount) for line in rater.statement(watermark).lines)
        batch = rk.rate(fed, list(PLANS), span=MARCH, meters=METERS, as_of=watermark)
        assert so_far == Fraction(batch.total()), mark
        if mark == marks[0]:
            # 43 h of March so far: 19 h small at 0.10 = 1.90, and the mean so far of
            # 100 GB held 19 h of 43 at 0.10 = 1900/430 (cut at its 60th digit); basic's
            # 50 x 43/743 = 2.89 is met
            assert abs(so_far - Fraction("1.90") - Fraction(1900, 430)) < Fraction(1, 10**55)


def test_a_lost_delete_closed_by_the_fleet_listing_bills_as_the_delete() -> None:
    # the delete of 28 March is lost; the listing of that instant no longer names db-1
    listed = [record for record in RECORDS if record.id != "e6"]
    listed.append(rk.Inventory("2026-03-28T04:00:00Z", [], id="i1", accounts=["acme"]))
    rating = rk.rate(listed, list(PLANS), span=MARCH, meters=METERS)
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [
        ("counter_reset", ("c4", "c3")),
        ("reconciled_close", ("i1", "e5")),
    ]
    assert rk.bill(rating)[0].total == Decimal("205.03")  # as with the delete
    rater = rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    invoices: list[rk.Invoice] = []
    for day in range(2, 34):
        watermark = MARCH.start + dt.timedelta(days=day)
        due = [r for r in listed if watermark - dt.timedelta(days=1) <= r.at < watermark]
        if due:
            rater.feed(due)
        invoices += rater.statement(watermark).invoices
    assert [invoice.total for invoice in invoices] == [Decimal("205.03")]
