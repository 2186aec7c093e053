"""Hostile input to the DBaaS month: every refusal a ``RatekitError`` that names the record."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from tests._dbaas_month import (
    BASIC,
    LATE_BACKUP,
    MARCH,
    METERS,
    MONTHS,
    PLANS,
    PRO,
    RECORDS,
    TZ,
    UPGRADE,
)

import ratekit as rk

NEW_YORK = ZoneInfo(TZ)


def _storage(value: object) -> rk.Sample:
    return rk.Sample(
        "acme", "db-1", "storage", "2026-03-03T00:00:00Z", value, kind="gauge", id="s9"
    )


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("abc", rk.BadQuantityError, "sample 's9' value 'abc' is not a decimal number"),
        (None, rk.RatekitTypeError, "sample 's9' value must be a number"),
        (True, rk.RatekitTypeError, "not bool"),
        (float("nan"), rk.BadQuantityError, "sample 's9' value must be a finite number"),
        ("-Infinity", rk.BadQuantityError, "must be a finite number"),
        ("1e40", rk.BadQuantityError, "up to but excluding 1E+30"),
        ([1], rk.RatekitTypeError, "not list"),
    ],
)
def test_a_bad_storage_reading_is_refused_naming_it(value: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace("+", r"\+")):
        _storage(value)


def test_a_float_reading_is_read_through_its_repr() -> None:
    assert _storage(0.1).value == Decimal("0.1")


def test_a_negative_iops_counter_reading_is_refused() -> None:
    with pytest.raises(
        rk.BadRecordError, match="sample 'c9' value -1 is a negative counter reading"
    ):
        rk.Sample("acme", "db-1", "iops", "2026-03-03T00:00:00Z", -1, kind="counter", id="c9")


def test_a_reading_of_the_wrong_kind_for_its_meter_is_refused_naming_it() -> None:
    gauge = rk.Sample("acme", "db-1", "iops", "2026-03-03T00:00:00Z", 5, kind="gauge", id="c9")
    with pytest.raises(
        rk.BadRecordError, match=r"sample 'c9' .* kind 'gauge' does not fit meter 'iops'"
    ):
        rk.rate([*RECORDS, gauge], list(PLANS), span=MARCH, meters=METERS)


def test_a_flavor_no_entry_prices_is_unpriced_usage_naming_it() -> None:
    medium = rk.Event(
        "acme", "db-2", "2026-03-03T00:00:00Z", {"flavor": "medium"}, kind="start", id="m1"
    )
    with pytest.raises(rk.UnpricedUsageError, match=r"resource 'db-2'.*\{'flavor': 'medium'\}"):
        rk.rate([*RECORDS, medium], list(PLANS), span=MARCH, meters=METERS)


def test_overlapping_plans_are_refused() -> None:
    with pytest.raises(rk.BadPriceError, match="assigned plans 'basic' and 'pro' at once"):
        rk.rate(
            list(RECORDS),
            [rk.Assignment("acme", BASIC), rk.Assignment("acme", PRO, start=UPGRADE)],
            span=MARCH,
            meters=METERS,
        )


def test_a_local_time_of_the_repeated_november_hour_is_read_by_its_fold() -> None:
    vm = rk.Meter("db.hours", "hour", rk.OnOff())
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("h", "db.hours", rk.PerUnit(1))])
    november = MONTHS.containing("2026-11-15T00:00:00Z")
    # 1 Nov 2026: 01:30 EDT (fold 0) is 05:30Z, 01:30 EST (fold 1) 06:30Z; the stop at
    # 03:00 EST is 08:00Z: 2.5 h and 1.5 h
    stop = rk.Event(
        "acme", "db-1", dt.datetime(2026, 11, 1, 3, tzinfo=NEW_YORK), kind="stop", id="b"
    )
    hours = []
    for fold in (0, 1):
        start = dt.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=fold)
        records = [rk.Event("acme", "db-1", start, kind="start", id="a"), stop]
        hours.append(rk.rate(records, plan, span=november, meters=[vm]).total())
    assert hours == [Decimal("2.5"), Decimal("1.5")]
    assert november.duration == dt.timedelta(hours=721)  # 30 x 24 + the repeated hour


def _rater() -> rk.Rater:
    return rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=2))


def test_the_rater_refuses_bad_watermarks_and_bad_feeds_naming_them() -> None:
    rater = _rater()
    rater.feed([RECORDS[0]])
    rater.statement("2026-03-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="has no UTC offset"):
        rater.statement("2026-03-06T00:00:00")
    with pytest.raises(rk.RatekitTypeError, match=r"not float: 1\.5"):
        rater.statement(1.5)  # type: ignore[arg-type]
    with pytest.raises(rk.BadTimeError, match="goes back before the last watermark"):
        rater.statement("2026-03-04T00:00:00Z")
    with pytest.raises(
        rk.RatekitTypeError, match=r"not dict: \{'id': 1\} \(records\[0\] of the batch\)"
    ):
        rater.feed([{"id": 1}])  # type: ignore[list-item]
    stranger = rk.Event("zeta", "db-9", "2026-03-06T00:00:00Z", kind="start", id="z1")
    with pytest.raises(
        rk.UnpricedUsageError, match="account 'zeta', which no assignment of this rater names"
    ):
        rater.feed([stranger])


def test_a_snapshot_altered_or_restored_with_other_meters_is_refused() -> None:
    rater = _rater()
    rater.feed(list(RECORDS[:3]))
    rater.statement("2026-03-12T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(saved, list(PLANS), METERS[:2])
    altered = json.loads(json.dumps(saved).replace('"acme"', '"acmf"'))
    with pytest.raises(rk.BadSnapshotError, match=r"checksum .* does not match its content"):
        rk.Rater.restore(altered, list(PLANS), METERS)
    with pytest.raises(rk.BadSnapshotError, match=r"needs what Rater\.snapshot\(\) returned"):
        rk.Rater.restore("x", list(PLANS), METERS)  # type: ignore[arg-type]


def test_the_upgrade_assigned_mid_stream_bills_as_batch() -> None:
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start=MARCH.start, tz=TZ)
    records = sorted(RECORDS, key=lambda record: record.at)
    invoices: list[rk.Invoice] = []
    at, taken, assigned = MARCH.start, 0, ()
    while at < MARCH.end + dt.timedelta(days=1):
        at += dt.timedelta(days=1)
        if not assigned and at.day == 19:
            assigned = rater.assign(rk.Assignment("acme", PRO, start=UPGRADE))
        batch = [record for record in records[taken:] if record.at < at]
        taken += len(batch)
        if batch:
            rater.feed(batch)
        invoices += rater.statement(at).invoices
    assert assigned == PLANS
    (march,) = invoices
    assert (
        str(march).splitlines()[0]
        == "Invoice acme, 2026-03-01 .. 2026-04-01 (America/New_York), USD"
    )
    assert march.total == Decimal("205.03")


def test_a_reading_for_march_fed_after_it_closed_corrects_it_late() -> None:
    rater = _rater()
    records = sorted(RECORDS, key=lambda record: record.at)
    lines: list[rk.StatementLine] = []
    at, taken = MARCH.start, 0
    while at < MARCH.end + dt.timedelta(days=3):
        at += dt.timedelta(days=1)
        batch = [record for record in records[taken:] if record.at < at]
        taken += len(batch)
        if batch:
            rater.feed(batch)
        statement = rater.statement(at)
        lines += statement.lines
        if statement.invoices:
            assert statement.invoices[0].total == Decimal("205.03")
    assert rater.feed([LATE_BACKUP]).late == ("b-late",)
    corrected = rater.statement(at + dt.timedelta(hours=1))
    late = [(line.role, line.kind, line.entry) for line in corrected.lines if line.late]
    assert sorted(late) == sorted(
        [
            (role, kind, entry)
            for role in ("reversal", "correction")
            for kind, entry in [("minimum", "minimum")]
        ]
        + [
            (role, "usage", "backup")
            for role in ("reversal", "correction")
            for _ in ("basic", "pro")
        ]
    )
    lines += corrected.lines
    march = [line for line in lines if line.cycle == MARCH]
    batch = rk.bill(rk.rate([*RECORDS, LATE_BACKUP], list(PLANS), span=MARCH, meters=METERS))[0]
    assert sum(Fraction(line.amount) for line in march) == Fraction(batch.precise_total)
    # each line's charges as the last statement that said it left them (a line a
    # reversal alone took away is gone: basic's early top-up), billed again
    latest = {line.key: line for line in march}
    standing = [
        charge for line in latest.values() if line.role != "reversal" for charge in line.charges
    ]
    assert rk.bill(standing)[0].total == batch.total == Decimal("205.49")


def test_a_march_backup_reading_fed_in_may_is_too_late_and_said_so() -> None:
    rater = rk.Rater(list(PLANS), METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(list(RECORDS))
    assert [i.total for i in rater.statement("2026-04-03T00:00:00Z").invoices] == [
        Decimal("205.03")
    ]
    # April: pro's commitment of 200 alone (the storage mean of 200 GB at 0.08 = 16.00 is
    # under it)
    assert [i.total for i in rater.statement("2026-05-03T00:00:00Z").invoices] == [
        Decimal("200.00")
    ]
    feed = rater.feed([LATE_BACKUP])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("b-late",))
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.record_ids == ("b-late",)
    assert (
        "sample 'b-late' (backup, 95 at 2026-03-12T04:00:00Z) is stamped before every cycle"
        in anomaly.message
    )
    assert rater.feed([LATE_BACKUP]).duplicates == ("b-late",)  # judged once, then a replay


def _stream_every_three_days() -> list[tuple[object, ...]]:
    rater = _rater()
    said: list[tuple[object, ...]] = []
    records = sorted([*RECORDS, LATE_BACKUP], key=lambda record: record.at)
    for day in range(2, 34, 3):
        watermark = MARCH.start + dt.timedelta(days=day)
        due = [r for r in records if watermark - dt.timedelta(days=3) <= r.at < watermark]
        if due:
            rater.feed(due)
        statement = rater.statement(watermark)
        lines = [(line.key, line.role, line.amount) for line in statement.lines]
        said.append((lines, [str(invoice) for invoice in statement.invoices], statement.total()))
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), list(PLANS), METERS)
    return said


def test_the_callers_decimal_context_does_not_matter_to_the_stream() -> None:
    expected = _stream_every_three_days()
    with decimal.localcontext() as context:
        context.prec = 2
        context.rounding = decimal.ROUND_05UP
        context.Emax, context.Emin = 5, -5
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        assert _stream_every_three_days() == expected
