"""The GPU cloud's hostile and messy inputs: what its queue and its clocks can send.

Each figure is worked by hand (prices in ``tests/_gpu_cloud.py``: an A100 at 0.0009 EUR a
second before 2026-03-15T12:00:00.5Z and 0.0010 after, at least 60 seconds per instance
and month; storage 0.0001 EUR a GiB-hour; months in Europe/Berlin).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import random
import zoneinfo
from decimal import Decimal
from fractions import Fraction

import pytest
from tests import _gpu_cloud as g

import ratekit as rk

MARCH = g.BERLIN.containing("2026-03-15T12:00:00Z")
APRIL = g.BERLIN.containing("2026-04-15T12:00:00Z")
OCTOBER = g.BERLIN.containing("2026-10-15T12:00:00Z")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def rater() -> rk.Rater:
    return rk.Rater(g.payg(), g.METERS, start=MARCH.start, horizon=dt.timedelta(hours=1))


def restored(old: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(old.snapshot())), g.payg(), g.METERS)


def rate(records: list[rk.Event], span: rk.Span = MARCH, as_of: str | None = None) -> rk.Rating:
    return rk.rate(records, g.payg(), span=span, meters=g.METERS, as_of=as_of)


def total(lines: list[rk.StatementLine]) -> Fraction:
    return sum((Fraction(line.amount) for line in lines), Fraction(0))


# Durations: zero, negative, microseconds


def test_a_run_of_zero_duration_costs_nothing_and_the_tie_is_reported() -> None:
    rating = rate(
        [
            g.start("acme", "i-0", "2026-03-02T08:00:00Z", "a100", "e1"),
            g.stop("acme", "i-0", "2026-03-02T08:00:00Z", "e2"),
        ]
    )
    assert rating.charges == ()
    assert [anomaly.kind for anomaly in rating.anomalies] == ["tie"]


def test_a_stop_stamped_before_its_start_is_an_orphan_and_the_start_runs_on() -> None:
    # STOP 08:00:00, START 08:00:10, no seq: the stop stops nothing; the instance runs
    # from 08:00:10 to the as_of 09:00:00, 3,590 s x 0.0009 = 3.231.
    rating = rate(
        [
            g.start("acme", "i-1", "2026-03-02T08:00:10Z", "a100", "e1"),
            g.stop("acme", "i-1", "2026-03-02T08:00:00Z", "e2"),
        ],
        as_of="2026-03-02T09:00:00Z",
    )
    assert [(charge.quantity, charge.amount) for charge in rating.charges] == [
        (3590, Decimal("3.2310"))
    ]
    assert [anomaly.kind for anomaly in rating.anomalies] == ["orphan_stop"]


def test_a_stop_sequenced_after_its_start_but_stamped_before_gives_zero_not_negative() -> None:
    rating = rate(
        [
            rk.Event(
                "acme",
                "i-1",
                "2026-03-02T08:00:10Z",
                {"kind": "gpu", "gpu": "a100"},
                kind="start",
                id="e1",
                seq=1,
            ),
            rk.Event("acme", "i-1", "2026-03-02T08:00:00Z", kind="stop", id="e2", seq=2),
        ]
    )
    assert rating.charges == ()
    assert [anomaly.kind for anomaly in rating.anomalies] == ["out_of_order"]


def test_the_stream_agrees_when_the_stop_before_its_start_comes_first() -> None:
    stop = g.stop("acme", "i-1", "2026-03-02T08:00:00Z", "e2")
    start = g.start("acme", "i-1", "2026-03-02T08:00:10Z", "a100", "e1")
    stream = rater()
    stream.feed([stop])
    lines = list(stream.statement("2026-03-02T08:30:00Z").lines)
    stream = restored(stream)
    assert stream.feed([start]).late == ()  # stamped before the watermark: a correction
    lines += stream.statement("2026-03-02T09:00:00Z").lines
    # 3,590 s x 0.0009 = 3.231, as batch says
    assert total(lines) == Fraction("3.231")


def test_instants_finer_than_a_microsecond_or_a_leap_second_or_naive_are_refused() -> None:
    with pytest.raises(
        rk.BadTimeError, match=r"finer than a microsecond \(\.0000001\).*at most 6 decimals"
    ):
        g.stop("acme", "i-1", "2026-03-03T00:00:00.0000001Z", "x1")
    with pytest.raises(
        rk.BadTimeError, match=r"leap second \(second 60\).*Write the instant as second 59"
    ):
        g.stop("acme", "i-1", "2026-03-31T23:59:60Z", "x2")
    with pytest.raises(
        rk.BadTimeError, match="naive datetime; ratekit compares instants, so give it a timezone"
    ):
        g.stop("acme", "i-1", dt.datetime(2026, 3, 3), "x3")  # noqa: DTZ001


def test_the_last_microsecond_of_the_month_and_the_first_of_the_next() -> None:
    # 23:59:59.999999 Berlin summer time on 31 March is 21:59:59.999999Z: one microsecond
    # in March, one in April (2 us in all), each an instance-month of its own: 60 x 0.0010
    # = 0.060 in each month.
    last = dt.datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=BERLIN)
    records = [
        g.start("acme", "i-edge", last, "a100", "e1"),
        g.stop("acme", "i-edge", last + dt.timedelta(microseconds=2), "e2"),
    ]
    rating = rate(records, span=rk.Span(MARCH.start, APRIL.end))
    assert [(charge.cycle, charge.quantity, charge.amount) for charge in rating.charges] == [
        (MARCH, Decimal("0.000001"), Decimal("0.060")),
        (APRIL, Decimal("0.000001"), Decimal("0.060")),
    ]


def test_a_run_over_the_night_the_clocks_go_back_counts_the_repeated_hour() -> None:
    # 25 October 2026, Berlin: 03:00 summer time becomes 02:00 winter time. A run from
    # 00:30 (+02:00) to 02:30 the second time (+01:00) lasts 3 h = 10,800 s; after the
    # price change: 10,800 x 0.0010 = 10.80.
    begin = dt.datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN)
    end = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    rating = rate(
        [g.start("acme", "i-dst", begin, "a100", "e1"), g.stop("acme", "i-dst", end, "e2")],
        span=OCTOBER,
    )
    assert [(charge.quantity, charge.amount) for charge in rating.charges] == [
        (10800, Decimal("10.8000"))
    ]
    # October in Berlin lasts 745 hours.
    assert OCTOBER.duration == dt.timedelta(hours=745)


# Quantities: enormous, tiny


def test_an_enormous_volume_is_priced_exactly() -> None:
    # 1E+25 GiB from 2 March 08:00Z to the month's end 31 March 22:00Z (710 h):
    # 7.1E+27 GiB-h x 0.0001 = 7.1E+23 EUR.
    rating = rate(
        [
            rk.Event(
                "acme",
                "v",
                "2026-03-02T08:00:00Z",
                {"kind": "volume", "size_gib": "1E+25"},
                id="v1",
            )
        ]
    )
    (charge,) = rating.charges
    assert charge.quantity == Decimal("7.1E+27")
    assert charge.amount == Decimal("7.1E+23")


def test_a_tiny_volume_meters_to_the_nearest_1e_minus_24_as_documented() -> None:
    # The smallest level accepted, 1E-30 GiB, held 710 h is 7.1E-28 GiB-h exactly; a
    # time quantity is F(end) - F(start) with F rounded half-even at 1E-24 (docs:
    # guarantees, "Decimal context"), so the row is 0 GiB-h and costs 0, without an
    # anomaly. 1E-6 GiB (a KiB) for the same 710 h is 0.00071 GiB-h, exactly.
    tiny = rk.Event(
        "acme", "v", "2026-03-02T08:00:00Z", {"kind": "volume", "size_gib": "1E-30"}, id="v1"
    )
    (charge,) = rate([tiny]).charges
    assert (charge.quantity, charge.amount) == (0, 0)
    kib = rk.Event(
        "acme", "v", "2026-03-02T08:00:00Z", {"kind": "volume", "size_gib": "0.000001"}, id="v1"
    )
    (charge,) = rate([kib]).charges
    assert charge.quantity == Decimal("0.00071")


def test_a_level_below_the_range_is_refused_naming_the_attribute() -> None:
    with pytest.raises(
        rk.BadQuantityError, match=r"attribute 'size_gib' Decimal\('1E-31'\) lies outside"
    ):
        rk.Event(
            "acme",
            "v",
            "2026-03-02T08:00:00Z",
            {"kind": "volume", "size_gib": Decimal("1E-31")},
            id="v1",
        )


def test_a_negative_volume_is_refused_when_metered_naming_the_record() -> None:
    with pytest.raises(
        rk.BadRecordError, match=r"record 'v1' .* attribute 'size_gib' is -5, a negative level"
    ):
        rate(
            [
                rk.Event(
                    "acme", "v", "2026-03-02T08:00:00Z", {"kind": "volume", "size_gib": -5}, id="v1"
                )
            ]
        )


# Replays across restarts


def test_the_same_run_delivered_three_times_across_restarts_is_billed_once() -> None:
    # 10 minutes of an A100: 600 s x 0.0009 = 0.54, whatever the queue redelivers.
    events = [
        g.start("acme", "i-1", "2026-03-02T08:00:00Z", "a100", "e1"),
        g.stop("acme", "i-1", "2026-03-02T08:10:00Z", "e2"),
    ]
    stream = rater()
    assert stream.feed(events).counts["accepted"] == 2
    lines = list(stream.statement("2026-03-10T00:00:00Z").lines)
    for watermark in (
        "2026-04-01T00:00:00Z",
        "2026-05-01T00:00:00Z",
    ):  # March closes, then is compacted
        stream = restored(stream)
        assert stream.feed(events).counts["duplicates"] == 2
        lines += stream.statement(watermark).lines
    # Once March is compacted twice over, its ids are forgotten: the replay is too late,
    # said so (it may be a replay), and not applied.
    lines += stream.statement("2026-06-01T00:00:00Z").lines
    stream = restored(stream)
    feed = stream.feed(events)
    assert feed.too_late == ("e1", "e2")
    assert all("replay" in anomaly.message for anomaly in feed.anomalies)
    lines += stream.statement("2026-06-02T00:00:00Z").lines
    assert total(lines) == Fraction("0.54")


def test_a_stale_snapshot_restored_after_another_process_went_on_bills_once_by_the_recipe() -> None:
    # Process A saves snapshot 1 (statement 1), goes on: feeds a run, states 2, saves 2.
    # Process B, a stale replica, restores snapshot 1: the docs' recipe drops the ledger
    # entries written after its number and re-reads the queue from its cursor. Its
    # statements then say again what A said, and the ledger bills the run once.
    early = g.start("acme", "i-1", "2026-03-02T08:00:00Z", "a100", "e1")
    later = [
        g.stop("acme", "i-1", "2026-03-02T08:10:00Z", "e2"),
        g.start("acme", "i-2", "2026-03-03T08:00:00Z", "h100", "e3"),
    ]
    queue = [early, *later]
    ledger: dict[int, list[rk.StatementLine]] = {}
    a = rater()
    a.feed(queue[:1])
    ledger[1] = list(a.statement("2026-03-02T12:00:00Z").lines)
    saved = {"rater": json.dumps(a.snapshot()), "number": 1, "cursor": 1}
    a.feed(queue[1:])
    ledger[2] = list(a.statement("2026-03-03T09:00:00Z").lines)
    # B restores the older snapshot after A fed the newer records.
    b = rk.Rater.restore(json.loads(saved["rater"]), g.payg(), g.METERS)
    for number in [number for number in ledger if number > saved["number"]]:
        del ledger[number]
    b.feed(queue[saved["cursor"] :])
    ledger[2] = list(b.statement("2026-03-03T09:00:00Z").lines)
    # i-1: 4 h then corrected to 600 s: 0.54; i-2: 3,600 s of an H100 at 0.0020 = 7.20.
    assert total([line for lines in ledger.values() for line in lines]) == Fraction("7.74")


def seal(data: dict[str, object]) -> dict[str, object]:
    """Reseal a snapshot as the docs show the checksum is computed."""
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**unsealed, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def test_a_snapshot_edited_by_hand_is_refused_naming_the_checksum() -> None:
    stream = rater()
    stream.feed([g.start("acme", "i-1", "2026-03-02T08:00:00Z", "a100", "e1")])
    stream.statement("2026-03-02T09:00:00Z")
    data = json.loads(json.dumps(stream.snapshot()))
    data["body"]["as_of_us"] -= 1
    with pytest.raises(
        rk.BadSnapshotError,
        match=r"checksum .* does not match its content .* restore an unaltered copy",
    ):
        rk.Rater.restore(data, g.payg(), g.METERS)


def test_a_snapshot_edited_and_resealed_never_raises_a_foreign_error() -> None:
    stream = rater()
    stream.feed(
        [
            g.start("acme", "i-1", "2026-03-02T08:00:00Z", "a100", "e1"),
            g.stop("acme", "i-1", "2026-03-02T08:10:00Z", "e2"),
            g.start("acme", "i-2", "2026-03-14T08:00:00Z", "h100", "e3"),
            rk.Event(
                "acme", "v-1", "2026-03-01T00:00:00Z", {"kind": "volume", "size_gib": 10}, id="e4"
            ),
        ]
    )
    stream.statement("2026-03-16T00:00:00Z")
    original = json.loads(json.dumps(stream.snapshot()))

    def leaves(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if isinstance(value, dict):
            return [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
        if isinstance(value, list):
            return [
                leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))
            ]
        return [path]

    paths = leaves(original["body"])
    rng = random.Random(6)
    for _ in range(60):
        data = copy.deepcopy(original)
        path = rng.choice(paths)
        holder = data["body"]
        for step in path[:-1]:
            holder = holder[step]
        value = holder[path[-1]]
        if isinstance(value, bool) or value is None:
            holder[path[-1]] = 0
        elif isinstance(value, int):
            holder[path[-1]] = value + rng.choice([-1, 1, 10**6, -(10**12), 2**63])
        elif isinstance(value, str):
            holder[path[-1]] = rng.choice([value[:-1], value + "0", value[::-1], "", value.upper()])
        try:
            edited = rk.Rater.restore(seal(data), g.payg(), g.METERS)
            edited.statement("2026-04-02T00:00:00Z")
        except rk.RatekitError:
            pass


# Far from now


def test_an_event_far_in_the_future_is_refused_with_the_cycles_it_lies_ahead() -> None:
    stream = rater()
    with pytest.raises(
        rk.BadTimeError, match=r"about 82,276 billing cycles after .* more than the 10,000"
    ):
        stream.feed([g.start("acme", "i-f", "9000-01-01T00:00:00Z", "a100", "f1")])
    with pytest.raises(
        rk.BadTimeError, match=r"outside the range ratekit's calendars support \(years 2 to 9998"
    ):
        stream.feed([g.start("acme", "i-f", "9999-12-31T23:59:59.999999Z", "a100", "f2")])


def test_a_start_years_ahead_waits_without_growing_the_snapshot() -> None:
    sizes = []
    for ahead in (False, True):
        stream = rater()
        if ahead:
            assert (
                stream.feed([g.start("acme", "i-f", "2031-01-01T00:00:00Z", "a100", "f1")]).counts[
                    "accepted"
                ]
                == 1
            )
        for month in range(1, 5):
            begin = dt.datetime(2026, 2 + month, 2, tzinfo=dt.UTC)
            stream.feed(
                [
                    g.start("acme", f"i-{month}", begin, "a100", f"s{month}"),
                    rk.Event(
                        "acme",
                        f"i-{month}",
                        begin + dt.timedelta(minutes=5),
                        kind="delete",
                        id=f"d{month}",
                    ),
                ]
            )
            stream.statement(dt.datetime(2026, 3 + month, 1, 3, tzinfo=dt.UTC))
        sizes.append(len(json.dumps(stream.snapshot())))
    # The event ahead costs its own bytes only (it keeps no cycle).
    assert sizes[1] - sizes[0] < 200


def test_a_watermark_earlier_than_the_last_is_refused_and_the_same_one_says_nothing() -> None:
    stream = rater()
    stream.feed([g.start("acme", "i-1", "2026-03-02T08:00:00Z", "a100", "e1")])
    stream.statement("2026-03-02T09:00:00Z")
    with pytest.raises(
        rk.BadTimeError,
        match=r"as_of 2026-03-02T08:30:00Z goes back before the last watermark 2026-03-02T09:00:00Z; "
        "watermarks only move forward",
    ):
        stream.statement("2026-03-02T08:30:00Z")
    assert stream.statement("2026-03-02T09:00:00Z").lines == ()


# Many instances


@pytest.mark.heavy
def test_three_thousand_instances_stream_as_they_rate_and_as_the_oracle_says() -> None:
    rng = random.Random(3000)
    runs, records = [], []
    for number in range(3000):
        begin = MARCH.start_us + rng.randrange(0, 30 * 86400 * g.US)
        end = min(begin + rng.randrange(0, 2 * 86400 * g.US), MARCH.end_us - 1)
        gpu = rng.choice(["a100", "h100", "spot"])
        account = f"acct-{number % 40}"
        runs.append((account, f"i-{number}", gpu, begin, end))
        records += [
            g.start(account, f"i-{number}", rk.Span.from_us(begin, begin).start, gpu, f"s{number}"),
            g.stop(account, f"i-{number}", rk.Span.from_us(end, end).start, f"t{number}"),
        ]
    batch = rate(records)
    expected = {key: value for key, value in g.oracle(runs).items() if value}
    assert {key: value for key, value in g.charge_sums(batch.charges).items() if value} == expected
    stream = rater()
    records.sort(key=lambda record: record.at_us)
    lines: list[rk.StatementLine] = []
    watermark, position = MARCH.start, 0
    while watermark < MARCH.end + dt.timedelta(hours=2):
        watermark += dt.timedelta(hours=12)
        arrived = [record for record in records[position:] if record.at < watermark]
        position += len(arrived)
        stream.feed(arrived)
        lines += stream.statement(watermark).lines
    march = g.line_sums([line for line in lines if line.cycle == MARCH])
    assert {key: value for key, value in march.items() if value} == {
        key: value for key, value in g.charge_keys(batch.charges).items() if value
    }


def test_a_stop_seen_after_the_month_closed_corrects_it_down_to_the_minimum() -> None:
    # An A100 started 31 March 21:00Z (after the change: 0.0010 a second). At 23:30Z
    # March has closed (its end 22:00Z plus the hour of horizon): 3,600 s in March,
    # 3.60, and 5,400 s of April so far, 5.40. Then its STOP, stamped 21:00:10Z, comes
    # late: March is corrected to the minimum, 60 x 0.0010 = 0.06, and April's line is
    # taken back whole.
    start = g.start("acme", "i-late", "2026-03-31T21:00:00Z", "a100", "e1")
    stop = g.stop("acme", "i-late", "2026-03-31T21:00:10Z", "e2")
    stream = rk.Rater(
        g.payg(), g.METERS, start=MARCH.start, horizon=dt.timedelta(hours=1), tz="Europe/Berlin"
    )
    stream.feed([start])
    closing = stream.statement("2026-03-31T23:30:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("3.60")]
    assert [(line.cycle, line.role, line.amount) for line in closing.lines] == [
        (MARCH, "charge", Decimal("3.6000")),
        (APRIL, "charge", Decimal("5.4000")),
    ]
    stream = restored(stream)
    assert stream.feed([stop]).late == ("e2",)
    after = stream.statement("2026-04-01T00:00:00Z")
    assert [(line.cycle, line.role, line.late, line.amount) for line in after.lines] == [
        (MARCH, "reversal", True, Decimal("-3.6000")),
        (MARCH, "correction", True, Decimal("0.060")),
        (APRIL, "reversal", False, Decimal("-5.4000")),
    ]
    batch = rk.rate(
        [start, stop],
        g.payg(),
        span=rk.Span(MARCH.start, APRIL.end),
        meters=g.METERS,
        as_of=after.as_of,
    )
    assert total([*closing.lines, *after.lines]) == Fraction(batch.total()) == Fraction("0.06")


def test_march_closes_at_the_microsecond_its_end_plus_the_horizon_is_reached() -> None:
    # March ends 2026-03-31T22:00:00Z; with an hour of horizon it closes at 23:00:00Z,
    # not a microsecond before.
    stream = rater()
    stream.feed([g.start("acme", "i-1", "2026-03-31T21:59:00Z", "a100", "e1")])
    assert stream.statement("2026-03-31T22:59:59.999999Z").closed == ()
    closing = stream.statement("2026-03-31T23:00:00Z")
    assert closing.closed == (MARCH,)
    # 60 s in March at 0.0010: the minimum, 0.06
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.06")]
