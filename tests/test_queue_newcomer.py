"""A hosted message queue's month, rated by a newcomer from the README and the docs.

The pricing page: requests are billed per started 64 KB chunk of a message's payload
(a 65 KB message is 2 requests), the first 1,000,000 requests a month are free, standard
queues cost 0.40 USD and FIFO queues 0.50 USD per million requests until the 15th and
0.35 and 0.45 from then on, data transfer out costs 0.09 USD a GB up to 10 TB
(10,240 GB), 0.085 up to 50 TB (51,200 GB) and 0.07 above, and each account commits to
100 USD a month (the overage is billed as used). A ``business`` plan (0.30 and 0.40 per
million, 2,000,000 free, 500 USD committed, a 50 USD support fee) is taken mid-cycle.

Brokers report each message as a sample of its payload in bytes on the ``requests``
meter, whose cost policy counts its started 64 KB chunks; a queue is created by a
``start`` event carrying its type. A burst of ``n`` full chunks is written as one sample
of ``n`` times 64 KB. Money is checked against hand arithmetic, sums as Fractions.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

KB64 = 65_536
MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
START = "2026-03-01T00:00:00Z"
CHANGE_15TH = "2026-03-15T00:00:00Z"


class Chunks:
    """Requests of a message: its started 64 KB chunks (a correction takes them back)."""

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: Sequence[rk.Sample], previous: object, report: object
    ) -> list[tuple[int, int, int, tuple[str, ...]]]:
        out = []
        for sample in readings:
            size = int(sample.value)
            chunks = -(-abs(size) // KB64)
            out.append(
                (sample.at_us, sample.at_us, chunks if size >= 0 else -chunks, (str(sample.id),))
            )
        return out


REQUESTS = rk.Meter("requests", "request", Chunks())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [REQUESTS, EGRESS]
TRANSFER = rk.Graduated([rk.Tier(10240, "0.09"), rk.Tier(51200, "0.085"), rk.Tier(None, "0.07")])


def entries(std: str, fifo: str, std15: str, fifo15: str) -> list[rk.PriceEntry]:
    return [
        rk.PriceEntry("standard", "requests", rk.PerUnit(std), where={"type": "standard"}),
        rk.PriceEntry("fifo", "requests", rk.PerUnit(fifo), where={"type": "fifo"}),
        rk.PriceEntry(
            "standard-15th",
            "requests",
            rk.PerUnit(std15),
            where={"type": "standard"},
            start=CHANGE_15TH,
            priority=1,
        ),
        rk.PriceEntry(
            "fifo-15th",
            "requests",
            rk.PerUnit(fifo15),
            where={"type": "fifo"},
            start=CHANGE_15TH,
            priority=1,
        ),
        rk.PriceEntry("egress", "egress", TRANSFER),
    ]


QUEUE = rk.Plan(
    "queue",
    "USD",
    MONTHS,
    entries("0.00000040", "0.00000050", "0.00000035", "0.00000045"),
    allowances=[rk.Allowance("requests", 1_000_000)],
    minimums=[rk.Minimum(100)],
)
BUSINESS = rk.Plan(
    "business",
    "USD",
    MONTHS,
    entries("0.00000030", "0.00000040", "0.00000030", "0.00000040"),
    allowances=[rk.Allowance("requests", 2_000_000)],
    minimums=[rk.Minimum(500)],
    fees=[rk.Fee("support", 50)],
)


def created(account: str, queue: str, kind: str, at: str = START) -> rk.Event:
    return rk.Event(
        account, queue, at, {"type": kind}, kind="start", id=f"{account}/{queue}/create"
    )


def message(account: str, queue: str, at: str, size: int | str, record_id: str) -> rk.Sample:
    return rk.Sample(account, queue, "requests", at, size, id=record_id)


def chunks(account: str, queue: str, at: str, n: int, record_id: str) -> rk.Sample:
    return message(account, queue, at, n * KB64, record_id)


def sent(account: str, queue: str, at: str, gb: int | str, record_id: str) -> rk.Sample:
    return rk.Sample(account, queue, "egress", at, gb, id=record_id)


def day(d: int, hour: int = 0) -> str:
    return f"2026-03-{d:02d}T{hour:02d}:00:00Z"


def stream_total(lines: Iterable[rk.StatementLine], cycle: rk.Span = MARCH) -> Fraction:
    return sum((Fraction(line.amount) for line in lines if line.cycle == cycle), Fraction(0))


def batch_total(rating: rk.Rating) -> Fraction:
    return sum((Fraction(charge.amount) for charge in rating.charges), Fraction(0))


# --- The month, worked by hand ------------------------------------------------------


def test_a_65_kb_message_is_two_requests_a_64_kb_one_is_one() -> None:
    """Quanta rounding per message: 66,560 B start 2 chunks, 65,536 B one, 1 B one."""
    records = [
        created("acme", "orders", "standard"),
        message("acme", "orders", day(2), 66_560, "m1"),  # 65 KB: ceil(66560 / 65536) = 2
        message("acme", "orders", day(2), 65_536, "m2"),  # 64 KB: 1
        message("acme", "orders", day(3), 1, "m3"),  # 1 B: 1
    ]
    rating = rk.rate(records, QUEUE, span=MARCH, meters=METERS)
    # The requests are priced apart (standard, FIFO) under the free million: a row per
    # instant (pricing.md, the order they are taken in), 2 + 1 on the 2nd, 1 on the 3rd.
    usage = [c for c in rating.charges if c.kind == "usage"]
    assert [(c.span.start.day, c.quantity, c.free, c.amount) for c in usage] == [
        (2, Decimal(3), Decimal(3), Decimal(0)),
        (3, Decimal(1), Decimal(1), Decimal(0)),
    ]
    # Nothing billed but requests inside the free million: the commitment is billed whole.
    assert rk.bill(rating)[0].total == Decimal("100.00")


def test_the_month_free_million_price_change_tiers_and_overage() -> None:
    """1.2 M standard on the 2nd, 2 M FIFO and 60,000 GB out on the 20th, 1 M standard on the 25th."""
    records = [
        created("acme", "orders", "standard"),
        created("acme", "events", "fifo"),
        chunks("acme", "orders", day(2), 1_200_000, "b1"),
        chunks("acme", "events", day(20), 2_000_000, "b2"),
        sent("acme", "events", day(20), 60_000, "g1"),
        chunks("acme", "orders", day(25), 1_000_000, "b3"),
    ]
    invoice = rk.bill(rk.rate(records, QUEUE, span=MARCH, meters=METERS))[0]
    lines = {line.entry: line.amount for line in invoice.lines}
    # 1.2 M - 1 M free = 200,000 x 0.00000040 = 0.08
    assert lines["standard"] == Decimal("0.08")
    # from the 15th: 2 M x 0.00000045 = 0.90 and 1 M x 0.00000035 = 0.35
    assert lines["fifo-15th"] == Decimal("0.90")
    assert lines["standard-15th"] == Decimal("0.35")
    # 10,240 x 0.09 = 921.60; 40,960 x 0.085 = 3,481.60; 8,800 x 0.07 = 616.00
    assert lines["egress"] == Decimal("5019.20")
    # 5,020.53 is over the 100 committed: no top-up line.
    assert "minimum" not in lines
    assert invoice.total == Decimal("5020.53")


def test_a_tier_bound_belongs_to_the_lower_tier() -> None:
    """10,240 GB are all at 0.09; 10,240.5 GB put the half GB at 0.085."""
    assert TRANSFER.amount(10240) == Decimal("921.60")  # 10240 x 0.09
    assert TRANSFER.amount("10240.5") == Decimal("921.6425")  # + 0.5 x 0.085


def test_a_quiet_month_tops_up_to_the_commitment() -> None:
    """100 GB out (9.00) and 1.2 M requests (0.08): the top-up is 100 - 9.08 = 90.92."""
    records = [
        created("acme", "orders", "standard"),
        chunks("acme", "orders", day(2), 1_200_000, "b1"),
        sent("acme", "orders", day(3), 100, "g1"),
    ]
    invoice = rk.bill(rk.rate(records, QUEUE, span=MARCH, meters=METERS))[0]
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("9.00")),
        ("usage", Decimal("0.08")),
        ("minimum", Decimal("90.92")),
    ]
    assert invoice.total == Decimal("100.00")


def test_the_top_up_counts_the_lines_as_rounded() -> None:
    """1,111 GB (99.99) and 2,375 requests over the free million (0.00095): top-up 0.01."""
    records = [
        created("acme", "orders", "standard"),
        sent("acme", "orders", day(2), 1111, "g1"),  # 1111 x 0.09 = 99.99
        chunks("acme", "orders", day(3), 1_002_375, "b1"),  # 2375 x 0.0000004 = 0.00095
    ]
    invoice = rk.bill(rk.rate(records, QUEUE, span=MARCH, meters=METERS))[0]
    # exact spend 99.99095; lines 99.99 + 0.00; billed 100.00 - 99.99 = 0.01
    assert [line.amount for line in invoice.lines] == [
        Decimal("99.99"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]
    assert invoice.total == Decimal("100.00")


def test_an_early_egress_correction_is_netted_against_the_month() -> None:
    """-1,000 GB on the 2nd, 12,000 GB on the 5th: 11,000 GB = 921.60 + 760 x 0.085 = 986.20."""
    records = [
        created("acme", "orders", "standard"),
        sent("acme", "orders", day(2), -1000, "g0"),
        sent("acme", "orders", day(5), 12000, "g1"),
    ]
    rating = rk.rate(records, QUEUE, span=MARCH, meters=METERS)
    assert [c.amount for c in rating.charges] == [Decimal("0.00"), Decimal("986.200")]
    rater = rk.Rater(QUEUE, METERS, start=START)
    rater.feed(records[:2])
    early = rater.statement(day(3))
    assert [a.kind for a in early.anomalies] == ["negative_total"]
    rater.feed(records[2:])
    late = rater.statement("2026-04-01T00:00:00Z")
    assert stream_total([*early.lines, *late.lines]) == batch_total(rating) == Fraction("986.2")


# --- Messy streams --------------------------------------------------------------------


def test_a_broker_replay_after_a_crash_changes_nothing() -> None:
    """A burst fed twice (same ids) is taken once; the second feed says duplicates."""
    burst = [created("acme", "orders", "standard")] + [
        chunks("acme", "orders", day(2), 600_000, f"b{i}") for i in range(3)
    ]
    rater = rk.Rater(QUEUE, METERS, start=START)
    assert len(rater.feed(burst).accepted) == 4
    first = rater.statement(day(3))
    never_replayed = rater.copy()
    replay = rater.feed(burst)
    assert (len(replay.accepted), len(replay.duplicates)) == (0, 4)
    assert rater.statement(day(4)).lines == never_replayed.statement(day(4)).lines
    # By the 3rd the free million is prorated to the watermark, 1 M x 2/31: (1.8 M - 2 M/31)
    # x 0.0000004 = 0.694193548387... (rounded at its 60th digit).
    usage = Fraction({line.kind: line.amount for line in first.lines}["usage"])
    assert abs(
        usage - (Fraction(1_800_000) - Fraction(2_000_000, 31)) * Fraction(4, 10**7)
    ) < Fraction(1, 10**58)


def test_the_same_id_with_other_content_is_refused_naming_it() -> None:
    """A broker that re-sends id m1 with another size: conflicting in a stream, refused in batch."""
    one, other = (
        message("acme", "orders", day(2), 66_560, "m1"),
        message("acme", "orders", day(2), 1, "m1"),
    )
    rater = rk.Rater(QUEUE, METERS, start=START)
    rater.feed([created("acme", "orders", "standard"), one])
    assert rater.feed([other]).conflicting == ("m1",)
    with pytest.raises(rk.ConflictingRecordError, match="'m1'"):
        rk.rate(
            [created("acme", "orders", "standard"), one, other], QUEUE, span=MARCH, meters=METERS
        )


def test_a_burst_at_one_instant_fed_backwards_with_a_restart_equals_batch() -> None:
    """Two accounts, many samples at one instant, fed in reverse, restored from JSON mid-way."""
    records = [
        created("acme", "orders", "standard"),
        created("acme", "jobs", "fifo"),
        created("beta", "q", "fifo"),
    ]
    records += [chunks("acme", "orders", day(10), 90_000, f"a{i}") for i in range(12)]  # 1.08 M
    records += [chunks("acme", "jobs", day(10), 10_000, f"j{i}") for i in range(5)]  # 50 k
    records += [chunks("beta", "q", day(16), 500_000, f"q{i}") for i in range(3)]  # 1.5 M
    records += [
        sent("acme", "orders", day(10), 10_000, "g1"),
        sent("acme", "orders", day(16), 500, "g2"),
    ]
    backwards = records[::-1]
    rater = rk.Rater(QUEUE, METERS, start=START)
    rater.feed(backwards[:9])
    lines = list(rater.statement(day(12)).lines)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), QUEUE, METERS)
    rater.feed(backwards)
    closing = rater.statement("2026-04-01T00:00:00Z")
    lines += closing.lines
    rating = rk.rate(records, QUEUE, span=MARCH, meters=METERS)
    assert stream_total(lines) == batch_total(rating)
    totals = {invoice.account: invoice.total for invoice in rk.bill(rating)}
    assert {invoice.account: invoice.total for invoice in closing.invoices} == totals
    # acme: 1.13 M requests at one instant, 130,000 over the free million: the standard
    # line rounds to 0.05 and the FIFO one to 0.00 however the free units are shared
    # (0.0496991... + 0.0028761... in proportion, 0.052 + 0 with the FIFO queue first);
    # 10,500 GB = 921.60 + 260 x 0.085 = 943.70; together 943.75 over the 100 committed.
    # beta: 1.5 M from the 16th, 0.5 M x 0.00000045 = 0.225, under the 100 committed: 100.00.
    assert totals == {"acme": Decimal("943.75"), "beta": Decimal("100.00")}


def test_a_move_to_business_mid_cycle_streams_as_batch() -> None:
    """acme moves to ``business`` on the 20th; the rater is told with ``assign()`` on the 19th.

    ``queue`` to the 20th (19/31): 1.5 M requests on the 2nd, 1 M free x 19/31 = 612,903.2258...
    free, the rest x 0.0000004 = 0.354838...; 11,000 GB = 986.20; its 100 x 19/31 = 61.29 is met.
    ``business`` (12/31): 2 M requests on the 22nd, 2 M x 12/31 = 774,193.548... free, the rest
    x 0.0000003 = 0.36774...; 1,000 GB from zero = 90.00; support 50 x 12/31 = 19.354838...;
    committed 500 x 12/31 = 193.548387...: top-up 193.55 - (90.00 + 0.37) = 103.18.
    """
    records = [
        created("acme", "orders", "standard"),
        chunks("acme", "orders", day(2), 1_500_000, "b1"),
        sent("acme", "orders", day(10), 11_000, "g1"),
        chunks("acme", "orders", day(22), 2_000_000, "b2"),
        sent("acme", "orders", day(21), 1_000, "g2"),
    ]
    everyone = [
        rk.Assignment("acme", QUEUE, end=day(20)),
        rk.Assignment("acme", BUSINESS, start=day(20)),
    ]
    rating = rk.rate(records, everyone, span=MARCH, meters=METERS)
    invoice = rk.bill(rating)[0]
    assert {(line.kind, line.entry): line.amount for line in invoice.lines} == {
        ("usage", "egress"): Decimal("1076.20"),
        ("usage", "standard"): Decimal("0.35"),
        ("usage", "standard-15th"): Decimal("0.37"),
        ("fee", "support"): Decimal("19.35"),
        ("minimum", "minimum"): Decimal("103.18"),
    }
    assert invoice.total == Decimal("1199.45")
    rater = rk.Rater([rk.Assignment("acme", QUEUE)], METERS, start=START)
    rater.feed(records[:3])
    lines = list(rater.statement(day(19)).lines)
    held = rater.assign(rk.Assignment("acme", BUSINESS, start=day(20)))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, METERS)
    rater.feed(records)
    closing = rater.statement("2026-04-01T00:00:00Z")
    lines += closing.lines
    assert stream_total(lines) == batch_total(rating)
    assert [i.total for i in closing.invoices] == [Decimal("1199.45")]


def test_invoice_exports_add_up_to_the_invoice() -> None:
    """The FOCUS rows of the plan-change invoice add up to its total, per plan to its part."""
    records = [
        created("acme", "orders", "standard"),
        chunks("acme", "orders", day(2), 1_500_000, "b1"),
        sent("acme", "orders", day(10), 11_000, "g1"),
        sent("acme", "orders", day(21), 1_000, "g2"),
    ]
    everyone = [
        rk.Assignment("acme", QUEUE, end=day(20)),
        rk.Assignment("acme", BUSINESS, start=day(20)),
    ]
    invoices = rk.bill(rk.rate(records, everyone, span=MARCH, meters=METERS))
    rows = rk.focus_rows(invoices, provider="Queue Co")
    assert sum(Fraction(row["BilledCost"]) for row in rows) == Fraction(invoices[0].total)
    by_plan: dict[str, Fraction] = {}
    for row in rows:
        by_plan[row["x_Plan"]] = by_plan.get(row["x_Plan"], Fraction(0)) + Fraction(
            row["BilledCost"]
        )
    # queue: 986.20 + 0.35; business: 90.00 + support 19.35 + its commitment's top-up
    # 193.55 - 90.00 = 103.55.
    assert by_plan == {"queue": Fraction("986.55"), "business": Fraction("212.90")}
    back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoices[0]))))
    assert back == invoices[0]


def test_odd_watermarks_give_the_same_month() -> None:
    """Statements at a microsecond before and at the 15th's price change, and at the burst itself."""
    records = [created("acme", "orders", "standard")]
    records += [
        chunks("acme", "orders", day(14, 23), 700_000, "b1"),
        chunks("acme", "orders", CHANGE_15TH, 700_000, "b2"),
    ]
    records += [message("acme", "orders", CHANGE_15TH, -KB64, "c1")]  # a take-back of one chunk
    rating = rk.rate(records, QUEUE, span=MARCH, meters=METERS)
    # 700,000 free before the 15th; from it 300,000 free, then 399,999 x 0.00000035
    assert [c.amount for c in rating.charges if c.kind == "usage"] == [
        Decimal(0),
        Decimal("0.13999965"),
    ]
    rater = rk.Rater(QUEUE, METERS, start=START)
    rater.feed(records)
    lines: list[rk.StatementLine] = []
    for as_of in (
        "2026-03-14T23:59:59.999999Z",
        CHANGE_15TH,
        "2026-03-15T00:00:00.000001Z",
        "2026-04-01T00:00:00Z",
    ):
        lines += rater.statement(as_of).lines
    assert stream_total(lines) == batch_total(rating)


# --- Faults: a delta policy of one's own (the 64 KB chunks) ---------------------------

FREE_MILLION = rk.Plan(
    "free-million",
    "USD",
    MONTHS,
    entries("0.00000040", "0.00000050", "0.00000035", "0.00000045"),
    allowances=[rk.Allowance("requests", 1_000_000)],
)


def totals_by_fifo_name(fifo_day: int, fifo_requests: int) -> list[Decimal]:
    """March's total with 800,000 standard requests on the 2nd and a FIFO queue's on its day.

    Once for the FIFO queue named ``a-jobs`` (before the standard ``m-orders``), once
    ``z-jobs`` (after it), under `FREE_MILLION`.
    """
    totals = []
    for fifo in ("a-jobs", "z-jobs"):
        records = [
            created("acme", "m-orders", "standard"),
            created("acme", fifo, "fifo"),
            chunks("acme", "m-orders", day(2), 800_000, "s1"),
            chunks("acme", fifo, day(fifo_day), fifo_requests, "f1"),
        ]
        totals.append(rk.rate(records, FREE_MILLION, span=MARCH, meters=METERS).total())
    return totals


def test_a_burst_at_one_instant_shares_the_free_million_whatever_the_queues_are_called() -> None:
    """800,000 standard and 800,000 FIFO requests at one instant, 1,000,000 free.

    In proportion, 500,000 free each: 300,000 x 0.00000040 + 300,000 x 0.00000050 = 0.12 + 0.15.
    """
    # the FIFO queue named before and after the standard one
    assert totals_by_fifo_name(fifo_day=2, fifo_requests=800_000) == [Decimal("0.27")] * 2


def test_renaming_a_queue_changes_no_total() -> None:
    """800,000 standard requests on the 2nd, 300,000 FIFO on the 10th, 1,000,000 free.

    The standard ones take 800,000 free, the FIFO ones 200,000: 100,000 x 0.00000050 = 0.05.
    """
    assert totals_by_fifo_name(fifo_day=10, fifo_requests=300_000) == [Decimal("0.05")] * 2


def test_renaming_a_queue_counted_with_count_changes_no_total() -> None:
    """One request counted on a standard queue on the 2nd, one on a FIFO queue on the 10th, 1 free.

    At 1 a standard and 2 a FIFO request: the standard one is free, the FIFO one bills 2.00.
    """
    counted = rk.Meter("requests", "request", rk.Count())
    one_free = rk.Plan(
        "one-free",
        "USD",
        MONTHS,
        entries("1", "2", "1", "2"),
        allowances=[rk.Allowance("requests", 1)],
    )
    totals = []
    for fifo in ("a-jobs", "z-jobs"):
        records = [
            created("acme", "m-orders", "standard"),
            created("acme", fifo, "fifo"),
            rk.Sample("acme", "m-orders", "requests", day(2), 1, kind="gauge", id="s1"),
            rk.Sample("acme", fifo, "requests", day(10), 1, kind="gauge", id="f1"),
        ]
        totals.append(rk.rate(records, one_free, span=MARCH, meters=[counted, EGRESS]).total())
    assert totals == [Decimal(2), Decimal(2)]


def test_a_take_back_before_usage_across_a_plan_change_keeps_its_order() -> None:
    """Plan a (1 a request) to the 20th, b (2 a request) after: +20 on the 2nd, -15 on the 21st, +10 on the 25th."""

    def per_request(name: str, price: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("req", "requests", rk.PerUnit(price))])

    moved = [
        rk.Assignment("acme", per_request("a", 1), end=day(20)),
        rk.Assignment("acme", per_request("b", 2), start=day(20)),
    ]
    records = [
        chunks("acme", "orders", day(2), 20, "u1"),
        chunks("acme", "orders", day(21), -15, "c1"),
        chunks("acme", "orders", day(25), 10, "u2"),
    ]
    assert rk.rate(records, moved, span=MARCH, meters=[REQUESTS]).total() == Decimal(25)


# --- Hostile input ----------------------------------------------------------------------


HOSTILE: list[tuple[str, Any, type[rk.RatekitError], str]] = [
    (
        "a NaN size",
        lambda: message("a", "q", day(2), "NaN", "x1"),
        rk.BadQuantityError,
        "'x1' value",
    ),
    (
        "an infinite size",
        lambda: message("a", "q", day(2), float("inf"), "x2"),
        rk.BadQuantityError,
        "finite",
    ),
    ("a bool size", lambda: message("a", "q", day(2), True, "x3"), rk.RatekitTypeError, "not bool"),
    (
        "a naive instant",
        lambda: message("a", "q", "2026-03-02T00:00:00", 1, "x4"),
        rk.BadTimeError,
        "offset",
    ),
    ("an empty account", lambda: message("", "q", day(2), 1, "x5"), rk.RatekitTypeError, "account"),
    (
        "61 digits",
        lambda: message("a", "q", day(2), "1" * 61, "x6"),
        rk.BadQuantityError,
        "60 significant",
    ),
    (
        "a spaced size",
        lambda: message("a", "q", day(2), " 12 ", "x7"),
        rk.BadQuantityError,
        "plain",
    ),
    ("a lower-case currency", lambda: rk.Plan("p", "usd", MONTHS, []), rk.BadPriceError, "'USD'"),
]


@pytest.mark.parametrize(("what", "build", "error", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_values_are_refused_naming_them(
    what: str, build: Any, error: type, words: str
) -> None:
    """Each is a RatekitError subclass whose message names the field and what is accepted."""
    with pytest.raises(error, match=words):
        build()


def test_a_feed_refuses_what_it_cannot_rate_and_stays_as_it_was() -> None:
    """An unknown meter, a gauge on the requests meter, a watermark going back."""
    rater = rk.Rater(QUEUE, METERS, start=START)
    rater.feed([created("acme", "orders", "standard"), message("acme", "orders", day(2), 1, "m1")])
    with pytest.raises(
        rk.UnknownMeterError, match="'bogus' is not one of the meters given: 'egress', 'requests'"
    ):
        rater.feed([rk.Sample("acme", "orders", "bogus", day(2), 1, id="u1")])
    with pytest.raises(rk.BadRecordError, match="kind 'gauge' does not fit meter 'requests'"):
        rater.feed([rk.Sample("acme", "orders", "requests", day(2), 1, kind="gauge", id="u2")])
    rater.statement(day(3))
    with pytest.raises(rk.BadTimeError, match="watermarks only move forward"):
        rater.statement(day(2))
    assert rater.feed([message("acme", "orders", day(2), 1, "m1")]).duplicates == ("m1",)


# --- Laws -------------------------------------------------------------------------------


def _stream(
    records: Sequence[rk.Record], plans: Any, order: random.Random, cuts: Sequence[int]
) -> Fraction:
    shuffled = list(records)
    order.shuffle(shuffled)
    rater = rk.Rater(plans, METERS, start=START)
    lines: list[rk.StatementLine] = []
    taken = 0
    for d in cuts:
        n = order.randint(0, len(shuffled) - taken)
        rater.feed(
            shuffled[taken : taken + n] + shuffled[: order.randint(0, taken)]
        )  # with a replay
        taken += n
        lines += rater.statement(day(d)).lines
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, METERS)
    rater.feed(shuffled)
    lines += rater.statement("2026-04-01T00:00:00Z").lines
    return stream_total(lines)


SIZES = st.sampled_from([1, KB64, KB64 + 1, 400_000 * KB64, 700_000 * KB64, -KB64, -200_000 * KB64])


@st.composite
def months_of_brokers(draw: st.DrawFn) -> list[rk.Record]:
    records: list[rk.Record] = [created("acme", "s", "standard"), created("beta", "f", "fifo")]
    for i in range(draw(st.integers(1, 3))):
        account, queue = draw(st.sampled_from([("acme", "s"), ("beta", "f")]))
        at = day(draw(st.sampled_from([2, 14, 15, 20])))
        if draw(st.booleans()):
            records.append(message(account, queue, at, draw(SIZES), f"m{i}"))
        else:
            records.append(sent(account, queue, at, draw(st.sampled_from([5000, 20_000])), f"g{i}"))
    return records


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    months_of_brokers(), st.randoms(use_true_random=False), st.lists(st.integers(2, 30), max_size=1)
)
def test_law_any_feeding_gives_the_batch_month(
    records: list[rk.Record], order: random.Random, cuts: list[int]
) -> None:
    """Any order, batching, replay and restart of a month's records: its lines add up to batch."""
    rating = rk.rate(records, QUEUE, span=MARCH, meters=METERS)
    assert _stream(records, QUEUE, order, sorted(set(cuts))) == batch_total(rating)
