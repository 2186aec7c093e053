"""Faults a mobile operator's billing engineer found, each now a plain test of the fix.

Calls are billed per started minute by a delta policy of the operator's own (61 s is 2
minutes), as `docs/usage.md` shows a policy of one's own; the streaming rater's feed names
what a record too late for its kept cycles would have billed.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk


class StartedMinute:
    """Each call billed per started minute, over the call's span."""

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: object, previous: object, report: object
    ) -> list[tuple[int, int, Decimal, tuple[str, ...]]]:
        return [
            (
                sample.since_us if sample.since_us is not None else sample.at_us,
                sample.at_us,
                (sample.value / 60).to_integral_value(rounding="ROUND_CEILING"),
                (sample.id,),
            )
            for sample in readings  # type: ignore[attr-defined]
        ]


STARTED = rk.Meter("voice", "minute", StartedMinute())
PLAN = rk.Plan(
    "pm", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("voice", "voice", rk.PerUnit("0.10"))]
)
OLD_CALL = rk.Sample(
    "sub", "m", "voice", "2026-03-01T10:01:30Z", 90, since="2026-03-01T10:00:00Z", id="old"
)


def compacted() -> rk.Rater:
    rater = rk.Rater(PLAN, [STARTED], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted, 3 March kept
    return rater


def test_the_policy_counts_a_90_second_call_as_two_minutes() -> None:
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    assert rk.meter([OLD_CALL], [STARTED], span=day, cycle=None, as_of=day.end).total() == 2


def test_a_too_late_call_is_named_with_the_minutes_its_policy_counts() -> None:
    feed = compacted().feed([OLD_CALL])
    assert feed.too_late == ("old",)
    [anomaly] = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "voice", Decimal(2))
    assert "its quantity 2 minute (voice) is not applied" in anomaly.message


def test_a_too_late_call_over_no_span_is_named_with_its_started_minutes() -> None:
    # 150 s at an instant: 150 / 60 = 2.5 -> 3 started minutes, not 150
    call = rk.Sample("sub", "m", "voice", "2026-03-01T10:00:00Z", 150, id="at")
    feed = compacted().feed([call])
    assert feed.too_late == ("at",)
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("voice", Decimal(3))
    assert "its quantity 3 minute (voice) is not applied" in anomaly.message


def test_a_too_late_discrete_delta_is_named_with_its_value() -> None:
    # the built-in Discrete() counts a delta as it is: 90 s, over a span or at an instant
    seconds = rk.Meter("voice", "s", rk.Discrete())
    rater = rk.Rater(PLAN, [seconds], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    at = rk.Sample("sub", "m", "voice", "2026-03-01T11:00:00Z", 90, id="at")
    feed = rater.feed([OLD_CALL, at])
    assert feed.too_late == ("old", "at")
    assert [(a.meter, a.quantity) for a in feed.anomalies] == [
        ("voice", Decimal(90)),
        ("voice", Decimal(90)),
    ]
    assert all("its quantity 90 s (voice) is not applied" in a.message for a in feed.anomalies)


class DoubledLevel:
    """A policy of one's own over gauge readings: what it makes of one depends on the others."""

    def accepts(self, kind: str) -> bool:
        return kind == "gauge"

    def increments(
        self, readings: object, previous: object, report: object
    ) -> list[tuple[int, int, Decimal, tuple[str, ...]]]:
        return [(s.at_us, s.at_us, 2 * s.value, ()) for s in readings]  # type: ignore[attr-defined]


def test_a_too_late_gauge_of_a_policy_of_ones_own_names_no_figure() -> None:
    # a level read alone says nothing of what the policy made of it among its neighbours
    level = rk.Meter("voice", "minute", DoubledLevel())
    rater = rk.Rater(PLAN, [level], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    feed = rater.feed(
        [rk.Sample("sub", "m", "voice", "2026-03-01T10:00:00Z", 7, kind="gauge", id="g")]
    )
    assert feed.too_late == ("g",)
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("voice", None)
    assert "its quantity (voice), which only the readings around it decide, is not applied" in (
        anomaly.message
    )


def test_a_call_too_late_in_part_names_no_figure_it_cannot_count() -> None:
    # 23:59:00..00:00:30 over the kept cycles' start: its part before it is not applied, and
    # the anomaly gives no quantity, since only the policy knows it
    feed = compacted().feed(
        [
            rk.Sample(
                "sub",
                "m",
                "voice",
                "2026-03-03T00:00:30Z",
                90,
                since="2026-03-02T23:59:00Z",
                id="part",
            )
        ]
    )
    assert (feed.late, feed.too_late) == (("part",), ("part",))
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == (None, None)
    assert anomaly.message == (
        "sample 'part' (voice, 90 at 2026-03-03T00:00:30Z) reaches back before every cycle the rater keeps: "
        "its span starts at 2026-03-02T23:59:00Z, and the part of its quantity before 2026-03-03T00:00:00Z "
        "belonged to cycles already compacted (or before the rater's start): not applied (the rest is)."
    )


def test_a_too_late_count_is_named_as_one_reading() -> None:
    # the built-in Count() counts readings, not values: a too-late reading of 7 is 1
    sms = rk.Meter("sms", "count", rk.Count())
    plan = rk.Plan(
        "pm", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("sms", "sms", rk.PerUnit("0.10"))]
    )
    rater = rk.Rater(plan, [sms], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    feed = rater.feed(
        [rk.Sample("sub", "m", "sms", "2026-03-01T10:01:30Z", 7, kind="gauge", id="old")]
    )
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("sms", Decimal(1))


# --- metering call after call: a late CDR given to a call over an empty span -------------------

VOICE = rk.Meter("voice", "s", rk.Discrete())
DAYS = rk.cycles.daily(tz="UTC")
CLOCK = "2026-03-02T00:00:00Z"
LATE_CDR = rk.Sample("sub", "msisdn", "voice", "2026-03-01T10:00:00Z", 60, id="c1")


def first_call() -> rk.Usage:
    # the subscriber's line is known from 1 March; metered up to the clock, 2 March 00:00
    known = rk.Event("sub", "msisdn", "2026-03-01T00:00:00Z", kind="update", id="init")
    return rk.meter(
        [known], [VOICE], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )


def test_a_late_cdr_given_to_the_next_call_is_a_late_row() -> None:
    end = "2026-03-02T00:00:00.000001Z"
    usage = rk.meter(
        [LATE_CDR],
        [VOICE],
        span=rk.Span(CLOCK, end),
        cycle=DAYS,
        as_of=end,
        state=first_call().state,
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(60), ("c1",))]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["late"]


def test_a_late_cdr_given_to_a_call_over_an_empty_span_is_not_lost() -> None:
    usage = rk.meter(
        [LATE_CDR],
        [VOICE],
        span=rk.Span(CLOCK, CLOCK),
        cycle=DAYS,
        as_of=CLOCK,
        state=first_call().state,
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(60), ("c1",))]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["late"]


def test_a_late_call_of_a_policy_of_ones_own_given_to_a_call_over_an_empty_span_is_a_late_row() -> (
    None
):
    # 90 s billed per started minute: 90 / 60 = 1.5 -> 2 minutes, late over 10:00..24:00
    known = rk.Event("sub", "msisdn", "2026-03-01T00:00:00Z", kind="update", id="init")
    first = rk.meter(
        [known], [STARTED], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    usage = rk.meter(
        [rk.Sample("sub", "msisdn", "voice", "2026-03-01T10:00:00Z", 90, id="c1")],
        [STARTED],
        span=rk.Span(CLOCK, CLOCK),
        cycle=DAYS,
        as_of=CLOCK,
        state=first.state,
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(2), ("c1",))]
    assert [(a.kind, a.quantity) for a in usage.anomalies] == [("late", Decimal(2))]


def test_a_late_reading_of_a_count_given_to_a_call_over_an_empty_span_is_a_late_row() -> None:
    # Count() counts readings: one late reading (of 7) is 1 late count
    sms = rk.Meter("sms", "count", rk.Count())
    known = rk.Event("sub", "msisdn", "2026-03-01T00:00:00Z", kind="update", id="init")
    first = rk.meter(
        [known], [sms], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    late = rk.Sample("sub", "msisdn", "sms", "2026-03-01T10:00:00Z", 7, kind="gauge", id="g")
    usage = rk.meter(
        [late], [sms], span=rk.Span(CLOCK, CLOCK), cycle=DAYS, as_of=CLOCK, state=first.state
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(1), ("g",))]
    assert [(a.kind, a.quantity) for a in usage.anomalies] == [("late", Decimal(1))]


def test_a_late_counter_reset_given_to_a_call_over_an_empty_span_is_a_late_row() -> None:
    # readings 100 at 02:00 and 300 at 20:00 (200 B); 50 at 10:00 is a reset: 50 from zero
    # over 02:00..10:00, then 250 over 10:00..20:00: 300 B in all, 100 B more, late
    octets = rk.Meter("octets", "B", rk.Counter())
    first = rk.meter(
        [
            rk.Sample("sub", "msisdn", "octets", "2026-03-01T02:00:00Z", 100, kind="counter"),
            rk.Sample("sub", "msisdn", "octets", "2026-03-01T20:00:00Z", 300, kind="counter"),
        ],
        [octets],
        span=rk.Span("2026-03-01T00:00:00Z", CLOCK),
        cycle=DAYS,
        as_of=CLOCK,
    )
    assert first.total() == 200
    reset = rk.Sample("sub", "msisdn", "octets", "2026-03-01T10:00:00Z", 50, kind="counter", id="k")
    usage = rk.meter(
        [reset], [octets], span=rk.Span(CLOCK, CLOCK), cycle=DAYS, as_of=CLOCK, state=first.state
    )
    assert sum(row.quantity for row in usage.late) == Decimal(100)
    assert "late" in [a.kind for a in usage.anomalies]


def test_a_cdr_after_a_call_over_an_empty_span_is_billed_by_the_next_call() -> None:
    # [clock, clock) as of 01:00 knows a CDR of 00:30: kept for the next span, billed there
    cdr = rk.Sample("sub", "msisdn", "voice", "2026-03-02T00:30:00Z", 60, id="c2")
    empty = rk.meter(
        [cdr],
        [VOICE],
        span=rk.Span(CLOCK, CLOCK),
        cycle=DAYS,
        as_of="2026-03-02T01:00:00Z",
        state=first_call().state,
    )
    assert (empty.rows, [a.kind for a in empty.anomalies]) == ((), ["after_span"])
    day = rk.Span(CLOCK, "2026-03-03T00:00:00Z")
    usage = rk.meter([], [VOICE], span=day, cycle=DAYS, as_of=day.end, state=empty.state)
    assert [(row.quantity, row.record_ids) for row in usage.rows] == [(Decimal(60), ("c2",))]


def test_a_late_stop_given_to_a_call_over_an_empty_span_is_a_late_row() -> None:
    hours = rk.Meter("session.hours", "hour", rk.OnOff())
    started = rk.Event("sub", "sess", "2026-03-01T00:00:00Z", kind="start", id="s")
    first = rk.meter(
        [started], [hours], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    stopped = rk.Event("sub", "sess", "2026-03-01T12:00:00Z", kind="stop", id="t")
    usage = rk.meter(
        [stopped], [hours], span=rk.Span(CLOCK, CLOCK), cycle=DAYS, as_of=CLOCK, state=first.state
    )
    assert [row.quantity for row in usage.late] == [Decimal(-12)]  # 12:00..24:00 taken back


# --- metering call after call: a late CDR of a policy of one's own --------------------------------


def test_a_late_call_before_a_call_at_an_instant_is_a_late_row_of_its_started_minutes() -> None:
    known = rk.Sample(
        "sub", "m", "voice", "2026-03-01T15:28:00Z", 6424, id="c4"
    )  # 107.07 -> 108 min
    late = rk.Sample(
        "sub", "m", "voice", "2026-03-01T10:59:30Z", 6097, id="c2"
    )  # 101.62 -> 102 min
    end = "2026-03-02T01:00:00Z"
    whole = rk.meter(
        [late, known], [STARTED], span=rk.Span("2026-03-01T00:00:00Z", end), cycle=DAYS, as_of=end
    )
    assert whole.total() == 210  # 102 + 108
    first = rk.meter(
        [known], [STARTED], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    assert first.total() == 108
    usage = rk.meter(
        [late], [STARTED], span=rk.Span(CLOCK, end), cycle=DAYS, as_of=end, state=first.state
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(102), ("c2",))]


def test_a_late_call_with_the_builtin_discrete_policy_is_a_late_row_of_its_own_seconds() -> None:
    known = rk.Sample("sub", "m", "voice", "2026-03-01T15:28:00Z", 6424, id="c4")
    late = rk.Sample("sub", "m", "voice", "2026-03-01T10:59:30Z", 6097, id="c2")
    end = "2026-03-02T01:00:00Z"
    first = rk.meter(
        [known], [VOICE], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    usage = rk.meter(
        [late], [VOICE], span=rk.Span(CLOCK, end), cycle=DAYS, as_of=end, state=first.state
    )
    assert [(row.quantity, row.record_ids) for row in usage.late] == [(Decimal(6097), ("c2",))]


def test_a_late_call_before_a_call_over_a_span_is_a_late_row_of_its_started_minutes() -> None:
    known = rk.Sample(
        "sub", "m", "voice", "2026-03-01T11:00:00Z", 90, since="2026-03-01T10:58:30Z", id="c1"
    )
    late = rk.Sample(
        "sub", "m", "voice", "2026-03-01T10:00:00Z", 90, since="2026-03-01T09:58:30Z", id="c0"
    )
    end = "2026-03-02T01:00:00Z"
    whole = rk.meter(
        [late, known], [STARTED], span=rk.Span("2026-03-01T00:00:00Z", end), cycle=DAYS, as_of=end
    )
    assert whole.total() == 4  # 2 + 2 started minutes
    first = rk.meter(
        [known], [STARTED], span=rk.Span("2026-03-01T00:00:00Z", CLOCK), cycle=DAYS, as_of=CLOCK
    )
    usage = rk.meter(
        [late], [STARTED], span=rk.Span(CLOCK, end), cycle=DAYS, as_of=end, state=first.state
    )
    assert [row.quantity for row in usage.late] == [Decimal(2)]
    assert first.total() + sum(row.quantity for row in usage.late) == whole.total()
