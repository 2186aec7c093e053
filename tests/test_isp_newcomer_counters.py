"""An ISP bills broadband and business fibre from SNMP octet counters, streamed.

Routers report octet counters every 5 minutes: some `Counter32` (they wrap at 2^32),
some `Counter64`, some CPE counters that reset when the CPE reboots (the CPE's boot
events come too). Plans: a monthly data cap (an allowance) with graduated overage tiers,
a monthly line fee prorated by days, business plans with a minimum commitment;
customers upgrade mid-month (`assign`).

The host keeps the statement lines as a ledger (each line replaced by its latest
correction, a line taken away whole dropped), snapshots to JSON and restores, and at
each closing bills the closed month again from the ledger with `rk.bill()`. At every
closing the ledger billed, the closing invoice and one batch `rk.rate()` + `rk.bill()`
as of the closing watermark must agree to the last digit (docs/streaming.md, "Closing
and lateness" and "What to store where"), and a rater restored before every call must
say what one never restored says ("What a restored rater says").
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
GB = 10**9
W32 = 2**32
W64 = 2**64

OCT32 = rk.Meter("oct32", "B", rk.Counter(wraps_at=W32))
OCT64 = rk.Meter("oct64", "B", rk.Counter(wraps_at=W64))
CPE = rk.Meter("cpe", "B", rk.Counter(from_zero=True, wraps_at=W32))
# a router whose exporter sends byte deltas (flow records); refunds are deltas below zero
FLOW = rk.Meter("flow", "B", rk.Discrete())
METERS = (OCT32, OCT64, CPE, FLOW)


def _overage(meter: str) -> rk.PriceEntry:
    # overage per GB: the first 10 GB over the cap at 1.00, then 0.25
    tiers = rk.Graduated([rk.Tier(10, "1.00"), rk.Tier(None, "0.25")])
    return rk.PriceEntry(f"{meter}-gb", meter, tiers, unit="GB", meter_unit="B")


HOME = rk.Plan(
    "home",
    "EUR",
    MONTHS,
    [_overage(m.name) for m in METERS],
    allowances=[rk.Allowance(m.name, 5 * GB) for m in METERS],
    fees=[rk.Fee("line", 31)],
    proration="days",
)
PLUS = rk.Plan(
    "plus",
    "EUR",
    MONTHS,
    [_overage(m.name) for m in METERS],
    allowances=[rk.Allowance(m.name, 62 * GB) for m in METERS],
    fees=[rk.Fee("line", 62)],
    proration="days",
)
BUSINESS = rk.Plan(
    "biz",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry(f"{m.name}-gb", m.name, rk.PerUnit("0.40"), unit="GB", meter_unit="B")
        for m in METERS
    ],
    minimums=[rk.Minimum(100)],
    fees=[rk.Fee("fibre", 93)],
    proration="days",
)


def oct_(account: str, meter: str, at: str, value: int, rid: str) -> rk.Sample:
    return rk.Sample(account, "port-1", meter, at, value, kind="counter", id=rid)


def boot(account: str, at: str, kind: str, rid: str) -> rk.Event:
    return rk.Event(account, "port-1", at, kind=kind, id=rid)  # type: ignore[arg-type]


def _invoice_text(invoices: Iterable[rk.Invoice]) -> list[str]:
    return sorted(invoice.to_text() for invoice in invoices)


def _money(invoices: Iterable[rk.Invoice]) -> list[tuple[object, ...]]:
    """What an invoice bills, figure by figure (Decimals compared by value)."""
    return sorted(
        (
            invoice.account,
            invoice.total,
            invoice.precise_total,
            tuple(
                (line.label, line.quantity, line.free, line.precise, line.amount)
                for line in invoice.lines
            ),
        )
        for invoice in invoices
    )


class Host:
    """A backend as docs/streaming.md tells it: a ledger of lines, snapshots, closings."""

    def __init__(
        self,
        assignments: Sequence[rk.Assignment],
        *,
        start: str = "2026-03-01T00:00:00Z",
        horizon: dt.timedelta = dt.timedelta(0),
        restore_every_call: bool = False,
    ) -> None:
        self.assigned = tuple(assignments)
        self.rater = rk.Rater(self.assigned, METERS, start=start, horizon=horizon)
        self.restore_every_call = restore_every_call
        self.ledger: dict[object, rk.StatementLine] = {}
        self.taken: dict[str, rk.Sample | rk.Event] = {}
        self.said: list[object] = []
        self.closings: list[tuple[rk.Span, str, list[str]]] = []
        self.last_closed: rk.Span | None = None
        self.sums: dict[tuple[str, rk.Span], Fraction] = defaultdict(Fraction)

    def _restored(self) -> None:
        if self.restore_every_call:
            data = json.loads(json.dumps(self.rater.snapshot()))
            self.rater = rk.Rater.restore(data, self.assigned, METERS)

    def assign(self, *assignments: rk.Assignment) -> None:
        self._restored()
        self.assigned = tuple(self.rater.assign(*assignments))

    def feed(self, records: Sequence[rk.Sample | rk.Event]) -> rk.Feed:
        self._restored()
        fed = self.rater.feed(records)
        for record in records:
            # a reading or an event too late is placed in the compacted state, its
            # effect on the kept cycles applied (docs/streaming.md, closing and lateness)
            if record.id in fed.accepted or record.id in fed.late or record.id in fed.too_late:
                self.taken[record.id] = record
        self.said.append(("feed", repr(fed)))
        return fed

    def statement(self, as_of: str) -> rk.Statement:
        self._restored()
        statement = self.rater.statement(as_of)
        for line in statement.lines:
            if line.role == "reversal":
                self.ledger.pop(line.key, None)
            else:
                self.ledger[line.key] = line
            self.sums[line.account, line.cycle] += Fraction(line.amount)
        self.said.append(
            (
                "statement",
                as_of,
                [(ln.role, ln.key, ln.quantity, ln.amount, ln.late) for ln in statement.lines],
                [(a.kind, a.record_ids, a.message) for a in statement.anomalies],
                statement.closed,
            )
        )
        if self.last_closed is not None and self.last_closed not in statement.closed:
            # a kept closed cycle: its lines as they now stand bill what batch bills
            kept = self.last_closed
            assert _money(self.ledger_bill(kept)) == _money(self.batch_bill(kept, as_of))
        self.check_law(as_of)
        for cycle in statement.closed:
            self.last_closed = cycle
            closing = [inv for inv in statement.invoices if inv.cycle == cycle]
            self.closings.append((cycle, as_of, _invoice_text(closing)))
            self.check_closing(cycle, as_of, closing)
        return statement

    def ledger_bill(self, cycle: rk.Span) -> tuple[rk.Invoice, ...]:
        charges = [
            charge
            for line in self.ledger.values()
            if line.cycle == cycle
            for charge in line.charges
        ]
        return rk.bill(charges)

    def batch_bill(self, cycle: rk.Span, as_of: str) -> tuple[rk.Invoice, ...]:
        rating = rk.rate(
            list(self.taken.values()), self.assigned, span=cycle, meters=METERS, as_of=as_of
        )
        return rk.bill(rating)

    def check_law(self, as_of: str) -> None:
        """The lines said so far add up, per account and kept cycle, to batch rating."""
        statement_as_of = rk.Span(as_of, "9999-01-01T00:00:00Z").start
        kept = {cycle for _, cycle in self.sums if cycle.end > statement_as_of}
        if self.last_closed is not None:
            kept.add(self.last_closed)
        for cycle in kept:
            rating = rk.rate(
                list(self.taken.values()), self.assigned, span=cycle, meters=METERS, as_of=as_of
            )
            batch: dict[str, Fraction] = defaultdict(Fraction)
            for charge in rating.charges:
                batch[charge.account] += Fraction(charge.amount)
            said = {acc: total for (acc, cyc), total in self.sums.items() if cyc == cycle}
            assert {a: t for a, t in said.items() if t} == {a: t for a, t in batch.items() if t}

    def check_closing(self, cycle: rk.Span, as_of: str, closing: Sequence[rk.Invoice]) -> None:
        billed = _money(closing)
        ledger = self.ledger_bill(cycle)
        assert _money(ledger) == billed
        assert _money(self.batch_bill(cycle, as_of)) == billed
        # and the ledger prints the closing invoice, tier rows and free quantities alike
        assert _invoice_text(ledger) == _invoice_text(closing)


def _run(
    script: Sequence[tuple[str, object]],
    assignments: Sequence[rk.Assignment],
    horizon: dt.timedelta = dt.timedelta(0),
) -> Host:
    """Play one script on a host never restored and on one restored before every call."""
    plain = Host(assignments, horizon=horizon)
    restored = Host(assignments, horizon=horizon, restore_every_call=True)
    for host in (plain, restored):
        for step, arg in script:
            if step == "feed":
                host.feed(arg)  # type: ignore[arg-type]
            elif step == "assign":
                host.assign(*arg)  # type: ignore[misc]
            else:
                host.statement(arg)  # type: ignore[arg-type]
    assert restored.said == plain.said
    assert restored.closings == plain.closings
    return plain


MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
EVERYONE = (
    rk.Assignment("h32", HOME),
    rk.Assignment("h64", HOME),
    rk.Assignment("c", HOME),
    rk.Assignment("b", BUSINESS),
)


def _step32(n: int) -> int:
    """A Counter32 after n readings 3.9 GB apart (it wraps almost every reading)."""
    return (1000 + n * 3_900_000_000) % W32


def _closing_totals(host: Host, cycle: rk.Span) -> dict[str, Decimal]:
    [(_, as_of, _)] = [closing for closing in host.closings if closing[0] == cycle]
    return {inv.account: inv.total for inv in host.batch_bill(cycle, as_of)}


def test_a_counter32_wrapping_across_the_month_end_splits_by_time() -> None:
    # 2^32 - (2^32 - 500) = 500 B to the wrap, then 700 from zero: 1200 B over the 10
    # minutes 23:55..00:05, spread linearly: 600 B to March, 600 B to April
    readings = [
        oct_("h", "oct32", "2026-03-31T23:55:00Z", W32 - 500, "e1"),
        oct_("h", "oct32", "2026-04-01T00:05:00Z", 700, "e2"),
    ]
    both = rk.Span(MARCH.start, APRIL.end)
    usage = rk.meter(readings, [OCT32], span=both, cycle=MONTHS, as_of=APRIL.end)
    assert [row.quantity for row in usage.rows] == [Decimal(600), Decimal(600)]
    assert usage.anomalies == ()


def test_a_month_of_wraps_reboots_upgrades_and_a_clock_years_ahead_agrees() -> None:
    # h32: Counter32 readings every 3 days, 3.9 GB apart, fed out of order after an
    # upgrade to 'plus' on 16 March; its wrap over the month end fed in two halves, the
    # earlier reading only after March closed. h64: Counter64, and a reading stamped
    # June 2029 by a router whose clock ran ahead. c: a CPE rebooted over the month end.
    # b: a business line under its minimum commitment.
    h32 = [
        oct_("h32", "oct32", f"2026-03-{day:02d}T12:00:00Z", _step32(n), f"h32-{day}")
        for n, day in enumerate((2, 5, 8, 11, 14, 17, 20, 23, 26, 29))
    ]
    h32_end = [
        oct_("h32", "oct32", "2026-03-31T23:55:00Z", W32 - 500, "h32-e1"),
        oct_("h32", "oct32", "2026-04-01T00:05:00Z", 700, "h32-e2"),
    ]
    h64 = [
        oct_("h64", "oct64", f"2026-03-{day:02d}T00:00:00Z", 2**40 + day * day * GB, f"h64-{day}")
        for day in (1, 10, 20, 31)
    ]
    far = oct_("h64", "oct64", "2029-06-01T00:00:00Z", 2**40 + 500 * GB, "h64-far")
    h64_april = [
        oct_(
            "h64", "oct64", f"2026-04-{day:02d}T00:00:00Z", 2**40 + (961 + day * 10) * GB, f"a{day}"
        )
        for day in (2, 10)
    ]
    cpe = [
        boot("c", "2026-03-01T00:00:00Z", "start", "c-s1"),
        oct_("c", "cpe", "2026-03-15T00:00:00Z", 3_000_000_000, "c-1"),
        oct_("c", "cpe", "2026-03-31T23:50:00Z", 4_000_000_000, "c-2"),
        boot("c", "2026-03-31T23:55:00Z", "stop", "c-x1"),
        boot("c", "2026-04-01T00:02:00Z", "start", "c-s2"),
        oct_("c", "cpe", "2026-04-01T00:05:00Z", 60_000, "c-3"),
    ]
    biz = [
        oct_("b", "oct64", f"2026-03-{day:02d}T06:00:00Z", day * 10 * GB, f"b-{day}")
        for day in (3, 9, 27)
    ]
    script: list[tuple[str, object]] = [
        ("feed", h32[:5] + cpe[:2] + h64[:2] + biz),
        ("feed", [far]),
        ("statement", "2026-03-15T00:00:00Z"),
        ("assign", [rk.Assignment("h32", PLUS, start="2026-03-16T00:00:00Z")]),
        ("feed", h32[5:][::-1] + h64[2:] + cpe[2:4]),
        ("feed", h32[:2]),  # replayed: duplicates
        ("statement", "2026-03-31T00:00:00Z"),
        ("feed", [h32_end[1], cpe[4], cpe[5], h64_april[0]]),
        ("statement", "2026-04-01T00:03:00Z"),
        ("feed", [h32_end[0]]),  # late for closed March
        ("statement", "2026-04-02T06:00:00Z"),
        ("feed", h64_april[1:]),
        ("statement", "2026-05-01T00:00:00Z"),
    ]
    host = _run(script, EVERYONE)
    # h32 at March's closing (00:03, before the wrap's halves were known): 9 steps of
    # 3.9 GB = 35.1 GB. 'home' 1..16 March: 3.9 x 4 + 1.95 (half of 14..17 March) =
    # 17.55 GB, 5 GB x 15/31 days free = 2.419355 GB, so 15.130645 GB over the cap:
    # 10 x 1.00 + 5.130645 x 0.25 = 11.282661; 'plus' 16..31 March: 17.55 GB under its
    # 62 x 16/31 = 32 GB free. Fees 31 x 15/31 + 62 x 16/31 = 15 + 32. 58.28 in all.
    # h64: 31^2 - 1^2 = 960 GB, 5 free: 10 x 1.00 + 945 x 0.25 = 246.25, + 31 fee.
    # b: 270 - 30 = 240 GB x 0.40 = 96.00, topped up to 100, + 93 fee = 193.00.
    # c: 4 GB (from zero at the boot), under its 5 GB cap: the fee, 31.00.
    assert _closing_totals(host, MARCH) == {
        "h32": Decimal("58.28"),
        "h64": Decimal("277.25"),
        "b": Decimal("193.00"),
        "c": Decimal("31.00"),
    }
    # the late half of the wrap adds 2^32 - 500 - 740262632 = 3554704164 B and 600 B
    # to 'plus' in March, still under its cap: the ledger bills March as batch does
    march_now = {inv.account: inv.total for inv in host.ledger_bill(MARCH)}
    assert march_now["h32"] == Decimal("58.28")
    # h64's reading of 2 April (981 GB) came after March closed: 20 GB over 31 March ..
    # 2 April, half of it in March: 970 GB, 965 over the cap: 10 + 955 x 0.25 = 248.75,
    # + 31 fee = 279.75, as batch now bills March
    assert march_now["h64"] == Decimal("279.75")
    # April: the other 10 GB, then 1061 - 981 = 80 GB: 90 GB, 5 free: 10 x 1.00 +
    # 75 x 0.25 = 28.75, + 31 fee = 59.75 (the reading of 2029 counts nothing yet)
    assert _closing_totals(host, APRIL)["h64"] == Decimal("59.75")


def test_a_cpe_reboot_told_late_corrects_the_closed_month_it_read_as_a_wrap() -> None:
    # Without its boot events, 4,000,000,000 at 23:50 then 60,000 at 00:05 reads as a
    # wrap: 2^32 - 4e9 + 60,000 = 295,027,296 B over 15 minutes, 10 of them in March:
    # 196,684,864 B, so March closes at 4,196,684,864 B (under the 5 GB cap: 0.00).
    # The STOP at 23:55 and START at 00:02 come after March closed: the counter counted
    # from 0 at the START, so March is 4e9 B and April 60,000 B; a late correction.
    cpe = [
        boot("c", "2026-03-01T00:00:00Z", "start", "s1"),
        oct_("c", "cpe", "2026-03-31T23:50:00Z", 4_000_000_000, "r1"),
        oct_("c", "cpe", "2026-04-01T00:05:00Z", 60_000, "r2"),
    ]
    late_boot = [
        boot("c", "2026-03-31T23:55:00Z", "stop", "x1"),
        boot("c", "2026-04-01T00:02:00Z", "start", "s2"),
    ]
    script: list[tuple[str, object]] = [
        ("feed", cpe),
        ("statement", "2026-04-01T01:00:00Z"),
        ("feed", late_boot),
        ("statement", "2026-04-03T00:00:00Z"),
        ("statement", "2026-05-01T00:00:00Z"),
    ]
    host = _run(script, [rk.Assignment("c", HOME)])
    [(_, _, march_closing)] = [c for c in host.closings if c[0] == MARCH]
    assert "~4.196685 GB" in march_closing[0]
    [usage] = [
        line for line in host.ledger.values() if line.cycle == MARCH and line.kind == "usage"
    ]
    assert (usage.role, usage.quantity, usage.late) == ("correction", Decimal(4), True)
    [april] = [
        line for line in host.ledger.values() if line.cycle == APRIL and line.kind == "usage"
    ]
    assert april.quantity == Decimal("0.00006")  # 60,000 B in GB


def test_a_refund_after_an_upgrade_goes_back_to_the_plan_that_billed_it() -> None:
    # 30 GB of flow on 10 March under 'home' (19 days of it to 20 March: 5 x 19/31 =
    # 95/31 GB free), an upgrade to 'plus' on 20 March, a refund of 12 GB on 27 March:
    # it takes back home's last 12 GB at their price, 0.25 (second tier): -3.00.
    # home: 30 - 95/31 = 26.935484 GB over: 10 x 1.00 + 16.935484 x 0.25 = 14.233871;
    # -3.00: 11.233871, printed 11.23. Fees 31 x 19/31 + 62 x 12/31 = 19 + 24 = 43.
    # The refund is fed first, the usage it refunds after it (late, before the
    # watermark), and the rater is restored before every call in the second run.
    refund = rk.Sample("r", "p2", "flow", "2026-03-27T00:00:00Z", -12 * GB, id="refund")
    used = rk.Sample("r", "p2", "flow", "2026-03-10T00:00:00Z", 30 * GB, id="used")
    script: list[tuple[str, object]] = [
        ("statement", "2026-03-19T00:00:00Z"),
        ("assign", [rk.Assignment("r", PLUS, start="2026-03-20T00:00:00Z")]),
        ("feed", [refund]),
        ("statement", "2026-03-28T00:00:00Z"),
        ("feed", [used]),
        ("statement", "2026-03-29T00:00:00Z"),
        ("statement", "2026-04-01T00:00:00Z"),
    ]
    host = _run(script, [rk.Assignment("r", HOME)])
    [invoice] = host.batch_bill(MARCH, "2026-04-01T00:00:00Z")
    assert invoice.total == Decimal("54.23")  # 11.23 + 43.00
    # at 28 March only the refund was known: plus's total -12 GB, priced at 0
    [said] = [s for s in host.said if s[0] == "statement" and s[1] == "2026-03-28T00:00:00Z"]
    assert [kind for kind, _, _ in said[3]] == ["negative_total"]  # type: ignore[index]


def test_a_delta_on_a_counter_meter_is_refused_naming_the_record() -> None:
    rater = rk.Rater([rk.Assignment("r", HOME)], METERS, start="2026-03-01T00:00:00Z")
    refund = rk.Sample("r", "port-1", "oct64", "2026-03-27T00:00:00Z", -12 * GB, id="refund")
    with pytest.raises(rk.BadRecordError, match=r"sample 'refund'.*kind 'delta'.*takes 'counter'"):
        rater.feed([refund])


def test_a_reading_told_again_with_another_value_is_conflicting_not_taken() -> None:
    rater = rk.Rater([rk.Assignment("h", HOME)], METERS, start="2026-03-01T00:00:00Z")
    rater.feed([oct_("h", "oct32", "2026-03-02T00:00:00Z", 100, "a")])
    fed = rater.feed([oct_("h", "oct32", "2026-03-02T00:00:00Z", 101, "a")])
    assert (fed.accepted, fed.conflicting) == ((), ("a",))
    again = rater.feed([oct_("h", "oct32", "2026-03-02T00:00:00Z", 100, "a")])
    assert again.duplicates == ("a",)


def test_a_counter32_read_as_a_counter64_bills_the_documented_wrap() -> None:
    # Width given too wide: a Counter32 wrapping from 2^32 - 100 to 50 on a meter with
    # wraps_at=2^64 adds 2^64 - (2^32 - 100) + 50 = 18446744069414584470 B, with no
    # anomaly, as docs/usage.md ("Counters and gauges") says it does.
    readings = [
        oct_("h", "oct64", "2026-03-02T00:00:00Z", W32 - 100, "a"),
        oct_("h", "oct64", "2026-03-02T00:05:00Z", 50, "b"),
    ]
    usage = rk.meter(readings, [OCT64], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(W64 - (W32 - 100) + 50)]
    assert usage.anomalies == ()


def test_a_reading_above_the_counters_width_is_named() -> None:
    readings = [
        oct_("h", "oct32", "2026-03-02T00:00:00Z", 100, "a"),
        oct_("h", "oct32", "2026-03-02T00:05:00Z", W32 + 5, "b"),
    ]
    usage = rk.meter(readings, [OCT32], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(W32 - 95)]
    assert any("b" in anomaly.record_ids for anomaly in usage.anomalies)
    [anomaly] = usage.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.at) == (
        "above_width",
        ("b", "a"),
        dt.datetime(2026, 3, 2, 0, 5, tzinfo=dt.UTC),
    )
    assert "reads 4294967301" in anomaly.message
    assert "wraps_at 4294967296" in anomaly.message


def test_a_reading_above_the_width_streamed_is_named_once_and_billed_as_batch() -> None:
    # h: 100 (a) on 2 March, then 2^32 + 5 (b) and 2^32 + 10 (c), fed after c and 7 (d):
    # batch names b and c (each counted as read: 2^32 - 95, then 5) and the reset at d
    # (7 from zero): 2^32 - 95 + 5 + 7 = 4294967213 B, 4.294967213 GB, under the 5 GB
    # cap: the fee, 31.00, at the closing (ledger, closing invoice and batch alike)
    readings = [
        oct_("h", "oct32", "2026-03-02T00:00:00Z", 100, "a"),
        oct_("h", "oct32", "2026-03-02T00:05:00Z", W32 + 5, "b"),
        oct_("h", "oct32", "2026-03-02T00:10:00Z", W32 + 10, "c"),
        oct_("h", "oct32", "2026-03-02T00:15:00Z", 7, "d"),
    ]
    script: list[tuple[str, object]] = [
        ("feed", [readings[0], readings[2]]),
        ("statement", "2026-03-02T00:12:00Z"),
        ("feed", [readings[1], readings[3]]),
        ("statement", "2026-03-03T00:00:00Z"),
        ("statement", "2026-04-01T00:00:00Z"),
    ]
    host = _run(script, [rk.Assignment("h", HOME)])
    said = [
        (kind, ids[0])
        for step in host.said
        if step[0] == "statement"
        for kind, ids, _ in step[3]  # type: ignore[misc]
    ]
    # c is named when its rise (from a) is first counted, b when it comes; c is not
    # named again counted from b: one anomaly a reading
    assert said == [("above_width", "c"), ("above_width", "b"), ("counter_reset", "d")]
    assert _closing_totals(host, MARCH) == {"h": Decimal("31.00")}
    [invoice] = host.ledger_bill(MARCH)
    assert [line.quantity for line in invoice.lines if line.label.startswith("oct32")] == [
        Decimal("4.294967213")
    ]
    batch = rk.rate(readings, [rk.Assignment("h", HOME)], span=MARCH, meters=METERS)
    assert [(a.kind, a.record_ids) for a in batch.anomalies] == [
        ("above_width", ("b", "a")),
        ("above_width", ("c", "b")),
        ("counter_reset", ("d", "c")),
    ]


def test_the_ledger_billed_prints_the_closing_invoice() -> None:
    # -2 GB, +5 GB, -2 GB of flow in March (1 GB net, under any share of the 5 GB cap)
    flow = [
        rk.Sample("f", "p2", "flow", "2026-03-03T00:00:00Z", -2 * GB, id="f0"),
        rk.Sample("f", "p2", "flow", "2026-03-08T00:00:00Z", 5 * GB, id="f1"),
        rk.Sample("f", "p2", "flow", "2026-03-14T00:00:00Z", -2 * GB, id="f4"),
    ]
    host = Host([rk.Assignment("f", HOME)])
    host.feed(flow)
    host.statement("2026-03-15T00:00:00Z")
    closing = host.statement("2026-04-01T00:00:00Z")
    assert _money(host.ledger_bill(MARCH)) == _money(closing.invoices)  # holds
    assert _invoice_text(host.ledger_bill(MARCH)) == _invoice_text(closing.invoices)


def test_the_ledger_billed_frees_what_the_closing_invoice_frees() -> None:
    # April on 'home' (5 GB a month, prorated by days): +5 GB on 1 April, -2 GB on 6
    # April, -2 GB on 7 April: 1 GB net, all free at any watermark from 9 April
    flow = [
        rk.Sample("f", "p2", "flow", "2026-04-01T05:45:00Z", 5 * GB, id="a"),
        rk.Sample("f", "p2", "flow", "2026-04-06T05:45:00Z", -2 * GB, id="b"),
        rk.Sample("f", "p2", "flow", "2026-04-07T05:50:00Z", -2 * GB, id="c"),
    ]
    host = Host([rk.Assignment("f", HOME)], start="2026-04-01T00:00:00Z")
    host.feed(flow)
    host.statement("2026-04-09T12:00:00Z")
    closing = host.rater.statement("2026-05-01T00:00:00Z")
    for line in closing.lines:
        host.ledger[line.key] = line
    [billed] = host.ledger_bill(APRIL)
    [closed] = closing.invoices
    assert [line.free for line in closed.lines] == [Decimal(1), Decimal(0)]
    assert [line.free for line in billed.lines] == [Decimal(1), Decimal(0)]


def test_the_closing_says_a_standing_line_again_only_where_its_print_may_move() -> None:
    # f on 'home': -2 GB, +5 GB, -2 GB of flow by 14 March (1 GB net, free): at 15 March
    # the refund's charges print +0.741935 and -0.741935 over the tiers (5 x 14/31 =
    # 2.258065 GB free of the 5 GB). q on a plan priced per GB with nothing free: 3 GB
    # on 2 March at 0.40 = 1.20. Nothing comes after 15 March: both totals stand (1 GB
    # and 0.00; 3 GB and 1.20). The closing says f's line again, a reversal and a
    # correction to the same total with the closing's charges (all 1 GB free: no tier
    # row); q's prints by its total alone (3 GB at 0.40: 1.20) and is not said again.
    flat = rk.Plan(
        "flat",
        "EUR",
        MONTHS,
        [rk.PriceEntry("flow-gb", "flow", rk.PerUnit("0.40"), unit="GB", meter_unit="B")],
    )
    flow = [
        rk.Sample("f", "p2", "flow", "2026-03-03T00:00:00Z", -2 * GB, id="f0"),
        rk.Sample("f", "p2", "flow", "2026-03-08T00:00:00Z", 5 * GB, id="f1"),
        rk.Sample("f", "p2", "flow", "2026-03-14T00:00:00Z", -2 * GB, id="f4"),
        rk.Sample("q", "p3", "flow", "2026-03-02T00:00:00Z", 3 * GB, id="q1"),
    ]
    script: list[tuple[str, object]] = [
        ("feed", flow),
        ("statement", "2026-03-15T00:00:00Z"),
        ("statement", "2026-03-20T00:00:00Z"),
        ("statement", "2026-04-01T00:00:00Z"),
    ]
    host = _run(script, [rk.Assignment("f", HOME), rk.Assignment("q", flat)])
    said = {
        step[1]: [(role, key[0]) for role, key, _, _, _ in step[2] if key[3] == "usage"]  # type: ignore[misc]
        for step in host.said
        if step[0] == "statement"
    }
    assert said == {
        "2026-03-15T00:00:00Z": [("charge", "f"), ("charge", "q")],
        "2026-03-20T00:00:00Z": [],  # not before the closing: the totals stand
        "2026-04-01T00:00:00Z": [("reversal", "f"), ("correction", "f")],
    }
    [(_, _, closing)] = host.closings
    [ledger_f, ledger_q] = _invoice_text(host.ledger_bill(MARCH))
    assert [ledger_f, ledger_q] == closing
    assert "tiers[0]" not in ledger_f
    assert ledger_q.split("\n")[3].split() == ["flow", "·", "flow-gb", "3", "GB", "0.40", "1.20"]


@pytest.mark.parametrize(
    "policy",
    [rk.Counter(wraps_at=W64), rk.Counter(), rk.Counter(wraps_at=W32, from_zero=True)],
    ids=["wider", "no-width", "from-zero"],
)
def test_a_snapshot_restored_with_another_counter_width_is_refused(policy: rk.Counter) -> None:
    rater = rk.Rater([rk.Assignment("h", HOME)], METERS, start="2026-03-01T00:00:00Z")
    rater.feed([oct_("h", "oct32", "2026-03-02T00:00:00Z", W32 - 100, "a")])
    rater.statement("2026-03-02T12:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    meters = (rk.Meter("oct32", "B", policy), OCT64, CPE, FLOW)
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(data, [rk.Assignment("h", HOME)], meters)


_T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
_DRAWN = {"h": "oct32", "s": "oct64", "c": "cpe", "f": "flow", "b": "oct64"}


def _iso(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _drawn_records(rng: random.Random) -> list[rk.Sample | rk.Event]:
    """Two months of one port per customer: wraps, reboots, refunds, a clock ahead."""
    records: list[rk.Sample | rk.Event] = []
    for account, meter in _DRAWN.items():
        value = rng.randrange(0, 2**40 if meter == "oct64" else W32)
        at = _T0 + dt.timedelta(hours=rng.randrange(0, 48))
        if meter == "cpe":
            records.append(
                boot(account, _iso(at - dt.timedelta(minutes=1)), "start", f"{account}-s")
            )
        for n in range(rng.randrange(3, 9)):
            at += dt.timedelta(hours=rng.choice([1, 24, 120, 240]), minutes=rng.choice([0, 5, 55]))
            if at >= _T0 + dt.timedelta(days=60):
                break
            if meter == "flow":
                gb = rng.choice([1, 5, -2, 30, -20, -7])
                records.append(
                    rk.Sample(account, "port-2", "flow", _iso(at), gb * GB, id=f"{account}-{n}")
                )
                continue
            if meter == "cpe" and rng.random() < 0.3:  # a reboot: STOP, START, from 0
                records.append(
                    boot(account, _iso(at - dt.timedelta(minutes=3)), "stop", f"{account}-x{n}")
                )
                records.append(
                    boot(account, _iso(at - dt.timedelta(minutes=2)), "start", f"{account}-y{n}")
                )
                value = 0
            value += rng.choice([1, 3, 4, 40 if meter == "oct64" else 2]) * GB
            if meter != "oct64":
                value %= W32
            records.append(oct_(account, meter, _iso(at), value, f"{account}-{n}"))
    if rng.random() < 0.5:
        account, meter = rng.choice([("h", "oct32"), ("c", "cpe"), ("s", "oct64")])
        records.append(oct_(account, meter, "2029-01-01T00:00:00Z", rng.randrange(0, W32), "far"))
    return records


def _drawn_script(
    rng: random.Random, records: list[rk.Sample | rk.Event]
) -> list[tuple[str, object]]:
    """The records shuffled into batches, replays among them, an upgrade, statements."""
    records = list(records)
    rng.shuffle(records)
    steps: list[tuple[str, object]] = []
    upgraded, taken = False, 0
    for mark in sorted(rng.sample(range(1, 240), 6)):
        batch = records[taken : taken + len(records) // 6 + 1]
        taken += len(batch)
        steps.append(("feed", batch + (records[:2] if rng.random() < 0.2 else [])))
        at = _iso(_T0 + dt.timedelta(hours=6 * mark))
        steps.append(("statement", at))
        if not upgraded and rng.random() < 0.4:
            plan = PLUS if rng.random() < 0.5 else BUSINESS
            steps.append(
                ("assign", [rk.Assignment("h", PLUS, start=at), rk.Assignment("f", plan, start=at)])
            )
            upgraded = True
    steps.append(("feed", records[taken:]))
    steps.append(("statement", "2026-05-01T00:00:00Z"))
    return steps


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_drawn_isp_streams_agree_at_every_closing(seed: int) -> None:
    # Drawn streams: every check of `Host` at every statement (the lines add up to batch
    # per account and kept cycle; at each closing the ledger billed, the closing invoice
    # and batch bill alike, free quantities included, and the ledger prints the closing
    # invoice; a kept closed cycle's ledger bills as batch after late
    # records; a rater restored before every call says what one never restored says),
    # a horizon of 30 hours on odd seeds (some 1,600 streams drawn like these held).
    rng = random.Random(seed)
    script = _drawn_script(rng, _drawn_records(rng))
    assignments = [rk.Assignment(account, HOME) for account in "hscf"] + [
        rk.Assignment("b", BUSINESS)
    ]
    _run(script, assignments, horizon=dt.timedelta(hours=30 * (seed % 2)))
