"""Each statement of a gauge stream, worked by hand: hourly and monthly cycles.

After every statement at a watermark W, the lines said so far, summed per `line.key`,
are each line's amount so far, and equal one batch `rk.rate()` of the records fed so far
over the cycles up to the one holding W, ``as_of=W`` (docs/streaming.md, Watermarks:
"fees, minimums and allowances are prorated to `as_of`, as `rk.rate(..., as_of=...)`
does"; Lines: "Sum the lines per `line.key` and you have each line's exact amount so
far"). The aggregations go on from their cycle so far (`Max`, `Count`,
`TimeWeightedMean`), across watermarks inside an hour, at its end, and again with
nothing new; an update without a reading splits a peak by the time known; a plan change
by `Rater.assign()` inside the open month; an allowance and a minimum of a peak.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

from tests import _gauge_streams as streams

import ratekit as rk
from ratekit._instants import format_us, to_us

Record = rk.Event | rk.Sample | rk.Inventory
HOURLY = rk.cycles.hourly()
MONTHLY = rk.cycles.monthly(tz="UTC")


class Stream:
    """A rater fed by hand; every statement is checked against batch as it is said."""

    def __init__(
        self,
        plans: rk.Plan | tuple[rk.Assignment, ...],
        meters: list[rk.Meter],
        start: str,
        cycles: rk.cycles.Cycle,
        *,
        restore: bool = False,
        horizon: dt.timedelta = dt.timedelta(days=400),
    ) -> None:
        self.rater = rk.Rater(plans, meters, start=start, horizon=horizon)
        self.plans: rk.Plan | tuple[rk.Assignment, ...] = plans
        self.meters, self.start, self.cycles, self.restore = meters, start, cycles, restore
        self.taken: list[Record] = []
        self.lines: list[rk.StatementLine] = []

    def _again(self) -> None:
        if self.restore:  # snapshot -> JSON -> restore between every call
            data = json.loads(json.dumps(self.rater.snapshot()))
            self.rater = rk.Rater.restore(data, self.plans, self.meters)

    def feed(self, *records: Record) -> None:
        self.rater.feed(list(records))
        self.taken += records
        self._again()

    def assign(self, *assignments: rk.Assignment) -> None:
        self.plans = self.rater.assign(*assignments)
        self._again()

    def state(self, as_of: str) -> list[tuple[str, str, str, Decimal, Decimal]]:
        """The statement's lines as (role, plan, meter, quantity, amount), once its sums so
        far are checked against batch as of ``as_of``."""
        lines = self.rater.statement(as_of).lines
        self.lines += lines
        end = self.cycles.containing(format_us(to_us(as_of) - 1)).end
        span = rk.Span(self.start, end)
        rating = rk.rate(self.taken, self.plans, span=span, meters=self.meters, as_of=as_of)
        assert streams.line_sums(self.lines) == streams.charge_sums(rating.charges), as_of
        self._again()
        return [(x.role, x.plan, x.meter, x.quantity, x.amount) for x in lines]


NEAR = Decimal("1E-20")  # a line of a share is rounded at 28 digits


def ratio(value: Fraction) -> Decimal:
    """A sum of lines, to 20 places."""
    return (Decimal(value.numerator) / value.denominator).quantize(NEAR)


def at(hhmm: str) -> str:
    return f"2026-03-01T{hhmm}:00Z"


def test_a_gauge_read_every_minute_goes_on_from_its_hour_so_far_at_every_statement() -> None:
    for restore in (False, True):
        meters = [
            rk.Meter("peak", "u", rk.Max()),
            rk.Meter("n", "u", rk.Count()),
            rk.Meter("mean", "u", rk.TimeWeightedMean()),
        ]
        prices = {"peak": "0.5", "n": "0.019", "mean": "0.3"}
        entries = [rk.PriceEntry(m, m, rk.PerUnit(p)) for m, p in prices.items()]
        plan = rk.Plan("p", "EUR", HOURLY, entries)
        s = Stream(plan, meters, at("10:00"), HOURLY, restore=restore)
        # minute i of 10:00-11:00 reads i % 13 on each meter: 0, 1, ..., 12, 0, 1, ...
        s.feed(*[
            rk.Sample("a", "vm", m, at(f"10:{i:02}"), i % 13, kind="gauge", id=f"{m}{i}")
            for i in range(60) for m in prices
        ])  # fmt: skip
        # 10:05 knows minutes 0..4: peak 4 x 0.5 = 2.0; 5 readings x 0.019 = 0.095; each
        # value held a minute: mean (0+1+2+3+4)/5 = 2, x 0.3 = 0.6
        assert sorted(s.state(at("10:05"))) == [
            ("charge", "p", "mean", Decimal(2), Decimal("0.6")),
            ("charge", "p", "n", Decimal(5), Decimal("0.095")),
            ("charge", "p", "peak", Decimal(4), Decimal("2.0")),
        ]
        assert s.state(at("10:05")) == []  # nothing new: nothing said
        # 10:30: peak 12 (+8, 4.0); 30 readings (+25, 0.475); mean of i % 13 over i < 30:
        # (78 + 78 + 0+1+2+3) / 30 = 162/30 = 5.4 (+3.4, x 0.3 = 1.02)
        assert sorted(s.state(at("10:30"))) == [
            ("increment", "p", "mean", Decimal("3.4"), Decimal("1.02")),
            ("increment", "p", "n", Decimal(25), Decimal("0.475")),
            ("increment", "p", "peak", Decimal(8), Decimal("4.0")),
        ]
        # 11:00, the hour's end: the peak stays 12 (no line); 60 readings (+30, 0.570);
        # mean (4 x 78 + 0+...+7) / 60 = 340/60 = 17/3, +17/3 - 5.4 = 4/15 (at 60 digits)
        four_15 = Decimal("0.2" + "6" * 57 + "7")
        assert sorted(s.state(at("11:00"))) == [
            ("increment", "p", "mean", four_15, Decimal("0.08")),  # 0.3 x 4/15
            ("increment", "p", "n", Decimal(30), Decimal("0.570")),
        ]
        assert s.state(at("11:00")) == []
        # 11:30: the last level, 59 % 13 = 7 at 10:59, is known on into the next hour:
        # a mean of 7 x 0.3 = 2.1; no reading there, so no peak and no count
        assert s.state(at("11:30")) == [("charge", "p", "mean", Decimal(7), Decimal("2.1"))]


def test_an_update_without_a_reading_splits_the_hour_s_peak_by_the_time_known() -> None:
    for restore in (False, True):
        peak = [rk.Meter("peak", "u", rk.Max())]
        plan = rk.Plan("p", "EUR", HOURLY, [
            rk.PriceEntry("plain", "peak", rk.PerUnit("0.5")),
            rk.PriceEntry("gold", "peak", rk.PerUnit("0.9"), where={"tier": "gold"}, priority=1),
        ])  # fmt: skip
        s = Stream(plan, peak, at("10:00"), HOURLY, restore=restore)
        s.feed(rk.Sample("a", "vm", "peak", at("10:00"), 8, kind="gauge", id="s1"))
        assert s.state(at("10:15")) == [("charge", "p", "peak", Decimal(8), Decimal("4.0"))]
        s.feed(rk.Event("a", "vm", at("10:30"), {"tier": "gold"}, kind="update", id="e1"))
        assert s.state(at("10:20")) == []  # the update is not known yet
        # 10:45: 45 minutes known, 30 plain and 15 gold: 8 x 15/45 = 8/3 gold (x 0.9 =
        # 2.4 exactly), 8 x 30/45 = 16/3 plain, so plain goes down by 8 - 16/3 = 8/3; the
        # shares cut at the peak's 60th digit (1E-59), plain priced at its exact share:
        # 16/3 x 0.5 = 8/3, rounded once at its 60th digit 2.66...67: 4.0 less that,
        # 1.33...33
        third = Decimal("2." + "6" * 58 + "7")  # 8/3 at 60 digits
        assert sorted(s.state(at("10:45"))) == [
            ("charge", "p", "peak", third, Decimal("2.4")),
            ("increment", "p", "peak", third.copy_negate(), Decimal("-1." + "3" * 59)),
        ]
        assert s.state(at("10:45")) == []
        # 11:00: 30 and 30 minutes, 4 each: gold 4 x 0.9 = 3.6, plain 4 x 0.5 = 2.0
        lines = s.state(at("11:00"))
        gold = Decimal("1." + "3" * 59)  # 4 - 8/3 as cut
        assert sorted(lines) == [
            (
                "increment",
                "p",
                "peak",
                gold.copy_negate(),
                Decimal("-0." + "6" * 58 + "7"),
            ),  # 2.0 - 2.66...67
            ("increment", "p", "peak", gold, Decimal("1.2")),  # 3.6 - 2.4
        ]
        assert s.state(at("11:30")) == []  # no reading in 11:00-12:00: no peak there


def test_a_plan_change_inside_the_open_month_shares_its_peak_at_every_statement() -> None:
    for restore in (False, True):
        peak = [rk.Meter("peak", "u", rk.Max())]
        gauges = rk.Plan("gauges", "EUR", MONTHLY, [rk.PriceEntry("pk", "peak", rk.PerUnit("0.3"))])
        pro = rk.Plan("pro", "EUR", MONTHLY, [rk.PriceEntry("pk", "peak", rk.PerUnit("0.25"))])
        s = Stream((rk.Assignment("b", gauges),), peak, "2026-01-01T00:00:00Z", MONTHLY, restore=restore)  # fmt: skip
        s.feed(rk.Sample("b", "vm", "peak", "2026-01-01T00:00:00Z", 10, kind="gauge", id="p1"))
        assert s.state("2026-01-10T00:00:00Z") == [
            ("charge", "gauges", "peak", Decimal(10), Decimal("3.0"))
        ]
        s.assign(rk.Assignment("b", pro, start="2026-01-16T00:00:00Z"))
        s.feed(rk.Sample("b", "vm", "peak", "2026-01-20T00:00:00Z", 4, kind="gauge", id="p2"))
        # 20 Jan: 19 days known, 15 under gauges, 4 under pro: 10 x 4/19 = 2.105263... moves
        # (40/19 cut at the peak's 60th digit, 1E-58); gauges keeps 150/19, x 0.3 = 45/19,
        # rounded once at its 60th digit 2.36...842: 0.63...158 less than 3.0; pro 0.25 x
        # 40/19 = 10/19, rounded once 0.52...316 (its exact share, not the share as cut)
        moved = Decimal("2.1052631578947368421052631578947368421052631578947368421053")
        gauges_less = Decimal("-0.63157894736842105263157894736842105263157894736842105263158")
        pro_charge = Decimal("0.526315789473684210526315789473684210526315789473684210526316")
        assert s.state("2026-01-20T00:00:00Z") == [
            ("increment", "gauges", "peak", moved.copy_negate(), gauges_less),
            ("charge", "pro", "peak", moved, pro_charge),
        ]
        s.state("2026-01-25T00:00:00Z")
        s.state("2026-02-01T00:00:00Z")
        # the month: the peak stays 10 (4 is lower); gauges 10 x 15/31 = 150/31, x 0.3 =
        # 45/31; pro 10 x 16/31 = 160/31, x 0.25 = 40/31
        sums = streams.line_sums(s.lines)
        assert sorted((k[4], ratio(q), ratio(a)) for k, (q, a) in sums.items()) == [
            ("gauges", (Decimal(150) / 31).quantize(NEAR), (Decimal(45) / 31).quantize(NEAR)),
            ("pro", (Decimal(160) / 31).quantize(NEAR), (Decimal(40) / 31).quantize(NEAR)),
        ]
        assert s.state("2026-02-01T00:00:00Z") == []


def test_an_allowance_of_a_peak_is_the_cycles_so_far_and_its_minimum_is_prorated() -> None:
    # The allowance of a meter that does not add up is prorated to the plan's share of the
    # cycle so far, as the peak is the cycle's so far (docs/usage.md): the whole hour's 3
    # free at every watermark; the minimum, as ever, to the watermark.
    for restore in (False, True):
        peak = [rk.Meter("peak", "u", rk.Max())]
        plan = rk.Plan(
            "m", "EUR", HOURLY, [rk.PriceEntry("pk", "peak", rk.PerUnit("0.3"))],
            allowances=[rk.Allowance("peak", 3)], minimums=[rk.Minimum("1.5", meter="peak")],
        )  # fmt: skip
        s = Stream(plan, peak, at("10:00"), HOURLY, restore=restore)
        s.feed(rk.Sample("a", "vm", "peak", at("10:00"), 4, kind="gauge", id="q1"))
        # 10:30: 3 free; (4 - 3) x 0.3 = 0.3, under the minimum 1.5 x 30/60 = 0.75: a
        # top-up of 0.45 for the half hour (its quantity, the share 0.5)
        assert s.state(at("10:30")) == [
            ("charge", "m", "peak", Decimal("0.5"), Decimal("0.45")),
            ("charge", "m", "peak", Decimal(4), Decimal("0.3")),
        ]
        s.feed(rk.Sample("a", "vm", "peak", at("10:40"), 9, kind="gauge", id="q2"))
        # 10:45: 3 free; (9 - 3) x 0.3 = 1.8 (+5, +1.5), over the minimum 1.5 x 45/60 =
        # 1.125: the top-up goes
        assert s.state(at("10:45")) == [
            ("reversal", "m", "peak", Decimal("-0.5"), Decimal("-0.45")),
            ("increment", "m", "peak", Decimal(5), Decimal("1.5")),
        ]
        # 11:00: 3 free, 1.8 over the minimum 1.5: nothing moves (it was -0.225 when the
        # allowance so far was 3 x 45/60 at 10:45)
        assert s.state(at("11:00")) == []
        assert s.state(at("11:00")) == []


def test_a_mean_s_level_goes_on_into_hours_after_its_own_compacted_and_a_stop_changes_nothing() -> (
    None
):
    for kind in ("stop", "delete"):
        for restore in (False, True):
            meters = [
                rk.Meter("mean", "u", rk.TimeWeightedMean()),
                rk.Meter("meanp", "u", rk.TimeWeightedMean(over="period")),
                rk.Meter("last", "u", rk.Latest()),
            ]
            entries = [rk.PriceEntry(m.name, m.name, rk.PerUnit("0.5")) for m in meters]
            plan = rk.Plan("p", "EUR", HOURLY, entries)
            hour = dt.timedelta(hours=1)  # the hours before the last are compacted
            s = Stream(plan, meters, at("10:00"), HOURLY, restore=restore, horizon=hour)
            s.feed(*[
                rk.Sample("a", "vm", m.name, at("10:10"), 6, kind="gauge", id=f"s{m.name}")
                for m in meters
            ])  # fmt: skip
            six = [
                ("charge", "p", "mean", Decimal(6), Decimal("3.0")),
                ("charge", "p", "meanp", Decimal(6), Decimal("3.0")),
            ]
            # 10:30: 6 known from 10:10: latest 6, mean 6 (x 0.5 = 3.0); over the period
            # 10:00-10:30, 6 x 20/30 = 4 (2.0)
            assert s.state(at("10:30")) == [
                ("charge", "p", "last", Decimal(6), Decimal("3.0")),
                *six[:1],
                ("charge", "p", "meanp", Decimal(4), Decimal("2.0")),
            ]
            # 11:00: over the hour, 6 x 50/60 = 5: +1, +0.5
            assert s.state(at("11:00")) == [("increment", "p", "meanp", Decimal(1), Decimal("0.5"))]  # fmt: skip
            # the level is held on into each hour after (no reading there: no latest)
            assert s.state(at("12:00")) == six
            assert s.state(at("13:00")) == six
            # a stop or delete without a reading: a sample's level is no part of the
            # resource's running (docs/usage.md, gauges), so 13:00-13:30 means 6 still
            s.feed(rk.Event("a", "vm", at("13:20"), None, kind=kind, id="e1"))
            assert s.state(at("13:30")) == six
            s.feed(rk.Event("a", "vm", at("13:40"), None, kind="start", id="e2"))
            assert s.state(at("14:00")) == []
            assert s.state(at("15:30")) == six + six  # 14:00-15:00 and 15:00-15:30
