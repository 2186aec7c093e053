"""The rater's statements are incremental: what they meter, and what it costs to close.

A statement meters only what is new since the last one (resources continue from their
metering state at the last watermark, a counter's too), except the resources that a
late record, an aggregation or a counter from zero makes it meter again from the start
of the kept cycles. Either
way its rows are those of metering everything at once: checked here row by row, on top
of the law (tests/test_rater_law.py) that checks the charges.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import typing
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _rater_streams as streams
from tests import _seq_plan
from tests._budget import LAWS

import ratekit as rk
from ratekit import _vlq
from ratekit._instants import format_us, to_us
from ratekit._rater_engine import Engine


def _rows(rows: object) -> list[tuple[object, ...]]:
    return sorted(
        (
            row.account,
            row.resource,
            row.meter,
            row.span.start_us,
            row.span.end_us,
            row.cycle.start_us,
            row.quantity,
            tuple(sorted(row.description.items())),
        )
        for row in rows  # type: ignore[attr-defined]
    )


@settings(max_examples=LAWS)
@given(seed=st.integers(0, 2**32), anonymous=st.booleans())
def test_the_rows_a_statement_keeps_are_those_of_metering_the_kept_cycles_at_once(
    seed: int, anonymous: bool
) -> None:
    for rater, as_of in _stepped(seed, anonymous=anonymous):
        book = rater._book
        assert book is not None
        at_once = rater._engine.meter(rater._records.values(), rater._base_us, as_of, rater._state)
        assert _rows(book.all_rows()) == _rows(at_once.rows)


def _stepped(seed: int, *, anonymous: bool) -> Iterator[tuple[rk.Rater, int]]:
    """A drawn stream shuffled, fed three records at a time, a statement after each feed.

    Gives the rater and the statement's watermark (epoch µs) after each statement.
    """
    rng = random.Random(seed)
    stream = streams.records(rng, anonymous=anonymous)
    rng.shuffle(stream)
    rater = rk.Rater(streams.PLANS, streams.METERS, start=format_us(streams.T0))
    as_of = streams.T0
    for index in range(0, len(stream), 3):
        rater.feed(stream[index : index + 3])
        as_of += rng.randrange(0, 10 * streams.HOUR_US, streams.MINUTE_US)
        rater.statement(format_us(as_of))
        yield rater, as_of


def test_a_running_vm_accrues_between_statements_with_no_new_record() -> None:
    # 0.10 EUR an hour: 24 h on the 1st, then 12 h more by noon on the 2nd (1.20), and
    # its one row of March runs on: 36 h = 3.60.
    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")]
    )
    first = rater.statement("2026-03-02T00:00:00Z")
    second = rater.statement("2026-03-02T12:00:00Z")
    assert [(x.role, x.quantity, x.amount) for x in first.lines] == [
        ("charge", 24, rk.PerUnit("0.10").amount(24))
    ]
    assert [(x.role, x.quantity, x.amount) for x in second.lines] == [
        ("increment", 12, rk.PerUnit("0.10").amount(12))
    ]
    book = rater._book
    assert book is not None
    (row,) = book.all_rows()
    assert (row.span.start, row.span.end, row.quantity) == (
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
        36,
    )


def test_a_lines_totals_have_the_exponent_of_its_charges_as_they_now_stand() -> None:
    # A line's totals are the exact sums of its charges as they stand at each statement,
    # whose exponent is their smallest: never a running total carried from the charges
    # it held before. 1.00 EUR an hour, size s from 00:00, m from 01:00.
    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1.00"))],
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"size": "s"}, kind="start", id="e1"),
            rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", {"size": "m"}, kind="update", id="e2"),
        ]
    )

    def said(statement: rk.Statement) -> list[tuple[str, str, str, list[str]]]:
        return [
            (x.role, str(x.quantity), str(x.amount), [str(c.amount) for c in x.charges])
            for x in statement.lines
        ]

    # 01:30: s 1 h * 1.00 = 1.00, m 0.5 h * 1.00 = 0.500; 1.00 + 0.500 = 1.500.
    assert said(rater.statement("2026-03-01T01:30:00Z")) == [
        ("charge", "1.5", "1.500", ["1.00", "0.500"])
    ]
    # 02:00: m's open piece is rated again, 1 h * 1.00 = 1.00: the line is 1.00 + 1.00 =
    # 2.00 (a running total would carry 1.500 - 0.500 + 1.00 = 2.000); 2.00 - 1.500 = 0.500.
    assert said(rater.statement("2026-03-01T02:00:00Z")) == [
        ("increment", "0.5", "0.500", ["1.00", "1.00"])
    ]
    # A late STOP at 01:45 takes back what was reported, 2 h and 2.00, digit for digit,
    # and gives the line anew: 1.00 + 0.75 h * 1.00 = 1.00 + 0.7500 = 1.7500.
    rater.feed([rk.Event("acme", "vm-1", "2026-03-01T01:45:00Z", kind="stop", id="e3")])
    assert said(rater.statement("2026-03-01T02:30:00Z")) == [
        ("reversal", "-2", "-2.00", []),
        ("correction", "1.75", "1.7500", ["1.00", "0.7500"]),
    ]


def test_a_watermark_too_far_ahead_is_refused_before_anything_changes() -> None:
    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))]
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")]
    )
    before = json.dumps(rater.snapshot())
    with pytest.raises(rk.BadTimeError) as caught:
        rater.statement("2031-03-01T00:00:00Z")  # five years of hourly cycles
    assert str(caught.value) == (
        "Rater.statement as_of 2031-03-01T00:00:00Z would close more than 10,000 cycles "
        "at once (from 2026-03-01T00:00:00Z); a watermark that far ahead is most likely a "
        "wrong clock: ask statements at watermarks closer together (each closes at most "
        "10,000 cycles)."
    )
    assert json.dumps(rater.snapshot()) == before
    # Closer watermarks close the same cycles, in steps: the first step closes 48 hours.
    statement = rater.statement("2026-03-03T00:00:00Z")
    assert len(statement.closed) == 48
    assert statement.total() == rk.PerUnit("0.10").amount(48)


def _month(year: int, month: int) -> str:
    return f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02}-01T00:00:00Z"


def test_the_state_stays_flat_over_a_year_of_monthly_cycles() -> None:
    # Ten VMs that run all year, stopped and started and resized every few days, and
    # their egress deltas every six hours: a steady fleet. Each month closes (horizon one
    # day) and the one before is compacted: the snapshot after month 12 is within a
    # small factor of the one after month 2 (records of about two cycles, one state per
    # resource, no remembered ids).
    runtime = rk.Meter("runtime", "hour", rk.OnOff())
    egress = rk.Meter("egress", "B", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("vm", "runtime", rk.PerUnit("0.1")),
            rk.PriceEntry("e", "egress", rk.PerUnit(0)),
        ],
        fees=[rk.Fee("support", 5)],
    )
    rater = rk.Rater(
        plan, [runtime, egress], start="2026-01-01T00:00:00Z", horizon=dt.timedelta(days=1)
    )
    sizes = []
    number = 0
    for month in range(1, 13):
        start = rk.Span(_month(2026, month), _month(2026, month + 1))
        batch: list[rk.Event | rk.Sample] = []
        t = start.start_us
        day = 0
        while t < start.end_us:
            for vm in range(10):
                number += 1
                flavor = ("s", "m")[(day + vm) % 2]
                kind = "stop" if (day + vm) % 3 == 0 else "start"
                attributes = {"f": flavor} if kind == "start" else {}
                batch.append(
                    rk.Event(
                        "acme", f"vm{vm}", format_us(t + vm), attributes, kind=kind, id=f"e{number}"
                    )
                )
                for quarter in range(4):
                    number += 1
                    at = format_us(t + vm + 1 + quarter * 6 * streams.HOUR_US)
                    batch.append(rk.Sample("acme", f"vm{vm}", "egress", at, 1000, id=f"s{number}"))
            t += 2 * streams.DAY_US
            day += 1
        rater.feed(batch)
        rater.statement(format_us(start.end_us + 2 * streams.DAY_US))
        sizes.append(len(json.dumps(rater.snapshot())))
    assert max(sizes[1:]) <= 1.25 * sizes[1], sizes


def test_a_snapshot_keeps_records_per_resource_and_reads_the_flat_list_of_before() -> None:
    from ratekit import _snapshot

    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    start = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    stop = rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", kind="stop", id="e2")
    rater.feed([start, stop])
    data = json.loads(json.dumps(rater.snapshot()))
    # account and resource once per resource, in columns (version 2), each column of
    # integers packed into a string (version 4, Base64 VLQ): the instants (the first,
    # then 10 hours on: 36,000,000,000 µs), the shapes' runs (shape 0 once, then shape 1
    # once: 0, 1, 1, 1 are A, B, B, B), the ids (prefix "e", numbers 1 and 1 + 1: the
    # steps 1 and 1, signed, doubled: C, C), no values (no sample), no seq or since
    # column (none has one)
    group = data["body"]["by_resource"]["groups"][0]
    assert _vlq.decode(group[2], "at") == [start.at_us, 36_000_000_000]
    assert data["body"]["by_resource"] == {
        "attributes": [{"f": "s"}, {}],
        "shapes": [["E", "start", 0], ["E", "stop", 1]],
        "groups": [
            [
                "acme",
                "vm-1",
                "ggwt4m563kDgg0x4hjC",
                "ABBB",
                {"prefix": "e", "steps": "CC"},
                "",
            ]
        ],
    }
    assert data["body"]["records"] == []
    # A version 1 snapshot with the records in one flat list (as the first ones) reads
    # the same.
    body = dict(data["body"])
    del body["by_resource"]
    body["records"] = [_snapshot.encode_record(start), _snapshot.encode_record(stop)]
    body["reported"] = []  # version 1's lines: a list (none here)
    flat: dict[str, object] = {"format": data["format"], "version": 1}
    flat |= {"fingerprint": data["fingerprint"], "body": body}
    flat["checksum"] = _snapshot.checksum(flat)
    again = rk.Rater.restore(json.loads(json.dumps(flat)), plan, [runtime])
    assert again.statement("2026-03-02T00:00:00Z").total() == rk.PerUnit("0.10").amount(10)


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, set[str]]]:
    """Record what each metering call of a rater is given: (start, resources)."""
    from ratekit import rater as module

    calls: list[tuple[int, set[str]]] = []
    original = module._Engine.meter

    def meter(
        self: object, records: object, start_us: int, end_us: int, state: object, **options: bool
    ) -> rk.Usage:
        given = list(records)  # type: ignore[call-overload]
        calls.append((start_us, {r.resource for r in given}))
        return original(self, given, start_us, end_us, state, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(module._Engine, "meter", meter)
    return calls


def test_a_statement_meters_only_the_new_records_and_a_late_one_only_its_resource(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    rater.feed(
        rk.Event("acme", f"vm-{n}", f"2026-03-01T0{n}:00:00Z", {"f": "s"}, kind="start", id=f"s{n}")
        for n in range(10)
    )
    rater.statement("2026-03-02T00:00:00Z")
    calls = _spied(monkeypatch)
    # One new record, after the watermark: only it is metered, from the watermark on
    # (the nine others run on from their states).
    rater.feed([rk.Event("acme", "vm-3", "2026-03-02T06:00:00Z", kind="stop", id="x1")])
    rater.statement("2026-03-03T00:00:00Z")
    assert calls == [(streams.T0 + streams.DAY_US, {"vm-3"})]
    # A late one (stamped before the last watermark): its resource is metered again from
    # the cycle's start, from its kept records; the others continue with nothing new.
    calls.clear()
    rater.feed([rk.Event("acme", "vm-5", "2026-03-02T12:00:00Z", kind="stop", id="x2")])
    statement = rater.statement("2026-03-04T00:00:00Z")
    assert calls == [
        (streams.T0 + 2 * streams.DAY_US, set()),
        (streams.T0, {"vm-5"}),
    ]
    # vm-5 ran from 05:00 on the 1st: 19 + 24 = 43 h were reported to the 3rd; it stopped
    # at 12:00 on the 2nd: 19 + 12 = 31 h. The line is reversed and corrected.
    (reversal, correction) = [line for line in statement.lines if line.resource == "vm-5"]
    assert (reversal.role, reversal.quantity, correction.role, correction.quantity) == (
        "reversal",
        -43,
        "correction",
        31,
    )


def test_an_account_whose_rows_did_not_change_is_not_rated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ratekit import rater as module

    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    tiers = rk.Graduated([rk.Tier(10, "0.10"), rk.Tier(None, "0.05")])
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", tiers)]
    )
    rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("idle", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="i1"),
            rk.Event("idle", "vm-1", "2026-03-01T04:00:00Z", kind="stop", id="i2"),
            rk.Event("busy", "vm-2", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="b1"),
        ]
    )
    rater.statement("2026-03-02T00:00:00Z")
    rated: list[set[str]] = []
    original = module._Engine.rate_rows

    def rate_rows(
        self: object, rows: list[rk.UsageRow], *args: object, **options: object
    ) -> rk.Rating:
        rated.append({row.account for row in rows})
        return original(self, rows, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(module._Engine, "rate_rows", rate_rows)
    statement = rater.statement("2026-03-03T00:00:00Z")
    # idle ran 4 h on the 1st and nothing since: its charge (4 x 0.10 = 0.40) stands and
    # it is not rated again; busy ran 48 h: 10 x 0.10 + 38 x 0.05 = 2.90, 1.20 more.
    assert rated == [{"busy"}]
    assert [(x.account, x.role, x.amount) for x in statement.lines] == [
        ("busy", "increment", Decimal("1.20"))
    ]
    invoices = rater.statement("2026-04-01T00:00:00Z").invoices
    assert [(i.account, i.total) for i in invoices] == [
        ("busy", Decimal("0.10") * 10 + Decimal("0.05") * (31 * 24 - 10)),
        ("idle", Decimal("0.40")),
    ]


@settings(max_examples=100)
@given(seed=st.integers(0, 2**32), anonymous=st.booleans())
def test_the_earliest_row_start_a_book_keeps_is_that_of_a_walk_over_its_rows(
    seed: int, anonymous: bool
) -> None:
    # The book keeps each resource's earliest row start from one statement to the next,
    # updated from the rows that changed alone (a join keeps the starts of the rows it
    # had): it must be what a walk over every row gives.
    for rater, _ in _stepped(seed, anonymous=anonymous):
        book = rater._book
        assert book is not None
        starts = {key: min(row.span.start_us for row in rows) for key, rows in book.rows.items()}
        assert book.lows == starts


def _egress_rows(rater: rk.Rater) -> list[tuple[str, str, str, Decimal]]:
    book = rater._book
    assert book is not None
    return [
        (format_us(r.span.start_us), format_us(r.span.end_us), r.description["flavor"], r.quantity)
        for r in book.all_rows()
        if r.meter == "egress"
    ]


def test_a_delta_after_the_watermark_gives_its_row_from_where_its_description_began(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No delta falls between the resize to m at 03-02 00:00 and the watermark (03-03):
    # the first one after it (7 GB on 03-04) is metered from the watermark, and its row
    # starts where its piece began, as metering at once has it: at the resize, not at
    # the restart of 18:00 (a stop and a start with the same description cut no sample
    # row), nor at the watermark. The resource's state says where (no metering again).
    hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    egress = rk.Meter("egress", "GB", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
            rk.PriceEntry("e", "egress", rk.PerUnit(1)),
        ],
    )
    rater = rk.Rater(plan, [hours, egress], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "s"}, kind="start", id="e1"),
            rk.Sample("a", "vm-1", "egress", "2026-03-01T06:00:00Z", 5, id="s1"),
            rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", {"flavor": "m"}, kind="start", id="e2"),
            rk.Event("a", "vm-1", "2026-03-02T12:00:00Z", kind="stop", id="e3"),
            rk.Event("a", "vm-1", "2026-03-02T18:00:00Z", {"flavor": "m"}, kind="start", id="e4"),
        ]
    )
    rater.statement("2026-03-03T00:00:00Z")
    metered: list[int] = []
    meter = Engine.meter

    def spied(engine: Engine, *args: typing.Any, **options: typing.Any) -> rk.Usage:
        metered.append(args[1])  # the span's start
        return meter(engine, *args, **options)

    monkeypatch.setattr(Engine, "meter", spied)
    rater.feed([rk.Sample("a", "vm-1", "egress", "2026-03-04T00:00:00Z", 7, id="s2")])
    statement = rater.statement("2026-03-05T00:00:00Z")
    assert metered == [to_us("2026-03-03T00:00:00Z")]  # continued, and nothing metered again
    assert _egress_rows(rater) == [
        ("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "s", 5),
        ("2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z", "m", 7),
    ]
    # 7 GB at 1 EUR, and 48 h more of vm.hours at 0.10
    assert [(x.meter, x.role, x.amount) for x in statement.lines] == [
        ("egress", "increment", Decimal(7)),
        ("vm.hours", "increment", Decimal("4.80")),
    ]


def test_a_row_begun_after_a_restore_starts_at_its_cycle() -> None:
    # Daily cycles, a resize on day 1: once day 1 is compacted and the rater restored
    # from JSON (which keeps no word of where a description began), a delta of day 3 has
    # its row from day 3's start, the start of its piece (the description began before).
    egress = rk.Meter("egress", "GB", rk.Discrete())
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit(1))]
    )
    rater = rk.Rater(plan, [egress], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "s"}, kind="start", id="e1"),
            rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"flavor": "m"}, kind="start", id="e2"),
            rk.Sample("a", "vm-1", "egress", "2026-03-01T18:00:00Z", 2, id="s1"),
        ]
    )
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")  # day 1 closes (no horizon)
    rater.statement("2026-03-03T06:00:00Z")  # and is compacted
    assert rater._base_us == to_us("2026-03-02T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [egress])
    rater.statement("2026-03-03T08:00:00Z")
    rater.feed([rk.Sample("a", "vm-1", "egress", "2026-03-03T10:00:00Z", 3, id="s2")])
    rater.statement("2026-03-03T12:00:00Z")
    assert _egress_rows(rater) == [("2026-03-03T00:00:00Z", "2026-03-03T12:00:00Z", "m", 3)]


@pytest.mark.parametrize("restored", [False, True])
@pytest.mark.parametrize("together", [True, False])
@pytest.mark.parametrize(("seq", "bases"), [(1, "01 01 01 01 03"), (3, "01 01 02 02 03")])
def test_a_cycle_a_later_event_precedes_by_its_seq_stays_kept(
    restored: bool, together: bool, seq: int, bases: str
) -> None:
    # Daily UTC cycles, no horizon. A start on 1 March (seq 2) and a stop on the 2nd: with
    # seq 1 the stop is ordered before the start, so compacting 1 March would apply the
    # start without it (`_rater_held.held()`): the day stays kept until the stop is folded
    # too, on the 3rd; with seq 3 the order is the instants', and 1 March is compacted at
    # the third statement. The same whether the stop came with the start or in a later
    # batch (the feed files the resource as sequenced) and after a restore (derived anew).
    plan, meters = _seq_plan.PLAN, _seq_plan.METERS
    rater = rk.Rater(plan, meters, start=_seq_plan.START)
    start = rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="e1", seq=2)
    stop = rk.Event("a", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="e2", seq=seq)
    rater.feed([start, stop] if together else [start])
    found = []
    for at in ("02T00", "02T12", "03T00", "03T06", "04T06"):
        if at == "02T12" and not together:
            rater.feed([stop])
        if restored:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
        rater.statement(f"2026-03-{at}:00:00Z")
        found.append(format_us(rater._base_us)[8:10])
    assert " ".join(found) == bases
