"""A mobile operator's stream: interim updates duplicated and reordered, restarts from
snapshots, roaming (TAP) records arriving after the cycle closed, and a tampered snapshot.

Subscribers bill monthly from the 17th in Europe/Zurich; data sessions send cumulative
interim updates (a counter per session), roaming calls come from partner networks days
late as deltas over the call's span. Every figure is worked by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from tests._telecom_tariffs import CYCLES, TIME_OF_DAY, ZURICH

import ratekit as rk

SUBSCRIBER = "41790000001"
DATA = rk.Meter("data", "B", rk.Counter())
ROAMING = rk.Meter("roam.voice", "s", rk.Discrete())
METERS = [DATA, ROAMING]
GB = 10**9
START = "2026-10-17T00:00:00+02:00"  # the cycle 17 Oct .. 17 Nov starts 16 Oct 22:00Z
PLAN = rk.Plan(
    "p",
    "CHF",
    CYCLES,
    [
        rk.PriceEntry("data", "data", rk.PerUnit("2"), unit="GB", meter_unit="B"),
        rk.PriceEntry("roam", "roam.voice", rk.PerUnit("0.99"), unit="minute", meter_unit="s"),
    ],
    fees=[rk.Fee("subscription", "10")],
)


def interim(
    at: str, octets: int, record_id: str | None = None, session: str = "sess-1"
) -> rk.Sample:
    return rk.Sample(SUBSCRIBER, session, "data", at, octets, kind="counter", id=record_id)


def tap(at: str, seconds: int, since: str, record_id: str) -> rk.Sample:
    return rk.Sample(SUBSCRIBER, "msisdn", "roam.voice", at, seconds, since=since, id=record_id)


def rater(late: str = "correct") -> rk.Rater:
    return rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=3), tz=ZURICH, late=late)


def restored(stream: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(stream.snapshot())), PLAN, METERS)


def usage_lines(statement: rk.Statement) -> list[tuple[str, Decimal, Decimal, bool]]:
    return [
        (line.role, line.quantity, line.amount, line.late)
        for line in statement.lines
        if line.kind == "usage"
    ]


def test_interim_updates_duplicated_and_reordered_across_restarts_count_once() -> None:
    stream = rater()
    start, first, second = (
        interim("2026-10-20T10:00:00Z", 0, "acct-start"),
        interim("2026-10-20T10:15:00Z", 1 * GB, "interim-1"),
        interim("2026-10-20T10:30:00Z", 2 * GB, "interim-2"),
    )
    assert stream.feed([start, second]).accepted == ("acct-start", "interim-2")
    feed = stream.feed([first, second])  # the first interim comes after the second
    assert (feed.accepted, feed.duplicates) == (("interim-1",), ("interim-2",))
    stream = restored(stream)
    assert stream.feed([first, start]).duplicates == ("interim-1", "acct-start")
    # an interim update without an id, sent twice in one batch and again after
    no_id = interim("2026-10-20T11:00:00Z", 3 * GB)
    assert repr(stream.feed([no_id, no_id])) == "Feed(accepted=1, duplicates=1)"
    assert repr(stream.feed([no_id])) == "Feed(duplicates=1)"
    statement = stream.statement("2026-10-21T00:00:00Z")
    # 3 GB once at 2 = 6
    assert usage_lines(statement) == [("charge", Decimal(3), Decimal(6), False)]


def test_an_interim_update_resent_with_other_octets_is_conflicting_and_the_first_stands() -> None:
    stream = rater()
    stream.feed(
        [interim("2026-10-20T10:00:00Z", 0, "a"), interim("2026-10-20T10:30:00Z", 2 * GB, "b")]
    )
    feed = stream.feed([interim("2026-10-20T10:30:00Z", 2 * GB + 5, "b")])
    assert (feed.accepted, feed.conflicting) == ((), ("b",))
    assert usage_lines(stream.statement("2026-10-21T00:00:00Z")) == [
        ("charge", Decimal(2), Decimal(4), False)
    ]


def test_a_session_id_reused_from_zero_is_a_counter_reset_named_by_an_anomaly() -> None:
    stream = rater()
    stream.feed(
        [
            interim("2026-10-20T10:00:00Z", 0, "a"),
            interim("2026-10-20T11:00:00Z", 3 * GB, "b"),
            interim("2026-10-20T12:00:00Z", GB // 10, "c"),  # the NAS reused the session id
        ]
    )
    statement = stream.statement("2026-10-21T00:00:00Z")
    # 3 GB, then 0.1 GB counted from zero: 3.1 * 2 = 6.2
    assert usage_lines(statement) == [("charge", Decimal("3.1"), Decimal("6.2"), False)]
    [reset] = statement.anomalies
    assert reset.kind == "counter_reset"
    assert reset.message == (
        "sample 'c' reads 100000000 at 2026-10-20T12:00:00Z, less than the 3000000000 of sample 'b' "
        "at 2026-10-20T11:00:00Z: a counter reset, counted from zero (delta 100000000)."
    )


def closed_october(late: str) -> rk.Rater:
    stream = rater(late)
    stream.feed([tap("2026-10-20T10:02:00Z", 120, "2026-10-20T10:00:00Z", "tap-1")])
    statement = stream.statement("2026-11-20T00:00:00+01:00")  # 17 Nov + 3 days
    assert statement.closed == (rk.Span("2026-10-16T22:00:00Z", "2026-11-16T23:00:00Z"),)
    [invoice] = statement.invoices
    assert (
        str(invoice).splitlines()[0]
        == "Invoice 41790000001, 2026-10-17 .. 2026-11-17 (Europe/Zurich), CHF"
    )
    assert invoice.total == Decimal("11.98")  # 2 min * 0.99 + 10
    return stream


def test_a_tap_record_after_the_cycle_closed_corrects_it_on_the_next_statement() -> None:
    stream = closed_october("correct")
    # a call of 22:57..22:59Z on 16 Nov, the cycle's last hour, comes in a TAP file 4 days late
    feed = stream.feed([tap("2026-11-16T22:59:00Z", 120, "2026-11-16T22:57:00Z", "tap-2")])
    assert feed.late == ("tap-2",)
    statement = restored(stream).statement("2026-11-21T00:00:00+01:00")
    # the closed cycle's roaming line: 2 min taken back, 4 min (3.96) charged again
    assert usage_lines(statement) == [
        ("reversal", Decimal(-2), Decimal("-1.98"), True),
        ("correction", Decimal(4), Decimal("3.96"), True),
    ]
    assert statement.reported_only == ()


def test_under_late_report_a_tap_correction_is_reported_not_charged() -> None:
    stream = closed_october("report")
    stream.feed([tap("2026-11-16T22:59:00Z", 120, "2026-11-16T22:57:00Z", "tap-2")])
    statement = stream.statement("2026-11-21T00:00:00+01:00")
    assert usage_lines(statement) == []
    assert [(line.role, line.amount, line.late) for line in statement.reported_only] == [
        ("reversal", Decimal("-1.98"), True),
        ("correction", Decimal("3.96"), True),
    ]


def test_a_tap_record_of_a_compacted_cycle_is_too_late_and_named_with_its_seconds() -> None:
    stream = closed_october("correct")
    stream.statement("2026-12-20T00:00:00+01:00")  # the November cycle closes: October is compacted
    old = tap("2026-11-10T20:00:00Z", 60, "2026-11-10T19:59:00Z", "tap-9")
    feed = stream.feed([old])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("tap-9",))
    [anomaly] = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == (
        "too_late",
        "roam.voice",
        Decimal(60),
    )
    assert anomaly.message.startswith(
        "sample 'tap-9' (roam.voice, 60 over 2026-11-10T19:59:00Z..2026-11-10T20:00:00Z) lies before every "
        "cycle the rater keeps (from 2026-11-16T23:00:00Z; its cycles were closed and compacted, or come "
        "before the rater's start): its quantity 60 s (roam.voice) is not applied."
    )
    # the partner resends the file: a duplicate, not named twice
    assert repr(restored(stream).feed([old])) == "Feed(duplicates=1)"


def test_a_tap_call_over_the_compacted_cycles_end_is_too_late_in_part() -> None:
    stream = closed_october("correct")
    stream.statement("2026-12-20T00:00:00+01:00")
    # 23:59 CET 16 Nov .. 00:01 17 Nov: one minute in each cycle; October's is compacted
    feed = stream.feed(
        [tap("2026-11-17T00:01:00+01:00", 120, "2026-11-16T23:59:00+01:00", "tap-3")]
    )
    assert (feed.late, feed.too_late) == (("tap-3",), ("tap-3",))
    assert feed.anomalies[0].message == (
        "sample 'tap-3' (roam.voice, 120 at 2026-11-16T23:01:00Z) reaches back before every cycle the rater "
        "keeps: its span starts at 2026-11-16T22:59:00Z, and its part before 2026-11-16T23:00:00Z, 60 s, "
        "belonged to cycles already compacted (or before the rater's start): not applied (the rest is)."
    )
    statement = stream.statement("2026-12-20T01:00:00+01:00")
    # November (closed, kept) gets its minute: 0.99, on the next open invoice
    assert usage_lines(statement) == [("charge", Decimal(1), Decimal("0.99"), True)]


def test_a_rater_takes_one_anniversary_day_only() -> None:
    other_day = rk.Plan("q", "CHF", rk.cycles.monthly(tz=ZURICH, day=3), [])
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.Rater([rk.Assignment("x", PLAN), rk.Assignment("y", other_day)], METERS, start=START)
    assert str(caught.value) == (
        "Rater plans bill on different cycles (cycles.monthly(tz='Europe/Zurich', day=17), "
        "cycles.monthly(tz='Europe/Zurich', day=3)); a rater closes one cycle at a time: give its plans "
        "one cycle, or use one rater per cycle."
    )


def reseal(data: dict[str, Any]) -> dict[str, Any]:
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**data, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def test_a_tampered_snapshot_is_refused_saying_what_is_wrong() -> None:
    stream = rater()
    stream.feed([interim("2026-10-20T10:00:00Z", 0, "a"), interim("2026-10-20T11:00:00Z", GB, "b")])
    stream.statement("2026-10-21T00:00:00Z")
    saved = json.loads(json.dumps(stream.snapshot()))
    edited = json.loads(json.dumps(saved))
    edited["body"]["horizon_us"] = 0  # a shorter horizon, checksum left as it was
    with pytest.raises(
        rk.BadSnapshotError, match=r"does not match its content .* restore an unaltered copy"
    ):
        rk.Rater.restore(edited, PLAN, METERS)
    edited["body"]["horizon_us"] = -5
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(reseal(edited), PLAN, METERS)
    assert str(caught.value) == (
        "Rater snapshot has late 'correct' and horizon_us -5; a rater has late 'correct' or 'report' and a "
        "horizon of zero or more: restore an unaltered copy."
    )
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(saved, PLAN, [DATA])
    # the untouched copy restores and goes on
    again = rk.Rater.restore(saved, PLAN, METERS)
    assert again.feed([interim("2026-10-20T11:00:00Z", GB, "b")]).duplicates == ("b",)


VOICE = rk.Meter("voice", "s", rk.Discrete())
CALLS = [
    # 21:50..22:10 local on 20 Oct: 10 min at peak, 10 at night
    rk.Sample(
        SUBSCRIBER,
        "m",
        "voice",
        "2026-10-20T22:10:00+02:00",
        1200,
        since="2026-10-20T21:50:00+02:00",
        id="c1",
    ),
    # 01:30 CEST .. 06:30 CET on 25 Oct: 6 real hours, the night ends at 06:00 CET (05:00Z)
    rk.Sample(
        SUBSCRIBER,
        "m",
        "voice",
        "2026-10-25T06:30:00+01:00",
        6 * 3600,
        since="2026-10-25T01:30:00+02:00",
        id="c2",
    ),
]


def test_calls_over_peak_and_night_are_split_by_time_over_the_dst_night() -> None:
    october = CYCLES.containing("2026-10-20T00:00:00Z")
    rating = rk.rate(CALLS, TIME_OF_DAY, span=october, meters=[VOICE])
    # c2: 23:30Z..05:00Z is night (330 min * 0.05 = 16.50), 05:00Z..05:30Z peak (30 * 0.20)
    assert [(c.entry, c.quantity, c.amount, c.record_ids) for c in rating.charges] == [
        ("peak", Decimal(10), Decimal("2.00"), ("c1",)),
        ("night", Decimal(10), Decimal("0.50"), ("c1",)),
        ("night", Decimal(330), Decimal("16.50"), ("c2",)),
        ("peak", Decimal(30), Decimal("6.00"), ("c2",)),
    ]
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("25.00")  # 2.00 + 0.50 + 16.50 + 6.00
    # streamed: the night call first, mid-call statement, restart, then the peak call
    stream = rk.Rater(TIME_OF_DAY, [VOICE], start=october.start, horizon=dt.timedelta(days=2))
    stream.feed(CALLS[1:])
    stream.statement("2026-10-25T04:00:00Z")
    stream = rk.Rater.restore(json.loads(json.dumps(stream.snapshot())), TIME_OF_DAY, [VOICE])
    stream.feed(CALLS[:1])
    assert [i.total for i in stream.statement("2026-11-20T00:00:00Z").invoices] == [
        Decimal("25.00")
    ]


def test_a_prepaid_topup_pays_the_closing_invoices_and_its_balance_carries() -> None:
    stream = rater()
    stream.feed([tap("2026-10-20T10:02:00Z", 120, "2026-10-20T10:00:00Z", "tap-1")])
    topup = [rk.Credit("topup-1", SUBSCRIBER, 15, "CHF", start="2026-10-18T09:00:00Z")]
    october = rk.apply_credits(stream.statement("2026-11-20T00:00:00+01:00").invoices, topup)
    assert (october[0].subtotal, october[0].total) == (Decimal("11.98"), Decimal("0.00"))
    topup = list(rk.credits_left(topup, october))
    assert [(credit.id, credit.amount) for credit in topup] == [
        ("topup-1", Decimal("3.02"))
    ]  # 15 - 11.98
    november = rk.apply_credits(stream.statement("2026-12-20T00:00:00+01:00").invoices, topup)
    assert (november[0].subtotal, november[0].total) == (Decimal("10.00"), Decimal("6.98"))
