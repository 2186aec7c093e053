"""An observability service's month, rated as its backend and its finance team rate it.

Customers pay per GB ingested (graduated tiers per account across all their sources, a
free allowance per cycle), per host-hour of their agents and a committed monthly minimum;
list prices change on the 15th, one customer moves plan mid-cycle, and the billing feed
replays the last day after each deploy (a restore from a JSON snapshot). The streaming
rater's statements must add up to one batch ``rk.rate`` and its closing invoices must be
batch's ``rk.bill``, to the cent, and no line may print ``-0.00``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PRICE_CHANGE = "2026-03-15T00:00:00Z"
MOVE = "2026-03-12T06:00:00Z"
INGEST = rk.Meter("ingest", "GB", rk.Discrete())
HOSTS = rk.Meter("host.hours", "hour", rk.OnOff())
PEAK = rk.Meter("hosts.peak", "host", rk.Max())
METERS = [INGEST, HOSTS]
MINUS_ZERO = re.compile(r"(?<![0-9.])-0(\.0+)?(?![0-9.])")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _plan(
    plan_id: str, before: str, after: str, minimum: int | None = None, free: int = 10
) -> rk.Plan:
    """Ingest tiers (0, 100] then above, at ``before`` / 0.30 until the 15th and
    ``after`` / 0.40 from it; hosts 0.02 an hour, then 0.03."""
    return rk.Plan(
        plan_id,
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "ingest",
                "ingest",
                rk.Graduated([rk.Tier(100, before), rk.Tier(None, "0.30")]),
                end=PRICE_CHANGE,
            ),
            rk.PriceEntry(
                "ingest15",
                "ingest",
                rk.Graduated([rk.Tier(100, after), rk.Tier(None, "0.40")]),
                start=PRICE_CHANGE,
            ),
            rk.PriceEntry("hosts", "host.hours", rk.PerUnit("0.02"), end=PRICE_CHANGE),
            rk.PriceEntry("hosts15", "host.hours", rk.PerUnit("0.03"), start=PRICE_CHANGE),
        ],
        allowances=[rk.Allowance("ingest", free)],
        minimums=[rk.Minimum(minimum)] if minimum is not None else [],
    )


def _sums(lines: Any) -> dict[tuple[Any, ...], Fraction]:
    totals: dict[tuple[Any, ...], Fraction] = {}
    for line in lines:
        key = (line.account, line.cycle.start, line.kind, line.entry, line.resource)
        totals[key] = totals.get(key, Fraction(0)) + Fraction(line.amount)
    return {key: value for key, value in totals.items() if value}


def _stream(
    records: list[Any], plans: Any, meters: list[rk.Meter], watermarks: list[str]
) -> tuple[dict[tuple[Any, ...], Fraction], list[rk.Invoice], int]:
    """Feed each watermark's records, state, restore from JSON ("a deploy"), and feed the
    batch before again with the next one (the feed replays its last day)."""
    rater = rk.Rater(plans, meters, start=MARCH.start, horizon=dt.timedelta(days=1))
    lines: list[Any] = []
    invoices: list[rk.Invoice] = []
    replayed = 0
    before: list[Any] = []
    low = MARCH.start
    for watermark in watermarks:
        high = _at(watermark)
        todays = [
            r for r in records if low.timestamp() * 10**6 <= r.at_us < high.timestamp() * 10**6
        ]
        fed = rater.feed(before + todays)
        replayed += len(fed.duplicates)
        statement = rater.statement(watermark)
        lines += statement.lines
        invoices += statement.invoices
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
        before, low = todays, high
    return _sums(lines), invoices, replayed


def test_a_refund_after_the_price_change_takes_back_the_new_price_then_the_old() -> None:
    plan = _plan("growth", "0.50", "0.60")
    records = [
        rk.Sample("acme", "logs", "ingest", "2026-03-10T00:00:00Z", 60, id="i1"),
        rk.Sample("acme", "logs", "ingest", "2026-03-20T00:00:00Z", 80, id="i2"),
        rk.Sample("acme", "logs", "ingest", "2026-03-21T00:00:00Z", -100, id="refund"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=METERS)
    # 60 GB on the 10th: 10 free, 50 at 0.50 (positions 0..50) = 25.00;
    # 80 GB on the 20th at the new list: positions 50..100 at 0.60 = 30.00 and 100..130
    # at 0.40 = 12.00, 42.00; the refund of 100 takes back, last in first out, the 80 new
    # units (-42.00), then 20 old ones at 0.50 (positions 50..30: -10.00)
    assert [(c.entry, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("ingest", 60, 10, Decimal("25.00")),
        ("ingest15", 80, 0, Decimal("42.00")),
        ("ingest", -20, 0, Decimal("-10.00")),
        ("ingest15", -80, 0, Decimal("-42.00")),
    ]
    [invoice] = rk.bill(rating)
    # net 40 GB, 10 free, 30 at the price they were billed at: 30 x 0.50 = 15.00
    assert invoice.total == Decimal("15.00")
    assert [(line.entry, line.amount) for line in invoice.lines] == [
        ("ingest", Decimal("15.00")),
        ("ingest15", Decimal("0.00")),
    ]
    assert not MINUS_ZERO.search(str(invoice))
    watermarks = ["2026-03-10T01:00:00Z", "2026-03-20T01:00:00Z", "2026-03-21T01:00:00Z"]
    streamed, _, replayed = _stream(records, plan, METERS, [*watermarks, "2026-04-02T00:00:00Z"])
    whole = rk.rate(records, plan, span=rk.Span(MARCH.start, "2026-04-02T00:00:00Z"), meters=METERS)
    assert streamed == _sums(whole.charges)
    assert replayed == 3  # each record fed again with the batch after its own


def test_a_peak_on_a_tier_bound_for_five_minutes_stays_in_the_lower_tier() -> None:
    plan = rk.Plan(
        "peak",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "peak",
                "hosts.peak",
                rk.Graduated([rk.Tier(10, "5"), rk.Tier(None, "4")]),
                end=PRICE_CHANGE,
            ),
            rk.PriceEntry(
                "peak15",
                "hosts.peak",
                rk.Graduated([rk.Tier(10, "6"), rk.Tier(None, "5")]),
                start=PRICE_CHANGE,
            ),
        ],
        minimums=[rk.Minimum(60)],
    )
    readings = [
        rk.Sample("acme", "fleet", "hosts.peak", "2026-03-01T00:00:00Z", 8, kind="gauge", id="g0"),
        rk.Sample("acme", "fleet", "hosts.peak", "2026-03-20T10:00:00Z", 10, kind="gauge", id="g1"),
        rk.Sample("acme", "fleet", "hosts.peak", "2026-03-20T10:05:00Z", 8, kind="gauge", id="g2"),
    ]
    rating = rk.rate(readings, plan, span=MARCH, meters=[PEAK])
    # the month's peak is 10 hosts, on the bound: all in tiers[0]; priced whole under each
    # list for its share of March: 10 x 5 x 14/31 = 700/31 and 10 x 6 x 17/31 = 1020/31
    usage = [c for c in rating.charges if c.kind == "usage"]
    assert [c.entry for c in usage] == ["peak", "peak15"]
    assert abs(Fraction(usage[0].amount) - Fraction(700, 31)) < Fraction(1, 10**50)
    assert abs(Fraction(usage[1].amount) - Fraction(1020, 31)) < Fraction(1, 10**50)
    [invoice] = rk.bill(rating)
    text = str(invoice)
    assert "tiers[1]" not in text
    # lines 22.58 + 32.90 = 55.48; the minimum tops up 60.00 - 55.48 = 4.52
    assert [line.amount for line in invoice.lines] == [
        Decimal("22.58"),
        Decimal("32.90"),
        Decimal("4.52"),
    ]
    assert invoice.total == Decimal("60.00")
    # one millionth of a host above the bound reaches tiers[1]: 50 + 0.000001 x 4
    above = [
        *readings,
        rk.Sample(
            "acme",
            "fleet",
            "hosts.peak",
            "2026-03-20T10:01:00Z",
            "10.000001",
            kind="gauge",
            id="g3",
        ),
    ]
    flat = rk.Plan(
        "flat",
        "EUR",
        MONTHS,
        [rk.PriceEntry("peak", "hosts.peak", rk.Graduated([rk.Tier(10, "5"), rk.Tier(None, "4")]))],
    )
    assert rk.rate(readings, flat, span=MARCH, meters=[PEAK]).total() == 50
    assert rk.rate(above, flat, span=MARCH, meters=[PEAK]).total() == Decimal("50.000004")
    # streamed with statements at the peak's start and end, restored after each
    watermarks = [
        "2026-03-05T00:00:00Z",
        "2026-03-20T10:00:00Z",
        "2026-03-20T10:05:00Z",
        "2026-03-21T00:00:00Z",
        "2026-04-02T00:00:00Z",
    ]
    streamed, invoices, _ = _stream(readings, plan, [PEAK], watermarks)
    whole = rk.rate(
        readings, plan, span=rk.Span(MARCH.start, "2026-04-02T00:00:00Z"), meters=[PEAK]
    )
    assert streamed == _sums(whole.charges)
    assert [str(i) for i in invoices] == [text]


def test_a_month_of_daily_deploys_bills_what_the_month_end_batch_bills() -> None:
    starter = _plan("starter", "0.50", "0.60", minimum=20, free=5)
    growth = _plan("growth", "0.45", "0.55", minimum=100, free=50)
    assigned = [
        rk.Assignment("acme", growth),
        rk.Assignment("beta", starter, end=MOVE),
        rk.Assignment("beta", growth, start=MOVE),
    ]
    records: list[Any] = []
    for day in range(1, 32):
        for source, gb in (("logs", 7), ("metrics", 3)):
            records.append(
                rk.Sample(
                    "acme",
                    source,
                    "ingest",
                    f"2026-03-{day:02d}T12:00:00Z",
                    gb,
                    id=f"a{source}{day}",
                )
            )
            records.append(
                rk.Sample(
                    "beta",
                    source,
                    "ingest",
                    f"2026-03-{day:02d}T13:00:00Z",
                    gb - 1,
                    id=f"b{source}{day}",
                )
            )
    records += [
        rk.Sample("acme", "logs", "ingest", "2026-03-20T00:00:00Z", -150, id="a-refund"),
        rk.Sample("beta", "logs", "ingest", "2026-03-22T00:00:00Z", -40, id="b-refund"),
        rk.Event("acme", "h1", "2026-03-01T00:00:00Z", kind="start", id="h1a"),
        rk.Event("acme", "h1", "2026-03-20T07:30:00Z", kind="stop", id="h1b"),
        rk.Event("beta", "h2", "2026-03-10T00:00:00Z", kind="start", id="h2a"),
        rk.Event("beta", "h2", "2026-03-14T00:00:00Z", kind="stop", id="h2b"),
        rk.Event("beta", "h3", MOVE, kind="start", id="h3a"),
    ]
    end = "2026-04-02T00:00:00Z"
    watermarks = [f"2026-03-{day:02d}T00:00:00Z" for day in range(4, 32, 3)] + [
        "2026-04-01T00:00:00Z",
        end,
    ]
    streamed, invoices, replayed = _stream(records, assigned, METERS, watermarks)
    batch = rk.rate(records, assigned, span=rk.Span(MARCH.start, end), meters=METERS)
    assert streamed == _sums(batch.charges)
    assert replayed > 0
    march = [invoice for invoice in rk.bill(batch) if invoice.cycle == MARCH]
    assert [str(invoice) for invoice in invoices] == [str(invoice) for invoice in march]
    acme = march[0]
    # acme's h1 ran 1 March 00:00 to 20 March 07:30: 14 days (336 h) at 0.02 = 6.72 and
    # 5 days 7.5 h (127.5 h) at 0.03 = 3.825, rounded half-even 3.82
    assert [(line.entry, line.quantity, line.amount) for line in acme.lines[:2]] == [
        ("hosts", 336, Decimal("6.72")),
        ("hosts15", Decimal("127.5"), Decimal("3.82")),
    ]
    assert acme.total == Decimal("100.00")  # the growth plan's minimum
    for invoice in march:
        for by_resource in (False, True):
            [again] = rk.bill(
                [c for c in batch.charges if c.account == invoice.account and c.cycle == MARCH],
                by_resource=by_resource,
            )
            assert again.total == invoice.total
            assert not MINUS_ZERO.search(str(again))
            rows = rk.focus_rows([again], provider="Example Observability")
            assert sum(Decimal(row["BilledCost"]) for row in rows) == invoice.total


def test_a_detailed_invoice_of_a_plan_change_with_minimums() -> None:
    change = "2026-03-16T00:00:00Z"

    def committed(plan_id: str, price: str) -> rk.Plan:
        return rk.Plan(
            plan_id,
            "EUR",
            MONTHS,
            [rk.PriceEntry("ingest", "ingest", rk.PerUnit(price))],
            minimums=[rk.Minimum(31)],
        )

    first, second = rk.Span(MARCH.start, change), rk.Span(change, MARCH.end)

    def used(resource: str, span: rk.Span, gb: str) -> rk.UsageRow:
        return rk.UsageRow("acme", "ingest", resource, span, MARCH, gb, "GB", {}, ())

    rows = [
        used("logs", first, "10"),
        used("metrics", first, "3"),
        used("logs", second, "20"),
        used("traces", second, "0.05"),
    ]
    plans = [
        rk.Assignment("acme", committed("a", "0.50"), end=change),
        rk.Assignment("acme", committed("b", "0.30"), start=change),
    ]
    rating = rk.rate(rows, plans, span=MARCH)
    [summary] = rk.bill(rating)
    [detailed] = rk.bill(rating, by_resource=True)
    # a: 13 GB x 0.50 = 6.50; b: 20.05 GB x 0.30 = 6.015; the line 12.515 rounds
    # half-even to 12.52, a's part 6.50 and b's 6.02 (the cent left over is b's remainder)
    # a's commitment 31 x 15/31 = 15.00 tops up 8.50; b's 31 x 16/31 = 16.00 tops up
    # 16.00 - 6.02 = 9.98: 18.48, and the invoice is both commitments, 31.00
    assert [(line.kind, line.amount) for line in summary.lines] == [
        ("usage", Decimal("12.52")),
        ("minimum", Decimal("18.48")),
    ]
    # per resource, each plan's part allotted among its resources: a's logs 5.00 and
    # metrics 1.50; b's logs 6.00 and traces 0.015, floored 6.00 + 0.01 and the cent left
    # of b's 6.02 to traces (remainder 0.005): logs 11.00, metrics 1.50, traces 0.02
    assert [(line.resource, line.amount) for line in detailed.lines] == [
        ("logs", Decimal("11.00")),
        ("metrics", Decimal("1.50")),
        ("traces", Decimal("0.02")),
        (None, Decimal("18.48")),
    ]
    assert summary.total == detailed.total == Decimal("31.00")
    focus = rk.focus_rows([detailed], provider="Example Observability")
    by_plan: dict[str, Decimal] = {}
    by_resource: dict[str | None, Decimal] = {}
    for row in focus:
        by_plan[row["x_Plan"]] = by_plan.get(row["x_Plan"], Decimal(0)) + Decimal(row["BilledCost"])
        if row["ChargeCategory"] == "Usage":
            key = row["ResourceId"]
            by_resource[key] = by_resource.get(key, Decimal(0)) + Decimal(row["BilledCost"])
    assert by_plan == {"a": Decimal("15.00"), "b": Decimal("16.00")}
    assert by_resource == {
        "logs": Decimal("11.00"),
        "metrics": Decimal("1.50"),
        "traces": Decimal("0.02"),
    }


def _reseal(data: dict[str, Any]) -> dict[str, Any]:
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**data, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def test_a_snapshot_of_another_plan_or_edited_by_hand_is_refused() -> None:
    growth = _plan("growth", "0.50", "0.60")
    rater = rk.Rater(growth, METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(
        [
            rk.Sample("acme", "logs", "ingest", "2026-03-02T00:00:00Z", 50, id="i1"),
            rk.Event("acme", "h1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
        ]
    )
    rater.statement("2026-03-03T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))
    pro = _plan("pro", "0.50", "0.60")
    dearer = _plan("growth", "0.50", "0.70")
    for other, meters in ((pro, METERS), (dearer, METERS), (growth, [INGEST])):
        with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
            rk.Rater.restore(saved, other, meters)
    # a field edited without resealing: the checksum says so
    edited = json.loads(json.dumps(saved))
    edited["body"]["horizon_us"] = 0
    with pytest.raises(rk.BadSnapshotError, match="does not match its content"):
        rk.Rater.restore(edited, growth, METERS)
    # resealed, the body's doors refuse it, naming the field
    for field, value, words in (
        ("horizon_us", -1, "horizon_us -1"),
        ("late", "ignore", "late 'ignore'"),
    ):
        broken = json.loads(json.dumps(saved))
        broken["body"][field] = value
        with pytest.raises(rk.BadSnapshotError, match=re.escape(words)):
            rk.Rater.restore(_reseal(broken), growth, METERS)
    # the fingerprint of another plan, resealed: the lines reported under 'growth' are no
    # lines of 'pro', and restore says which
    try:
        rk.Rater.restore(saved, pro, METERS)
    except rk.BadSnapshotError as refused:
        fingerprint = str(refused).split("these give '")[1].split("'")[0]
    forged = {**saved, "fingerprint": fingerprint}
    with pytest.raises(rk.BadSnapshotError, match="which is not a plan of its account"):
        rk.Rater.restore(_reseal(forged), pro, METERS)
    # the unaltered copy restores and goes on: 1 day more of h1 at 0.02 = 0.48, and the
    # allowance prorated one day further frees 10/31 GB more: -10/31 x 0.50
    restored = rk.Rater.restore(saved, growth, METERS)
    lines = restored.statement("2026-03-04T00:00:00Z").lines
    assert (lines[0].entry, lines[0].amount) == ("hosts", Decimal("0.48"))
    assert abs(Fraction(lines[1].amount) + Fraction(5, 31)) < Fraction(1, 10**50)


@pytest.mark.parametrize(
    "rounding", ["ROUND_HALF_EVEN", "ROUND_FLOOR", "ROUND_CEILING", "ROUND_DOWN"]
)
def test_zero_and_negative_usage_lines_print_no_minus_zero(rounding: str) -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("ingest", "ingest", rk.PerUnit("0.50")),
            rk.PriceEntry("hosts", "host.hours", rk.PerUnit("0.02")),
        ],
        rounding=rounding,
    )
    records = [
        # -0.001 GB x 0.50 = -0.0005: 0.00 on the cent, except rounded away from zero
        rk.Sample("acme", "logs", "ingest", "2026-03-02T00:00:00Z", "-0.001", id="s1"),
        rk.Sample("acme", "metrics", "ingest", "2026-03-03T00:00:00Z", "-0", id="s2"),
        rk.Sample("acme", "traces", "ingest", "2026-03-04T00:00:00Z", "0.00", id="s3"),
        # a host started and stopped at one instant: 0 hours
        rk.Event("acme", "h1", "2026-03-05T00:00:00Z", kind="start", id="e1"),
        rk.Event("acme", "h1", "2026-03-05T00:00:00Z", kind="stop", id="e2"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=METERS)
    expected = Decimal("-0.01") if rounding == "ROUND_FLOOR" else Decimal("0.00")
    for by_resource in (False, True):
        [invoice] = rk.bill(rating, by_resource=by_resource)
        assert invoice.total == expected
        assert not MINUS_ZERO.search(str(invoice))
        assert not MINUS_ZERO.search(invoice._repr_html_())
        assert not MINUS_ZERO.search(json.dumps(rk.to_row(invoice)))
        for line in invoice.lines:
            assert not (line.amount == 0 and line.amount.is_signed())
        for row in rk.focus_rows([invoice], provider="Example Observability"):
            assert not MINUS_ZERO.search(json.dumps(row))
    for row in rk.focus_rows(rating, provider="Example Observability"):
        assert not MINUS_ZERO.search(row["BilledCost"])
    rater = rk.Rater(plan, METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(records)
    for watermark in ("2026-03-03T00:00:00Z", "2026-03-10T00:00:00Z", "2026-04-02T00:00:00Z"):
        statement = rater.statement(watermark)
        for line in statement.lines:
            assert not (line.amount == 0 and line.amount.is_signed())
        for invoice in statement.invoices:
            assert not MINUS_ZERO.search(str(invoice))
