"""Rating's engine: pieces of usage rows, priced, and the charges they make.

Private to `ratekit.rating`, whose [`rate()`][ratekit.rate] is its public door (and the
streaming rater's, through `ratekit._rater_engine`). The steps it carries out are
described there: pieces cut by plan, cycle and price regime (`_Engine.pieces`),
allowances (`_Allowances`), prices linear or by group total (`_Pricing.price`), then
bases, fees and minimums per account and cycle (`_Engine.charges`, `_Bases`, `_Dues`).
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Container, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from ._allowance_pools import Ledger
from ._allowances import Drawn, Period, Taken, _Allowances, crosses, own_cycles
from ._bases import _Bases
from ._charge_order import _charge_key, _row_key, in_charge_order
from ._cuts import AccountCuts, AccountCycles, account_cycles, by_account
from ._cycle_shares import CycleShares
from ._decimals import CONTEXT, ONE, ZERO
from ._dues import Spent, _cycle_span, _Dues, _spend_owned, _split
from ._minimum_pieces import Positions
from ._pieces import Exact, GroupKey, Place, _exact_billable, _Piece
from ._price_model import priced
from ._pricing import _Pricing
from ._rating_corrections import _Corrections, reprices
from ._rating_coverage import _Coverage
from ._rating_uncut import check_plan_cuts, check_price_cuts
from ._rating_unpriced import _Unpriced
from ._regimes import _Regimes
from ._standing import Key, Spend, Table, floors, merge
from ._taken_back import Nets
from ._topups import on_latest_plan
from .assignments import Assignment, _assignments_by_account, read_plans
from .charges import Charge, _new_charge
from .pricebook import Plan, PriceEntry
from .prices import PerUnit, PriceModel
from .records import Anomaly
from .sharing import Share
from .spans import Span
from .usage import UsageRow

__all__ = ["_Engine", "_charge_key", "_row_key"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply
_NONE_YET: typing.Final = object()  # no description looked up yet (rows may have None)

# -- the rating engine ---------------------------------------------------------------------


def plans_in(assignments: dict[str, list[tuple[int, int, Plan]]]) -> list[Plan]:
    """The distinct plans of ``assignments`` (`_assignments_by_account`), in first-use order.

    The first one's cycle meters an account no plan covers (`ratekit._cuts`). O(n).
    """
    seen: dict[int, Plan] = {}
    for items in assignments.values():
        for _, _, plan in items:
            seen.setdefault(id(plan), plan)
    return list(seen.values())


class _Engine(_Coverage, _Pricing, _Dues, _Bases, _Allowances, _Unpriced, _Corrections):
    def __init__(
        self,
        plans: Plan | Iterable[Assignment],
        span: Span,
        every: list[Plan] | None = None,
    ) -> None:
        """``every``: the plans of all the assignments when ``plans`` are some of them.

        A part of `ratekit.scaleout` rates its accounts' assignments but checks with
        every plan, in the order one process has them (each account is metered by its
        own first plan's cycle, `ratekit._cuts.account_cycles`), each plan as ``every``
        gives it (an equal plan of the part's assignments is that one).
        """
        self.start_us = span.start_us
        self.end_us = span.end_us
        plans = read_plans(plans, "rate")
        if isinstance(plans, Plan):
            self.default: Plan | None = plans
            self.assignments: dict[str, list[tuple[int, int, Plan]]] = {}
            self.plans = [plans]
        else:
            self.default = None
            self.assignments = _assignments_by_account(plans)
            if every is None:
                self.plans = plans_in(self.assignments)
            else:  # each plan as ``every`` gives it: equal plans are one plan
                self.plans = every
                by_id = {plan.id: plan for plan in every}
                self.assignments = {
                    account: [(lo, hi, by_id.get(plan.id, plan)) for lo, hi, plan in items]
                    for account, items in self.assignments.items()
                }
        self.regimes: dict[tuple[int, str], _Regimes] = {}
        self.cycle_spans: dict[tuple[int, int], Span] = {}
        # per account and period: the shares its plans are due for (see part_share)
        self.period_shares: dict[tuple[str, int, int], CycleShares] = {}
        self.anomalies: list[Anomaly] = []
        self.direct: list[Charge] = []  # charges of linear pieces priced on the spot
        # the meters with a correction (a row below zero) among the rows rated, once asked
        self.corrected: set[str] | None = None
        self.owned: dict[tuple[str, str], list[Share]] = {}  # shares, for minimums
        # the first piece of each non-linear group, by group key
        self.openers = {}
        self.factors: dict[tuple[int, str], object] = {}  # meter unit to price unit, per entry
        # per plan, the meters with an account-wide base; per entry, whether its price at 0
        # is not 0 (`_Bases.has_base`)
        self.based, self.bases_at_zero = {}, {}
        self.exact_bases: dict[int, Fraction] = {}  # bases rounded when prorated, exactly
        # what usage before a base (the rater's compacted cycles) consumed of allowances
        # with their own period, carried
        self.used_before: dict[tuple[str, int, str, tuple[int, int]], Fraction] = {}
        # what usage before the span left of those allowances' pools (see consume_before)
        self.left: dict[tuple[str, int, int, tuple[int, int]], Fraction] = {}
        self.billed_before: dict[tuple[object, ...], Ledger] = {}
        # the streaming rater's reuse of what allowances gave (see `_Allowances.allow`)
        self.drawn: Drawn = {}
        self.taken: Taken | None = None
        # Under a single plan: from when each account the input names is covered (the
        # start of the cycle of its first row or record); a named account, from always.
        self.since: dict[str, int] = {}
        # The state of pricing by group total (see _Pricing).
        self.carry: dict[GroupKey, tuple[Place, Exact]] = {}
        self.groups: dict[GroupKey, list[_Piece]] = {}
        self.ends: dict[GroupKey, Exact] = {}  # per group, the exact quantity after its pieces
        # The meters whose quantity does not add up over pieces (a peak: _SharePricing.price_shares).
        self.peaks: frozenset[str] = frozenset()
        # The parts of a peak's rows in the span that no non-linear price prices (a linear
        # price's, or no plan's or entry's): part of the aggregate all the same.
        self.outside: list[tuple[UsageRow, Fraction]] = []
        # The meters whose rows, given metered, a price cut or an assignment boundary may
        # not split by time: their quantity is a sum of samples (see refuse_split).
        self.sums: frozenset[str] = frozenset()
        # per group of a cycle the span starts inside: the quantity its usage before the
        # span reached (see place_before), where the span's pieces are priced on from
        self.placed: dict[GroupKey, Exact] = {}
        # per account, meter and cycle, each plan's net usage so far (see _taken_back)
        self.nets: Nets = {}
        self.shared: dict[tuple[int, str], bool] = {}  # see _SharePricing.by_shares
        # The streaming rater's reuse under a minimum (`ratekit._standing`): the spend of
        # the charges that stand (None: rating's own), their charges (for `floors`), the
        # keys whose sum is unsure, and what this rating counts (None: not kept).
        self.standing: Table | None = None
        self.standing_charges: Sequence[Charge] = ()
        self.unsure: set[Key] = set()
        self.spends: list[Spend] | None = None
        # a span that starts inside a cycle: the minimums' positions at its start (see
        # `ratekit._minimum_pieces.telescoped`; where a rating of the time before records them:
        # `positions`)
        self.opening: Positions = {}
        # usage that no plan or entry prices is not this rating's to report (place_before)
        self.quiet = False
        # the resources whose unpriced usage is not this rating's to report either: the
        # streaming rater's, which a record fed ahead of its watermark may take away
        self.withheld: Container[tuple[str, str]] = frozenset()

    # -- plans and regimes ---------------------------------------------------------------

    def regimes_of(self, plan: Plan, meter_name: str) -> _Regimes:
        key = (id(plan), meter_name)
        regimes = self.regimes.get(key)
        if regimes is None:
            regimes = self.regimes[key] = _Regimes(plan, meter_name, self.start_us, self.end_us)
        return regimes

    def cuts(self, meters: Iterable[str], span: tuple[int, int] | None = None) -> AccountCuts:
        """Per account, per meter, where its own plan, cycle, price or allowance period changes.

        Inside the rated span, or ``span`` (lo, hi) when given (see `ratekit._cuts`).
        """
        lo, hi = (self.start_us, self.end_us) if span is None else span
        return by_account(
            self.default, self.assignments, self.plans, meters, lo=lo, hi=hi, since=self.start_us
        )

    def cycles(self) -> AccountCycles:
        """Per account, the cycle its rows are metered by: its own first plan's (`ratekit._cuts`)."""
        return account_cycles(self.default, self.assignments, self.plans, self.start_us)

    # -- step 1 and 2: pieces --------------------------------------------------------------

    def pieces(self, rows: Sequence[UsageRow]) -> list[_Piece]:  # noqa: PLR0912, PLR0915 - one pass of the hot loop
        lo, hi = self.start_us, self.end_us
        out: list[_Piece] = []
        append = out.append
        order = 0
        default = self.default
        direct = self.direct
        peaks = self.peaks
        # Per meter: its regimes, whether an allowance takes from it, its own cycles, and
        # per regime and description the winning entry with its rate when the entry
        # prices its rows on the spot (a PerUnit in the row's unit, no allowance), else None.
        fast: dict[
            str,
            tuple[
                _Regimes,
                bool,
                list[Period],
                dict[tuple[int, int], tuple[PriceEntry, Decimal | None] | None],
            ],
        ] = {}
        cycle_lo = cycle_hi = 0
        cycle: tuple[int, int] = (0, 0)
        cycle_span = Span.from_us(0, 0)
        # What the row before looked up, kept while rows come in runs (a resource's rows
        # of one meter, in time order): its meter (by identity) and what the meter's
        # rows share; its regime (index, from regime_lo to regime_hi); its description
        # (by identity) and the winner found for it in that regime.
        meter: str | None = None
        regimes = typing.cast("_Regimes", None)  # (read with the first meter)
        allowed = False
        owns: list[Period] = []
        winners: dict[tuple[int, int], tuple[PriceEntry, Decimal | None] | None] = {}
        bounds: list[int] = []
        index = regime_lo = regime_hi = 0
        description: object = _NONE_YET
        found: tuple[PriceEntry, Decimal | None] | None = None
        if default is not None:
            currency, plan_id = default.currency, default.id
            quantum, rounding = default.quantum, default.rounding
        for row in rows:
            span = row.span
            start, end = span.start_us, span.end_us
            if default is not None and lo <= start < end <= hi:
                # The common case: one plan, and the row inside one regime and one cycle.
                if row.meter is not meter:
                    meter = row.meter
                    known = fast.get(meter)
                    if known is None:
                        allowed = any(a.meter == meter for a in default.allowances)
                        if not allowed and reprices(default, meter):
                            # a correction after a price change takes back units at the
                            # price they were billed at (`_taken_back`): none on the spot
                            allowed = meter in self.corrections(rows)
                        owns = own_cycles(default, meter)
                        regimes = self.regimes_of(default, meter)
                        known = fast[meter] = (regimes, allowed, owns, {})
                    regimes, allowed, owns, winners = known
                    bounds = regimes.bounds
                    regime_lo = regime_hi = 0
                if not regime_lo <= start < regime_hi:
                    index = bisect.bisect_right(bounds, start)  # at least 1: lo is bounds[0]
                    regime_lo, regime_hi = bounds[index - 1], bounds[index]
                    description = _NONE_YET
                if end <= regime_hi and not (owns and crosses(owns, start, end)):
                    if not cycle_lo <= start < end <= cycle_hi:
                        cycle = default.cycle.containing_us(start)
                        cycle_lo, cycle_hi = cycle
                        cycle_span = _cycle_span(self.cycle_spans, cycle)
                    if end <= cycle_hi:
                        # Rows share their descriptions (metering shares equal ones), and
                        # the rows keep them alive: the winner is cached by identity.
                        if row.description is not description:
                            description = row.description
                            try:
                                found = winners[index, id(description)]
                            except KeyError:
                                won = regimes.winner_in(index - 1, row.description)
                                found = winners[index, id(description)] = (
                                    None if won is None else (won, _on_the_spot(won, allowed))
                                )
                        if found is not None:
                            entry, rate = found
                            # (a peak's pieces at a per-unit price are priced together,
                            # by `_peak_amounts.price_in_turn`: never on the spot)
                            if rate is not None and not (peaks and row.meter in peaks):
                                # Priced on the spot: no allowance, no aggregation.
                                quantity = row.quantity
                                amount = _MUL(rate, quantity)
                                direct.append(
                                    _new_charge(
                                        row.account,
                                        row.meter,
                                        row.resource,
                                        span,
                                        cycle_span,
                                        quantity,
                                        row.unit,
                                        amount,
                                        currency,
                                        plan_id,
                                        entry.id,
                                        rate,
                                        ZERO,
                                        "usage",
                                        row,
                                        entry.price,
                                        None,
                                        False,
                                        quantum,
                                        rounding,
                                    )
                                )
                                continue
                            shared = bool(peaks) and row.meter in peaks
                            append(
                                _Piece(
                                    row, span, row.quantity, default, cycle, entry, order, shared
                                )
                            )
                            order += 1
                            continue
            for part in self.clip(row):
                order = self.price_part(row, part, out, order)
        return out

    def aside(self, row: UsageRow, quantity: Decimal) -> None:
        """Keep a part of a peak's row no non-linear price prices: it is in the aggregate."""
        if row.meter in self.peaks:
            self.outside.append((row, Fraction(quantity)))

    def clip(self, row: UsageRow) -> list[tuple[int, int, Decimal]]:
        """The part of a row inside the rated span (split in proportion to time)."""
        lo, hi = self.start_us, self.end_us
        start, end = row.span.start_us, row.span.end_us
        if start == end:
            return [(start, end, row.quantity)] if lo <= start < hi else []
        if end <= lo or start >= hi:
            return []
        if start < lo or end > hi:
            cuts = [t for t in (lo, hi) if start < t < end]
            share = row.meter in self.peaks
            return [p for p in _split(row.quantity, start, end, cuts, share) if lo <= p[0] < hi]
        return [(start, end, row.quantity)]

    def price_part(
        self, row: UsageRow, part: tuple[int, int, Decimal], out: list[_Piece], order: int
    ) -> int:
        start, end, quantity = part
        segments = self.plans_of(row.account)
        index = bisect.bisect_right(segments, start, key=lambda item: item[1]) if segments else 0
        if (
            index < len(segments)
            and segments[index][0] <= start
            and (end <= segments[index][1] or start == end)
        ):
            sub = [(start, end, quantity, segments[index][2])]
        else:
            # Cut where an assignment starts or ends: each part under its plan, or none.
            cut_list = sorted({t for a, b, _ in segments for t in (a, b) if start < t < end})
            if row.meter in self.sums:
                check_plan_cuts(row, segments, cut_list)
            sub = []
            share = row.meter in self.peaks
            for p_start, p_end, p_quantity in _split(quantity, start, end, cut_list, share):
                found = [seg for seg in segments if seg[0] <= p_start < seg[1]]
                if not found:
                    self.aside(row, p_quantity)
                    self.no_plan(row, p_start, p_end, p_quantity)
                    continue
                sub.append((p_start, p_end, p_quantity, found[0][2]))
        for p_start, p_end, p_quantity, p_plan in sub:
            regimes = self.regimes_of(p_plan, row.meter)
            cycle = p_plan.cycle.containing_us(p_start)
            cuts = _cuts(p_plan, regimes, row.meter, cycle, (p_start, p_end))
            if cuts:
                pieces = _split(p_quantity, p_start, p_end, cuts, row.meter in self.peaks)
            else:
                pieces = [(p_start, p_end, p_quantity)]
            if row.meter in self.sums and len(pieces) > 1:
                check_price_cuts(row, p_plan, regimes, pieces)
            for q_start, q_end, q_quantity in pieces:
                entry = regimes.winner(q_start, row.description)
                if q_start >= cycle[1]:
                    cycle = p_plan.cycle.containing_us(q_start)
                if entry is None:
                    self.aside(row, q_quantity)
                    self.unpriced(row, p_plan, q_start, q_end, q_quantity)
                    continue
                span = (
                    row.span
                    if q_start == row.span.start_us and q_end == row.span.end_us
                    else Span.from_us(q_start, q_end)
                )
                shared = row.meter in self.peaks
                out.append(_Piece(row, span, q_quantity, p_plan, cycle, entry, order, shared))
                order += 1
        return order

    # -- step 3 and 4: allowances and amounts ----------------------------------------------

    def cycle_starts(self, meters: Iterable[str]) -> dict[str, int]:
        """Per meter some entry prices by group total, the start of the span's first cycle.

        Only when that cycle starts before the span (see `place_before`). A linear price's
        meter too where the price may change before the span in that cycle (a change of
        plan, of price within a plan): a correction in the span takes back the units
        billed before it at their price (`_taken_back`), so they must be known.
        """
        lo = self.start_us
        out: dict[str, int] = {}
        wanted = set(meters)
        several = len(self.plans) > 1
        for plan in self.plans:
            since = plan.cycle.containing_us(lo)[0]
            if since < lo:
                for entry in plan.entries:
                    if entry.meter in wanted and (
                        not entry.price.linear or several or reprices(plan, entry.meter)
                    ):
                        out[entry.meter] = min(out.get(entry.meter, since), since)
        return out

    def place_before(self, rows: Iterable[UsageRow]) -> None:
        """Let the usage of ``rows`` before the span, in the cycle the span starts in, place it.

        A span that starts inside a cycle (a month rated in pieces) prices each group by
        its total from where the cycle's usage before the span left it: those rows are
        rated as rating ``[cycle start, span start)`` would (pieces, allowances, running
        quantities) and each group's pieces in the span are priced on from the quantity
        they reach (``placed``), so the pieces of a cycle add up to the cycle rated whole.
        A group that usage before the span opened owes its base in the span too. Nothing
        is charged for them. O(n log n) for n rows before the span.
        """
        lo = self.start_us
        since = min((plan.cycle.containing_us(lo)[0] for plan in self.plans), default=lo)
        if since >= lo:
            return
        rows = list(rows)
        earlier = [
            row
            for row in rows
            if since <= row.span.start_us < lo or row.span.start_us < since < row.span.end_us
        ]
        if not earlier:
            return
        before = _Engine(self.default if self.default is not None else [], Span.from_us(since, lo))
        before.assignments, before.plans = self.assignments, self.plans
        before.since, before.used_before, before.quiet = self.since, self.used_before, True
        before.samples = self.samples
        before.corrected = self.corrections(rows)
        before.consume_before(rows)  # own periods may start before the cycle: all rows
        pieces = before.taken_back(before.pieces(earlier))
        self.nets = before.nets
        before.allow(pieces)
        before.price(pieces)
        for group, members in before.groups.items():
            opener = members[0]
            if opener.cycle[1] > lo:  # the cycle the span starts in
                self.placed[group] = before.ends[group]
                if self.coverage(opener.row.account, opener.plan, opener.cycle):
                    self.openers.setdefault(group, opener)

    # -- step 5: charges, fees, minimums ---------------------------------------------------

    def charges(self, pieces: list[_Piece], accounts: Iterable[str]) -> list[Charge]:
        out: list[Charge] = [*self.direct]  # (``direct`` stays those priced on the spot)
        unit_prices: dict[int, Decimal | None] = {}
        cycle_spans = self.cycle_spans
        spent: dict[tuple[str, int, int], Spent] = {}
        owned = self.owned
        spends = self.spends
        if self.default is not None and self.default.minimums:
            self.spend_on_the_spot(out, spent)
        entry: PriceEntry | None = None
        price = typing.cast("PriceModel", None)  # (read with the first entry)
        unit_price: Decimal | None = None
        # the cycle of the piece before, by identity (`pieces` gives one tuple to the
        # pieces of a run of rows in one cycle), and its span: looked up once per run
        cycle: tuple[int, int] | None = None
        cycle_span = typing.cast("Span", None)  # (read with the first piece)
        for piece in pieces:
            if piece.cycle is not cycle:
                cycle = piece.cycle
                cycle_span = _cycle_span(cycle_spans, cycle)
            if piece.entry is not entry:  # a run of pieces of one entry: its price once
                entry = piece.entry
                price = entry.price
                known = unit_prices.get(id(entry), ZERO)  # (an entry's pieces may alternate)
                unit_price = (
                    unit_prices.setdefault(id(entry), _unit_price(entry, piece.plan))
                    if known is ZERO
                    else known
                )
            row = piece.row
            plan = piece.plan
            out.append(
                _new_charge(
                    row.account,
                    row.meter,
                    row.resource,
                    piece.span,
                    cycle_span,
                    piece.quantity,
                    piece.unit,
                    piece.amount,
                    plan.currency,
                    plan.id,
                    entry.id,
                    unit_price,
                    piece.free,
                    "usage",
                    row,
                    price,
                    piece.position,
                    piece.opens,
                    plan.quantum,
                    plan.rounding,
                    piece.whole,
                    piece.after,
                )
            )
            if plan.minimums:
                key = (row.account, id(plan), piece.cycle[0])
                exact = _spent(piece)
                counted = _spend_owned(spent, owned, key, (row, piece.span), piece.amount, exact)
                if spends is not None:
                    spends.append((id(row), key, row.meter, *counted))
        self.spend_bases(out, accounts, spent)
        if self.standing is not None:  # with the spend of the charges that stand
            self.unsure = merge(spent, self.standing, spends or ())
        out.extend(self.fees_and_minimums(accounts, spent))
        out = in_charge_order(out)
        if self.default is None:  # a plan change in a cycle: its latest plan's rounding
            out = on_latest_plan(out, self.plans_of)
        # A commitment the exact spend reached is still due where the lines as billed
        # fall short of it: its zero top-up stays then (bill() settles it), else it goes.
        # Without a minimum there is no top-up to weigh (nor every charge to read for one).
        if not any(plan.minimums for plan in self.plans):
            return out
        return floors(out, owned, self.standing_charges)


def _cuts(
    plan: Plan, regimes: _Regimes, meter_name: str, cycle: tuple[int, int], part: tuple[int, int]
) -> list[int]:
    """Where ``part`` of a row under ``plan`` is cut: regimes, cycles, allowances' periods."""
    start, end = part
    cuts = set(regimes.cuts_inside(start, end))
    if end > cycle[1]:
        cuts.update(plan.cycle.boundaries_us(start, end))
    for own in own_cycles(plan, meter_name):  # each allowance per its own period
        cuts.update(own.boundaries_us(start, end))
    return sorted(cuts)


def _unit_price(entry: PriceEntry, plan: Plan) -> Decimal | None:
    """What a charge of ``entry`` (of ``plan``) says as its unit price: a linear price's, else None."""
    price = entry.price
    if not price.linear:
        return None
    if type(price) is PerUnit:
        return price.rate
    return priced(price, "amount", (ONE,), f"price entry {entry.id!r} of plan {plan.id!r}")


def _spent(piece: _Piece) -> Fraction:
    """What a priced piece spends toward a minimum, exactly: a per-unit price's exact time's."""
    price = piece.entry.price
    if piece.exact is None or type(price) is not PerUnit:
        return Fraction(piece.amount)
    return Fraction(price.rate) * Fraction(_exact_billable(piece))


def _on_the_spot(entry: PriceEntry, allowed: bool) -> Decimal | None:
    """The rate of an entry that prices each row on its own, else None.

    On its own: a [`PerUnit`][ratekit.PerUnit] in the row's unit, no allowance on its meter.
    """
    price = entry.price
    if type(price) is PerUnit and not allowed and entry.unit is None:
        return price.rate
    return None
