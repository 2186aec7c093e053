"""The mobile operator's law: calls and data sessions, duplicated, reordered and cut into
batches with statements and restarts from JSON snapshots, bill each subscriber's day
exactly what a brute-force Fraction oracle bills.

Daily cycles in Europe/Zurich over the night the clocks go back (24, 25 and 24 hours). A
call detail record is a delta of its real duration in seconds over its span, so the part
of a call on each side of local midnight is its whole seconds there, exactly; its start
lies on a grid of 30 seconds, which holds both midnights and the DST instant. A data
session's cumulative interim updates lie within one local day (the first reading is the
counter's baseline). The day's first 10 minutes are free; voice costs 0.12 a minute and
data 2 a GB.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

ZURICH = "Europe/Zurich"
DAYS = rk.cycles.daily(tz=ZURICH)
SPAN = rk.Span("2026-10-24T00:00:00+02:00", "2026-10-27T00:00:00+01:00")
CYCLES = DAYS.spans(SPAN)  # 24 h, 25 h, 24 h
US = 1_000_000
START_US = SPAN.start_us
END_US = SPAN.end_us
FREE_SECONDS = 600
VOICE = rk.Meter("voice", "s", rk.Discrete())
DATA = rk.Meter("data", "B", rk.Counter())
METERS = [VOICE, DATA]
PLAN = rk.Plan(
    "mvno",
    "CHF",
    DAYS,
    [
        rk.PriceEntry("voice", "voice", rk.PerUnit("0.12"), unit="minute", meter_unit="s"),
        rk.PriceEntry("data", "data", rk.PerUnit("2"), unit="GB", meter_unit="B"),
    ],
    allowances=[rk.Allowance("voice", FREE_SECONDS)],
)
HORIZON = dt.timedelta(days=4)  # nothing is compacted before the last statement
ACCOUNTS = ("41790000001", "41790000002")


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def iso(us: int) -> str:
    return (EPOCH + dt.timedelta(microseconds=us)).isoformat()


calls = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.integers(0, (END_US - START_US) // (30 * US) - 1),  # start, on the 30 s grid
        st.integers(0, 7200),  # seconds
    ),
    max_size=5,
)
sessions = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.integers(0, len(CYCLES) - 1),  # its day
        st.integers(0, 10**9),  # the counter's baseline
        st.lists(
            st.tuples(st.integers(1, 3600), st.integers(0, 3 * 10**9)), min_size=1, max_size=3
        ),
    ),
    max_size=2,
)


def records_of(
    drawn_calls: list[tuple[str, int, int]],
    drawn_sessions: list[tuple[str, int, int, list[tuple[int, int]]]],
) -> list[rk.Sample]:
    records = []
    for n, (account, slot, seconds) in enumerate(drawn_calls):
        since = START_US + slot * 30 * US
        at = min(since + seconds * US, END_US)
        records.append(
            rk.Sample(
                account,
                "msisdn",
                "voice",
                iso(at),
                (at - since) // US,
                since=iso(since),
                id=f"cdr-{n}",
            )
        )
    for n, (account, day, baseline, steps) in enumerate(drawn_sessions):
        at, octets = CYCLES[day].start_us, baseline
        records.append(
            rk.Sample(
                account, f"sess-{n}", "data", iso(at), octets, kind="counter", id=f"s{n}-start"
            )
        )
        for k, (gap, sent) in enumerate(steps):
            at, octets = min(at + gap * US, CYCLES[day].end_us - US), octets + sent
            records.append(
                rk.Sample(
                    account, f"sess-{n}", "data", iso(at), octets, kind="counter", id=f"s{n}-{k}"
                )
            )
    return records


def oracle(records: list[rk.Sample]) -> dict[tuple[str, int], tuple[Fraction, Fraction]]:
    """Per (account, day): voice and data amounts, by brute force over seconds and readings."""
    seconds: dict[tuple[str, int], int] = defaultdict(int)
    octets: dict[tuple[str, int], int] = defaultdict(int)
    for record in records:
        if record.meter == "voice":
            assert record.since_us is not None
            for day, cycle in enumerate(CYCLES):
                overlap = min(record.at_us, cycle.end_us) - max(record.since_us, cycle.start_us)
                seconds[record.account, day] += max(overlap, 0) // US
    readings: dict[str, list[rk.Sample]] = defaultdict(list)
    for record in records:
        if record.meter == "data":
            readings[record.resource].append(record)
    for session in readings.values():
        day = next(
            n for n, cycle in enumerate(CYCLES) if cycle.start_us <= session[0].at_us < cycle.end_us
        )
        values = sorted(int(reading.value) for reading in session)  # cumulative: in time order
        octets[session[0].account, day] += values[-1] - values[0]
    keys = set(seconds) | set(octets)
    return {
        key: (
            Fraction(max(seconds[key] - FREE_SECONDS, 0)) * Fraction("0.12") / 60,
            Fraction(octets[key]) * 2 / 10**9,
        )
        for key in keys
    }


def cents(amount: Fraction) -> Decimal:
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 8, 1), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(drawn_calls=calls, drawn_sessions=sessions, data=st.data())
def test_streamed_calls_and_sessions_bill_each_day_what_the_oracle_bills(
    drawn_calls: list[tuple[str, int, int]],
    drawn_sessions: list[tuple[str, int, int, list[tuple[int, int]]]],
    data: st.DataObject,
) -> None:
    records = records_of(drawn_calls, drawn_sessions)
    fed = data.draw(
        st.permutations(
            records
            + data.draw(st.lists(st.sampled_from(records), max_size=3) if records else st.just([]))
        )
    )
    rater = rk.Rater(PLAN, METERS, start=SPAN.start, horizon=HORIZON)
    watermark = START_US
    lines: list[rk.StatementLine] = []
    position = 0
    while position < len(fed):
        size = data.draw(st.integers(1, 4))
        assert not rater.feed(fed[position : position + size]).too_late
        position += size
        watermark = min(END_US, watermark + data.draw(st.integers(0, 30)) * 3600 * US)
        lines += rater.statement(iso(watermark)).lines
        if data.draw(st.booleans()):
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    last = rater.statement(iso(END_US + 4 * 24 * 3600 * US))
    lines += last.lines
    assert last.closed == tuple(CYCLES)
    expected = oracle(records)
    streamed: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
    for line in lines:
        streamed[line.account, CYCLES.index(line.cycle)] += Fraction(line.amount)
    assert {key: total for key, total in streamed.items() if total} == {
        key: voice + gigabytes for key, (voice, gigabytes) in expected.items() if voice + gigabytes
    }
    invoices = {
        (invoice.account, CYCLES.index(invoice.cycle)): invoice for invoice in last.invoices
    }
    for key, (voice, gigabytes) in expected.items():
        if voice + gigabytes:
            assert invoices[key].total == cents(voice) + cents(gigabytes)
