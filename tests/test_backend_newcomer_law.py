"""The law of docs/streaming.md, from a consumer's side: one stream cut at random.

A small platform's four days across Zurich's DST change (daily cycles, 27 to 31 March
2026: 29 March lasts 23 hours): VMs started, resized, stopped, deleted or lost (their
delete never sent), egress samples, and an inventory every twelve hours that closes the
lost ones (``close="last_seen"``). The records come in any order, cut into random
batches, with statements at random watermarks (never further ahead than the oldest record
not fed yet plus the horizon and one cycle, so a record may be late but never too late),
snapshots stored at random points (as JSON text, or the rater pickled) and crashes that
restore the last one and feed again from its offset, dropping the ledger written after it. The
statements' lines, summed per line, must be one batch ``rk.rate()`` of every record as
of the last watermark, to the last digit (docs/streaming.md, One engine).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections import defaultdict
from fractions import Fraction
from typing import Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ratekit as rk
from test_backend_newcomer_stream import batch_sums, exo_plan, ledger_sums

UTC = dt.UTC
ZURICH = "Europe/Zurich"
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [VM, EGRESS]
DAILY = rk.cycles.daily(tz=ZURICH)
PLAN = exo_plan(DAILY, 20, "2026-03-29T12:00:00Z", 5, "2.40")
START = dt.datetime(
    2026, 3, 27, tzinfo=UTC
)  # 27 March 01:00 in Zurich: the cycle from 26 March 23:00 UTC
HOURS = 96
HORIZON = dt.timedelta(hours=6)
Record = rk.Event | rk.Sample | rk.Inventory


def minute(offset: int) -> dt.datetime:
    return START + dt.timedelta(minutes=offset)


@st.composite
def platforms(draw: st.DrawFn) -> list[Record]:
    records: list[Record] = []
    lifetimes = []
    for n in range(draw(st.integers(1, 3))):
        account = draw(st.sampled_from(["acme", "beta"]))
        resource = f"vm-{n}"
        start = draw(st.integers(0, HOURS * 60 - 120))
        end = draw(st.integers(start + 1, HOURS * 60 + 60))
        flavor = draw(st.sampled_from(["small", "large"]))
        how = draw(st.sampled_from(["stop", "delete", "lost", "running"]))
        records.append(
            rk.Event(
                account,
                resource,
                minute(start),
                {"flavor": flavor},
                kind="start",
                id=f"{resource}-on",
            )
        )
        flavors = [(start, flavor)]
        if draw(st.booleans()):
            resize = draw(st.integers(start, end - 1))
            other = "large" if flavor == "small" else "small"
            records.append(
                rk.Event(
                    account,
                    resource,
                    minute(resize),
                    {"flavor": other},
                    kind="update",
                    id=f"{resource}-up",
                )
            )
            flavors.append((resize, other))
        if how in {"stop", "delete"} and end < HOURS * 60:
            kind: Literal["stop", "delete"] = "stop" if how == "stop" else "delete"
            records.append(
                rk.Event(account, resource, minute(end), kind=kind, id=f"{resource}-{kind}")
            )
        for k in range(draw(st.integers(0, 3))):
            when = draw(st.integers(start, end - 1))
            value = draw(st.sampled_from(["0.5", "1.25", "3", "7"]))
            records.append(
                rk.Sample(account, resource, "egress", minute(when), value, id=f"{resource}-g{k}")
            )
        lifetimes.append((account, resource, start, end, how, flavors))
    for mark in range(12 * 60, HOURS * 60 + 1, 12 * 60):
        listed: dict[tuple[str, str], dict[str, str]] = {}
        for account, resource, start, end, how, flavors in lifetimes:
            exists = start <= mark and (mark < end or how in ("stop", "running"))
            if exists:
                listed[account, resource] = {"flavor": [f for at, f in flavors if at <= mark][-1]}
        records.append(rk.Inventory(minute(mark), listed, close="last_seen", id=f"inv-{mark}"))
    return records


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow],
)
@given(platforms(), st.data())
def test_a_stream_cut_at_random_adds_up_to_one_batch_rating(
    records: list[Record], data: st.DataObject
) -> None:
    arrived: list[Record] = data.draw(st.permutations(records), label="arrival")
    rater = rk.Rater(PLAN, METERS, start=START, horizon=HORIZON, tz=ZURICH)
    ledger: dict[int, rk.Statement] = {}
    saved: tuple[str | bytes, int, int, dt.datetime | None] = (
        json.dumps(rater.snapshot()),
        0,
        0,
        None,
    )
    offset, number = 0, 0
    watermark: dt.datetime | None = None
    crashes = 0
    while offset < len(arrived):
        size = data.draw(st.integers(1, 8), label="batch")
        feed = rater.feed(arrived[offset : offset + size])
        assert feed.too_late == ()
        assert feed.conflicting == ()
        offset += size
        if data.draw(st.booleans(), label="state"):
            # never past the oldest record not fed yet, plus the horizon and one cycle
            bound = min(
                (record.at for record in arrived[offset:]), default=minute(HOURS * 60 + 120)
            )
            bound += HORIZON + dt.timedelta(hours=23)
            low = watermark or START
            if low <= bound:
                step = data.draw(
                    st.integers(0, int((bound - low).total_seconds() // 60)), label="watermark"
                )
                watermark = low + dt.timedelta(minutes=step)
                number += 1
                ledger[number] = rater.statement(watermark)
        if data.draw(st.booleans(), label="save"):
            # the store holds the snapshot as JSON text, or the rater pickled
            kept = (
                json.dumps(rater.snapshot())
                if data.draw(st.booleans(), label="json")
                else pickle.dumps(rater)
            )
            saved = (kept, offset, number, watermark)
        if crashes < 3 and data.draw(st.booleans(), label="crash"):
            crashes += 1
            kept, offset, number, watermark = saved
            if isinstance(kept, bytes):
                rater = pickle.loads(kept)
            else:
                rater = rk.Rater.restore(
                    json.loads(kept) if isinstance(kept, str) else kept, PLAN, METERS
                )
            for written in [n for n in ledger if n > number]:
                del ledger[written]
    final = max(minute(HOURS * 60 + 120), watermark or START)
    ledger[number + 1] = rater.statement(final)
    first = DAILY.containing(START).start
    batch = rk.rate(
        records, PLAN, span=rk.Span(first, DAILY.containing(final).end), meters=METERS, as_of=final
    )
    assert ledger_sums(ledger.values()) == batch_sums(batch)
    # each closing invoice's precise total is its lines summed up to the statement that
    # closed it (docs/streaming.md, Lines, increments and corrections); what came later
    # are late lines, counted above
    so_far: dict[tuple[object, object], Fraction] = defaultdict(Fraction)
    for n in sorted(ledger):
        for line in ledger[n].lines:
            so_far[line.account, line.cycle.start] += Fraction(line.amount)
        for invoice in ledger[n].invoices:
            assert Fraction(invoice.precise_total) == so_far[invoice.account, invoice.cycle.start]
