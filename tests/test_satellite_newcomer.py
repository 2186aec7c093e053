"""Satellite connectivity billed per vessel account, as a newcomer models it from the docs.

A vessel account has terminals (resources). Each terminal reports data in MB as deltas
over 15-minute windows (`Sample(..., since=...)`), sometimes days late and sometimes
twice (retransmission). Its beam region is a description attribute (`region`) that
changes as the vessel moves, and prices differ per region. The plan has a monthly data
allowance shared by all the account's terminals, overage tiered by the account's total,
a per-day terminal fee (an `OnOff` meter in days) and a plan fee; the cycle anchors on
the 15th (`monthly(day=15)`), statements are in UTC, and outages are credited.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

UTC = dt.UTC
CYCLE = rk.cycles.monthly(tz="UTC", day=15)
DATA = rk.Meter("data", "MB", rk.Discrete())
TERMINAL = rk.Meter("terminal", "day", rk.OnOff())
METERS = [DATA, TERMINAL]
MARCH = rk.Span("2026-03-15T00:00:00Z", "2026-04-15T00:00:00Z")
T0 = dt.datetime(2026, 3, 15, tzinfo=UTC)
NAIVE = dt.datetime(2026, 3, 20)  # noqa: DTZ001 (an instant without offset, on purpose)


def per_region_plan() -> rk.Plan:
    """Overage per region (linear), 1,000 MB shared, 1.50 a terminal-day, 100 a cycle."""
    return rk.Plan(
        "basic",
        "USD",
        CYCLE,
        [
            rk.PriceEntry("data-atl", "data", rk.PerUnit("0.02"), where={"region": "atlantic"}),
            rk.PriceEntry("data-pac", "data", rk.PerUnit("0.03"), where={"region": "pacific"}),
            rk.PriceEntry("term", "terminal", rk.PerUnit("1.50")),
        ],
        fees=[rk.Fee("plan", 100)],
        allowances=[rk.Allowance("data", 1000)],
    )


def tiered_plan(name: str, free: int, atlantic: str, pacific: str, fee: int) -> rk.Plan:
    """Overage tiered by the account's total: 500 MB at the region's price, then cheaper."""
    return rk.Plan(
        name,
        "USD",
        CYCLE,
        [
            rk.PriceEntry(
                "atl",
                "data",
                rk.Graduated([rk.Tier(500, atlantic), rk.Tier(None, "0.01")]),
                where={"region": "atlantic"},
            ),
            rk.PriceEntry(
                "pac",
                "data",
                rk.Graduated([rk.Tier(500, pacific), rk.Tier(None, "0.02")]),
                where={"region": "pacific"},
            ),
            rk.PriceEntry("term", "terminal", rk.PerUnit("1.50")),
        ],
        fees=[rk.Fee("plan", fee)],
        allowances=[rk.Allowance("data", free)],
    )


def window(account: str, terminal: str, end: str, mb: object, rid: str) -> rk.Sample:
    """A 15-minute delta ending at `end`."""
    stop = dt.datetime.fromisoformat(end)
    return rk.Sample(
        account, terminal, "data", stop, mb, since=stop - dt.timedelta(minutes=15), id=rid
    )


def voyage() -> list[rk.Event | rk.Sample]:
    """t1 all cycle (Atlantic, then Pacific from 1 April), t2 added on 25 March."""
    return [
        rk.Event(
            "ship1", "t1", "2026-03-15T00:00:00Z", {"region": "atlantic"}, kind="start", id="e1"
        ),
        rk.Event(
            "ship1", "t2", "2026-03-25T00:00:00Z", {"region": "atlantic"}, kind="start", id="e2"
        ),
        rk.Event(
            "ship1", "t1", "2026-04-01T00:00:00Z", {"region": "pacific"}, kind="update", id="e3"
        ),
        window("ship1", "t1", "2026-03-20T00:15:00Z", 600, "s1"),
        window("ship1", "t2", "2026-03-26T00:15:00Z", 700, "s2"),
        window("ship1", "t1", "2026-04-02T00:15:00Z", 300, "s3"),
    ]


def test_a_vessel_month_by_hand() -> None:
    """Shared allowance in time order, a price per region, terminal-days, the plan fee."""
    rating = rk.rate(voyage(), per_region_plan(), span=MARCH, meters=METERS)
    [invoice] = rk.bill(rating)
    # data: 600 (free) + 700 (400 free, 300 x 0.02 = 6.00) atlantic; 300 x 0.03 = 9.00 pacific
    # terminals: t1 31 days + t2 21 days = 52 x 1.50 = 78.00; fee 100.00
    # 6.00 + 9.00 + 78.00 + 100.00 = 193.00
    assert [line.amount for line in invoice.lines] == [
        Decimal("6.00"),
        Decimal("9.00"),
        Decimal("78.00"),
        Decimal("100.00"),
    ]
    assert invoice.total == Decimal("193.00")


def test_a_terminal_added_mid_cycle_pays_its_days_to_the_microsecond() -> None:
    """A terminal switched on at noon on 25 March pays 20.5 days of 1.50."""
    records = [
        rk.Event(
            "ship1", "t2", "2026-03-25T12:00:00Z", {"region": "atlantic"}, kind="start", id="e"
        )
    ]
    rating = rk.rate(records, per_region_plan(), span=MARCH, meters=METERS)
    usage = [charge for charge in rating.charges if charge.kind == "usage"]
    # 25 March 12:00 .. 15 April 00:00 = 20.5 days; 20.5 x 1.50 = 30.75
    assert [(charge.quantity, charge.amount) for charge in usage] == [
        (Decimal("20.5"), Decimal("30.75"))
    ]


def test_overage_tiers_climb_on_the_account_total_across_regions() -> None:
    """Two regions' entries share one running total: the Pacific MB start where the Atlantic left."""
    plan = tiered_plan("t", 0, "0.05", "0.06", 0)
    records = [
        rk.Event(
            "ship1", "t1", "2026-03-15T00:00:00Z", {"region": "atlantic"}, kind="start", id="a"
        ),
        rk.Event(
            "ship1", "t1", "2026-03-20T00:00:00Z", {"region": "pacific"}, kind="update", id="b"
        ),
        window("ship1", "t1", "2026-03-16T00:15:00Z", 400, "p"),
        window("ship1", "t1", "2026-03-21T00:15:00Z", 400, "q"),
    ]
    data = [
        c for c in rk.rate(records, plan, span=MARCH, meters=[DATA]).charges if c.kind == "usage"
    ]
    # atlantic 400 x 0.05 = 20.00; pacific from 400: 100 x 0.06 + 300 x 0.02 = 6.00 + 6.00 = 12.00
    assert [charge.amount for charge in data] == [Decimal("20.00"), Decimal("12.00")]


def test_shared_allowance_then_tiers_on_the_account_total() -> None:
    """1,000 MB free across terminals, then 500 MB at 0.05 and the rest at 0.01."""
    plan = tiered_plan("t", 1000, "0.05", "0.05", 0)
    records = [
        rk.Event("ship1", t, "2026-03-15T00:00:00Z", {"region": "atlantic"}, kind="start", id=t)
        for t in ("t1", "t2")
    ] + [
        window("ship1", "t1", "2026-03-16T00:15:00Z", 800, "x1"),
        window("ship1", "t2", "2026-03-17T00:15:00Z", 400, "x2"),
        window("ship1", "t1", "2026-03-18T00:15:00Z", 600, "x3"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[DATA])
    # 1,800 MB - 1,000 free = 800: 500 x 0.05 + 300 x 0.01 = 25.00 + 3.00 = 28.00
    assert rating.total() == Decimal("28.00")


def test_a_retransmitted_window_is_a_duplicate_and_a_changed_one_a_conflict() -> None:
    """The same id and content again changes nothing; the same id with another value is kept out."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    first = window("ship1", "t1", "2026-03-20T00:15:00Z", 600, "s1")
    assert rater.feed([voyage()[0], first]).accepted == ("e1", "s1")
    assert rater.feed([first]).duplicates == ("s1",)
    assert rater.feed([window("ship1", "t1", "2026-03-20T00:15:00Z", 601, "s1")]).conflicting == (
        "s1",
    )
    with pytest.raises(rk.ConflictingRecordError, match="'s1'"):
        rk.rate(
            [first, window("ship1", "t1", "2026-03-20T00:15:00Z", 601, "s1")],
            per_region_plan(),
            span=MARCH,
            meters=METERS,
        )


def test_a_window_reported_days_later_corrects_a_closed_cycle() -> None:
    """A window of 10 April fed after the cycle closed: reversal and correction of its line."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    closing = rater.statement("2026-04-15T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("193.00")]
    fed = rater.feed([window("ship1", "t1", "2026-04-10T00:15:00Z", 100, "late1")])
    assert fed.late == ("late1",)
    lines = rater.statement("2026-04-16T00:00:00Z").lines
    march = [(line.role, line.amount) for line in lines if line.cycle == MARCH]
    # pacific 300 x 0.03 = 9.00 reversed, 400 x 0.03 = 12.00 in its place
    assert march == [("reversal", Decimal("-9.00")), ("correction", Decimal("12.00"))]


def test_an_outage_credit_on_the_closing_invoice_is_the_batch_invoice() -> None:
    """apply_credits on the rater's closing invoice gives the invoice bill() gives."""
    outage = [rk.Credit("outage", "ship1", "12.34", "USD", start="2026-03-20T00:00:00Z")]
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    streamed = rk.apply_credits(rater.statement("2026-04-15T00:00:00Z").invoices, outage)
    batch = rk.bill(rk.rate(voyage(), per_region_plan(), span=MARCH, meters=METERS), credits=outage)
    # 193.00 - 12.34 = 180.66
    assert [invoice.total for invoice in streamed] == [Decimal("180.66")]
    assert [str(invoice) for invoice in streamed] == [str(invoice) for invoice in batch]
    html = streamed[0]._repr_html_()
    assert "outage" in html
    assert "180.66" in html


def test_the_cycle_on_the_15th_reads_in_local_dates_on_the_invoice() -> None:
    """A New York cycle from the 15th starts at 04:00Z after DST began (05:00Z before)."""
    cycle = rk.cycles.monthly(tz="America/New_York", day=15)
    spans = cycle.spans(rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"))
    assert [str(span.start) for span in spans][:3] == [
        "2026-02-15 05:00:00+00:00",
        "2026-03-15 04:00:00+00:00",
        "2026-04-15 04:00:00+00:00",
    ]
    plan = rk.Plan("ny", "USD", cycle, [rk.PriceEntry("term", "terminal", rk.PerUnit("1.50"))])
    march = cycle.containing("2026-03-20T00:00:00Z")
    started = [rk.Event("ship1", "t1", march.start, {}, kind="start", id="e")]
    [invoice] = rk.bill(
        rk.rate(started, plan, span=march, meters=[TERMINAL]), tz="America/New_York"
    )
    # 15 March 04:00Z .. 15 April 04:00Z: 31 days x 1.50 = 46.50
    assert (
        str(invoice).splitlines()[0]
        == "Invoice ship1, 2026-03-15 .. 2026-04-15 (America/New_York), USD"
    )
    assert invoice.total == Decimal("46.50")


def test_snapshot_restore_pickle_and_copy_agree() -> None:
    """A rater restored from JSON, unpickled or copied states what the original states."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    data = json.loads(json.dumps(rater.snapshot()))
    twins = [
        rk.Rater.restore(data, per_region_plan(), METERS),
        pickle.loads(pickle.dumps(rater)),
        copy.deepcopy(rater),
    ]
    totals = {twin.statement("2026-04-15T00:00:00Z").total() for twin in [*twins, rater]}
    assert totals == {Decimal("193.00")}


def test_a_snapshot_altered_or_restored_under_other_plans_is_refused() -> None:
    """The checksum and the plans' fingerprint are checked, with a snapshot error."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    data = json.loads(json.dumps(rater.snapshot()))
    altered = {**data, "checksum": "0" * 64}
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(altered, per_region_plan(), METERS)
    dearer = rk.Plan("basic", "USD", CYCLE, per_region_plan().entries, fees=[rk.Fee("plan", 101)])
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(data, dearer, METERS)


HOSTILE = [
    (
        lambda: window("a", "t1", "2026-03-20T00:15:00Z", float("nan"), "x"),
        rk.BadQuantityError,
        "'x' value",
    ),
    (
        lambda: window("a", "t1", "2026-03-20T00:15:00Z", "Infinity", "x"),
        rk.BadQuantityError,
        "finite",
    ),
    (
        lambda: window("a", "t1", "2026-03-20T00:15:00Z", Decimal("1e30"), "x"),
        rk.BadQuantityError,
        "excluding 1E\\+30",
    ),
    (
        lambda: window("a", "t1", "2026-03-20T00:15:00Z", Decimal("1e-31"), "x"),
        rk.BadQuantityError,
        "1E-30",
    ),
    (lambda: window("a", "t1", "2026-03-20T00:15:00Z", True, "x"), rk.RatekitTypeError, "bool"),
    (
        lambda: window("a", "t1", "2026-03-20T00:15:00Z", "", "x"),
        rk.BadQuantityError,
        "decimal number",
    ),
    (lambda: window("", "t1", "2026-03-20T00:15:00Z", 1, "x"), rk.RatekitTypeError, "account"),
    (lambda: window("a", "t1", "2026-03-20T00:15:00Z", 1, ""), rk.RatekitTypeError, "id"),
    (lambda: rk.Sample("a", "t1", "data", NAIVE, 1), rk.BadTimeError, "naive"),
    (
        lambda: rk.Sample(
            "a", "t1", "data", "2026-03-20T00:15:00Z", 1, since="2026-03-21T00:00:00Z"
        ),
        rk.BadRecordError,
        "since",
    ),
    (
        lambda: rk.Event("a", "t1", "2026-03-15T00:00:00Z", {"region": float("nan")}, id="z"),
        rk.BadQuantityError,
        "'region'",
    ),
    (lambda: rk.cycles.monthly(tz="UTC", day=True), rk.BadCalendarError, "from 1 to 31"),
    (
        lambda: rk.Credit("c", "ship1", -5, "USD", start="2026-03-15T00:00:00Z"),
        rk.BadQuantityError,
        "greater than 0",
    ),
]


def test_hostile_records_are_refused_naming_the_field() -> None:
    """Every hostile value raises a ratekit error that names what was wrong."""
    for make, error, words in HOSTILE:
        with pytest.raises(error, match=words):
            make()


def test_a_rater_refuses_hostile_feeds_and_watermarks_without_changing() -> None:
    """Unknown meters, non-records, naive or backward watermarks: ratekit errors, nothing taken."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    with pytest.raises(rk.UnknownMeterError, match="'bogus'"):
        rater.feed([rk.Sample("ship1", "t1", "bogus", "2026-03-20T00:15:00Z", 1, id="q")])
    with pytest.raises(rk.RatekitTypeError, match="dict"):
        rater.feed([{"mb": 1}])  # type: ignore[list-item]
    with pytest.raises(rk.BadTimeError, match="naive"):
        rater.statement(NAIVE)
    rater.statement("2026-03-21T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="only move forward"):
        rater.statement("2026-03-20T00:00:00Z")
    assert rater.feed(voyage()).accepted == ("e1", "e2", "e3", "s1", "s2", "s3")


BASIC = tiered_plan("basic", 300, "0.04", "0.05", 60)
PRO = tiered_plan("pro", 800, "0.03", "0.04", 100)


@st.composite
def voyages(draw: st.DrawFn) -> list[rk.Event | rk.Sample]:
    """Two terminals of one vessel: a start, maybe a move to another beam, a few windows."""
    records: list[rk.Event | rk.Sample] = []
    for terminal in ("t1", "t2"):
        hour = draw(st.integers(0, 400))
        region = draw(st.sampled_from(["atlantic", "pacific"]))
        start = T0 + dt.timedelta(hours=hour)
        records.append(
            rk.Event("ship1", terminal, start, {"region": region}, kind="start", id=f"{terminal}s")
        )
        if draw(st.booleans()):
            moved = start + dt.timedelta(hours=draw(st.integers(1, 300)))
            other = {"atlantic": "pacific", "pacific": "atlantic"}[region]
            records.append(
                rk.Event(
                    "ship1", terminal, moved, {"region": other}, kind="update", id=f"{terminal}u"
                )
            )
        for k in range(1 if terminal == "t2" else draw(st.integers(1, 2))):
            end = start + dt.timedelta(hours=draw(st.integers(0, 500)), minutes=15)
            mb = draw(st.sampled_from([0, 120, 333, Decimal("12.5"), 400, -50]))
            since = end - dt.timedelta(minutes=15)
            records.append(
                rk.Sample(
                    "ship1", terminal, "data", since=since, at=end, value=mb, id=f"{terminal}x{k}"
                )
            )
    return records


def streamed(
    records: list[rk.Event | rk.Sample], order: random.Random, upgrade: int | None, restore: bool
) -> tuple[Fraction, Fraction]:
    """The statements' sum and batch's total over the cycle (shuffled, two batches, replays)."""
    shuffled = list(records)
    order.shuffle(shuffled)
    half = len(shuffled) // 2
    assigned: tuple[rk.Assignment, ...] = (rk.Assignment("ship1", BASIC),)
    rater = rk.Rater(assigned, METERS, start=T0)
    rater.feed(shuffled[:half])
    summed = Fraction(rater.statement(T0 + dt.timedelta(hours=50)).total())
    if upgrade is not None:
        assigned = rater.assign(rk.Assignment("ship1", PRO, start=T0 + dt.timedelta(hours=upgrade)))
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    rater.feed([*shuffled[half:], *shuffled[:2]])
    end = T0 + dt.timedelta(days=31)
    summed += Fraction(rater.statement(end).total())
    batch = rk.rate(records, list(assigned), span=rk.Span(T0, end), meters=METERS, as_of=end)
    return summed, Fraction(batch.total())


@pytest.mark.property
@settings(max_examples=LAWS)
@given(records=voyages(), order=st.randoms(use_true_random=False))
def test_streamed_shuffled_replayed_and_restored_adds_up_to_batch(
    records: list[rk.Event | rk.Sample], order: random.Random
) -> None:
    """Late, duplicated, out-of-order windows and beam moves, restored from JSON: batch's total."""
    summed, batch = streamed(records, order, None, restore=True)
    assert summed == batch


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    records=voyages(), order=st.randoms(use_true_random=False), upgrade=st.sampled_from([100, 300])
)
def test_streamed_with_an_upgrade_mid_cycle_adds_up_to_batch(
    records: list[rk.Event | rk.Sample], order: random.Random, upgrade: int
) -> None:
    """An upgrade to a plan with more free MB and cheaper tiers, told mid-stream: batch's total."""
    summed, batch = streamed(records, order, upgrade, restore=False)
    assert summed == batch


@pytest.mark.property
@settings(max_examples=LAWS)
@given(records=voyages())
def test_renaming_the_vessel_and_terminals_changes_no_invoice(
    records: list[rk.Event | rk.Sample],
) -> None:
    """Swapping the terminals' names and renaming the account leaves every invoice total."""
    names = {"t1": "t2", "t2": "t1"}

    def renamed(record: rk.Event | rk.Sample) -> rk.Event | rk.Sample:
        if isinstance(record, rk.Event):
            return rk.Event(
                "Zeta",
                names[record.resource],
                record.at,
                dict(record.attributes),
                kind=record.kind,
                id=record.id,
            )
        return rk.Sample(
            "Zeta",
            names[record.resource],
            "data",
            record.at,
            record.value,
            since=record.since,
            id=record.id,
        )

    span = rk.Span(T0, T0 + dt.timedelta(days=61))
    before = rk.bill(rk.rate(records, BASIC, span=span, meters=METERS))
    after = rk.bill(
        rk.rate([renamed(record) for record in records], BASIC, span=span, meters=METERS)
    )
    assert [invoice.total for invoice in before] == [invoice.total for invoice in after]


def test_float_megabytes_are_read_through_their_shortest_repr() -> None:
    """0.1 MB and 0.2 MB as floats are 0.3 MB exactly, not 0.30000000000000004."""
    records = [
        voyage()[0],
        window("ship1", "t1", "2026-03-20T00:15:00Z", 0.1, "f1"),
        window("ship1", "t1", "2026-03-20T00:30:00Z", 0.2, "f2"),
    ]
    usage = rk.meter(records, [DATA], span=MARCH, cycle=CYCLE, as_of=MARCH.end)
    assert usage.total() == Decimal("0.3")


def test_a_late_window_corrects_in_the_statement_not_in_the_next_closing_invoice() -> None:
    """The March pair comes as late lines; April's closing invoice bills April alone."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    rater.statement("2026-04-15T00:00:00Z")
    rater.feed([window("ship1", "t1", "2026-04-10T00:15:00Z", 100, "late1")])
    statement = rater.statement("2026-05-15T00:00:00Z")
    late = [(line.role, line.amount) for line in statement.lines if line.late]
    # the host puts -9.00 + 12.00 = +3.00 on the next open invoice itself
    assert late == [("reversal", Decimal("-9.00")), ("correction", Decimal("12.00"))]
    # April: t1 and t2 30 days each, 60 x 1.50 = 90.00, + 100.00
    assert [invoice.total for invoice in statement.invoices] == [Decimal("190.00")]


def test_a_window_from_before_the_terminal_was_described_batch_refuses_stream_reports() -> None:
    """Batch refuses usage nothing describes; the stream takes it, says so, and bills the rest."""
    records = [
        rk.Event(
            "ship1", "t1", "2026-03-16T00:00:00Z", {"region": "atlantic"}, kind="start", id="e1"
        ),
        window("ship1", "t1", "2026-03-15T12:15:00Z", 100, "w0"),
    ]
    with pytest.raises(rk.UnpricedUsageError, match="described by"):
        rk.rate(records, per_region_plan(), span=MARCH, meters=METERS)
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(records)
    statement = rater.statement(MARCH.end)
    assert [anomaly.kind for anomaly in statement.anomalies] == ["unpriced"]
    # t1 from 16 March: 30 days x 1.50 = 45.00, + 100.00
    assert statement.total() == Decimal("145.00")


STREAMING_PAGE = Path(__file__).resolve().parents[1] / "docs" / "streaming.md"


def test_the_snapshot_page_lists_the_version_snapshots_are_written_in() -> None:
    """The list of versions restore takes includes the one snapshot() writes."""
    rater = rk.Rater(per_region_plan(), METERS, start=MARCH.start)
    rater.feed(voyage())
    data = json.loads(json.dumps(rater.snapshot()))
    rk.Rater.restore(data, per_region_plan(), METERS)
    page = STREAMING_PAGE.read_text(encoding="utf-8")
    listed = page.split("a version other than the ints", 1)[1].split("(not", 1)[0]
    assert f"`{data['version']}`" in listed


def test_a_replay_written_otherwise_exports_the_same_rows_in_any_order() -> None:
    """A retransmitted start whose beam number is written 1.0 is the same record (a duplicate)."""
    first = rk.Event("ship1", "t1", "2026-03-15T00:00:00Z", {"beam": 1}, kind="start", id="e")
    again = rk.Event(
        "ship1", "t1", "2026-03-15T00:00:00Z", {"beam": Decimal("1.0")}, kind="start", id="e"
    )
    assert first == again

    def exported(records: list[rk.Event]) -> list[dict[str, object]]:
        usage = rk.meter(records, [TERMINAL], span=MARCH, cycle=CYCLE, as_of=MARCH.end)
        return [rk.to_row(row) for row in usage.rows]

    assert exported([first, again]) == exported([again, first])
