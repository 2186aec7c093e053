"""Prices' bases: the amount at zero of a non-linear price, due every cycle, usage or not.

The part of rating's charges due per cycle (`ratekit._dues`) that comes from prices
rather than from the plan's own terms: the base of a non-linear price (a `Flat`, a
first tier's flat fee) is charged on its own (``kind="fee"``), to every account a plan
covers, by the share of the cycle each price regime covers (the account-wide entries),
or once per group that usage opened under another entry, and counted toward the plan's
minimums. `_Bases` is mixed into the rating engine, which provides the state it
declares.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from ._decimals import CONTEXT, ONE, ZERO
from ._decimals import tidy as _tidy
from ._dues import Spent, _cycle_span, _prorate, spend
from ._instants import format_us
from ._price_model import priced
from ._rating_coverage import _Covered
from ._shown import show
from ._standing import Spend
from .charges import Charge, _new_charge
from .errors import BadQuantityError
from .pricebook import Plan, PriceEntry
from .spans import Span
from .usage import UsageRow

_ADD = CONTEXT.add


class _Opener(Protocol):
    """The first piece of a non-linear group (what its base is charged from)."""

    row: UsageRow
    plan: Plan
    cycle: tuple[int, int]
    entry: PriceEntry


class _RegimesLike(Protocol):
    bounds: list[int]

    def base_entry(self, index: int) -> PriceEntry | None: ...


class _Bases(_Covered):
    """The bases of prices, for the rating engine that provides this state."""

    start_us: int
    end_us: int
    cycle_spans: dict[tuple[int, int], Span]
    openers: dict[tuple[object, ...], _Opener]
    based: dict[int, list[str]]
    bases_at_zero: dict[int, bool]  # by id of an entry: whether it may charge a base
    exact_bases: dict[int, Fraction]  # by id of a base charge: its amount, exactly
    spends: list[Spend] | None  # what the rating counts, per charge (None: not kept)

    def regimes_of(self, plan: Plan, meter_name: str) -> _RegimesLike:
        raise NotImplementedError  # pragma: no cover - provided by the engine

    def bases(self, accounts: Iterable[str]) -> list[tuple[Plan, Charge]]:
        """The bases (amounts at zero) of non-linear prices, due usage or not.

        For every covered account, plan part and cycle: the account-wide entry of each
        meter (no selector, no ``group_by``) is due in every price regime of the part, by
        the share of the cycle that regime covers. A group that usage opened under any
        other entry (a selector, a ``group_by``) owes its entry's base once, by the share
        of the cycle the plan covers in the span.
        """
        out: list[tuple[Plan, Charge]] = []
        based: set[tuple[str, int, int, str]] = set()
        for account in sorted(set(accounts)):
            for a, b, plan in self.plans_of(account):
                lo, hi = max(a, self.start_us), min(b, self.end_us)
                meters = self.based_meters(plan)
                if hi <= lo or not meters:
                    continue
                edges = [lo, *plan.cycle.boundaries_us(lo, hi), hi]
                for p_lo, p_hi in itertools.pairwise(edges):
                    cycle = plan.cycle.containing_us(p_lo)
                    for meter_name in meters:
                        based.add((account, id(plan), cycle[0], meter_name))
                        out.extend(
                            (plan, charge)
                            for charge in self.account_bases(
                                account, plan, meter_name, cycle, p_lo, p_hi
                            )
                        )
        for key, piece in self.openers.items():
            entry = piece.entry
            account = piece.row.account
            if entry.group_by is None and (account, id(piece.plan), key[2], key[3]) in based:
                continue
            covered = self.coverage(account, piece.plan, piece.cycle)
            if not covered:
                # a plan out of force over the span, charged there for units a correction
                # takes back or usage fills back: no share of the cycle, so no base
                continue
            charge = self.base(
                account,
                piece.plan,
                entry,
                piece.row.resource if entry.group_by == "resource" else None,
                Span.from_us(covered[0][0], covered[-1][1]),
                piece.cycle,
                self.share(account, piece.plan, piece.cycle),
            )
            if charge is not None:
                out.append((piece.plan, charge))
        return out

    def account_bases(  # noqa: PLR0917 - private plumbing of plain values
        self, account: str, plan: Plan, meter_name: str, cycle: tuple[int, int], lo: int, hi: int
    ) -> list[Charge]:
        """The bases of the account-wide entries of ``meter_name`` over ``[lo, hi)``."""
        regimes = self.regimes_of(plan, meter_name)
        bounds = regimes.bounds
        shares: dict[int, tuple[PriceEntry, Fraction, Decimal | None, int, int]] = {}
        index = max(bisect.bisect_right(bounds, lo) - 1, 0)
        while index < len(bounds) - 1 and bounds[index] < hi:
            r_lo, r_hi = max(bounds[index], lo), min(bounds[index + 1], hi)
            entry = regimes.base_entry(index)
            if entry is not None and r_lo < r_hi and self.has_base(entry, plan):
                share = Fraction(*self.part_share(account, plan, cycle, r_lo, r_hi))
                quantity = self.part_quantity(account, plan, cycle, r_lo, r_hi)
                known = shares.get(id(entry))
                if known is not None:
                    share += known[1]
                    if quantity is not None and known[2] is not None:
                        quantity = _ADD(quantity, known[2])
                    r_lo = known[3]
                shares[id(entry)] = (entry, share, quantity, r_lo, r_hi)
            index += 1
        out = []
        for entry, share, quantity, s_lo, s_hi in shares.values():
            span = Span.from_us(s_lo, s_hi)
            ratio = (share.numerator, share.denominator)
            charge = self.base(account, plan, entry, None, span, cycle, ratio, quantity=quantity)
            if charge is not None:
                out.append(charge)
        return out

    def has_base(self, entry: PriceEntry, plan: Plan) -> bool:
        """Whether ``entry``'s price at 0 is not 0, or fails (`base` says why). Cached."""
        known = self.bases_at_zero.get(id(entry))
        if known is None:
            what = f"price entry {show(entry.id)} of plan {show(plan.id)}"
            try:
                known = bool(priced(entry.price, "amount", (ZERO,), what))
            except BadQuantityError:
                known = True
            self.bases_at_zero[id(entry)] = known
        return known

    def based_meters(self, plan: Plan) -> list[str]:
        """The meters of ``plan`` with an account-wide non-linear entry (cached)."""
        known = self.based.get(id(plan))
        if known is None:
            known = self.based[id(plan)] = sorted(
                {
                    entry.meter
                    for entry in plan.entries
                    if not entry.where and entry.group_by is None and not entry.price.linear
                }
            )
        return known

    def base(  # noqa: PLR0917 - private plumbing of plain values
        self,
        account: str,
        plan: Plan,
        entry: PriceEntry,
        resource: str | None,
        span: Span,
        cycle: tuple[int, int],
        share: tuple[int, int],
        *,
        quantity: Decimal | None = None,
    ) -> Charge | None:
        """The base of ``entry`` for ``account`` in ``cycle``, prorated by ``share``.

        ``quantity``: the share as the charge's quantity, where it is not ``share``
        rounded on its own (`part_quantity`).
        """
        cycle_span = _cycle_span(self.cycle_spans, cycle)
        try:
            at_zero = priced(
                entry.price,
                "amount",
                (ZERO,),
                f"price entry {show(entry.id)} of plan {show(plan.id)}",
            )
        except BadQuantityError as error:
            raise BadQuantityError(
                f"price entry {show(entry.id)} of plan {show(plan.id)} cannot price the quantity 0 "
                f"of meter {show(entry.meter)} for account {show(account)} in the cycle "
                f"{format_us(cycle[0])}..{format_us(cycle[1])}: {error}"
            ) from error
        if not at_zero:
            return None
        at_zero = _tidy(at_zero)  # a base as the plan says it: 0.5, not 0.0713 * 0 + 0.5 = 0.5000
        charge = _new_charge(
            account,
            entry.meter,
            resource,
            span,
            cycle_span,
            _prorate(ONE, share) if quantity is None else quantity,
            "cycle",
            _prorate(at_zero, share),
            plan.currency,
            plan.id,
            entry.id,
            at_zero,
            kind="fee",
            price=entry.price,
            quantum=plan.quantum,
            rounding=plan.rounding,
        )
        exact = Fraction(at_zero) * share[0] / share[1]
        if exact != charge.amount:  # the proration rounded at the 60th digit
            self.exact_bases[id(charge)] = exact
        return charge

    def spend_bases(
        self, out: list[Charge], accounts: Iterable[str], spent: dict[tuple[str, int, int], Spent]
    ) -> None:
        """Add the bases of prices to ``out``, each counted toward its plan's minimums."""
        spends = self.spends
        for plan, base in self.bases(accounts):
            out.append(base)
            if plan.minimums:
                exact = self.exact_bases.get(id(base)) or Fraction(base.amount)
                key = (base.account, id(plan), base.cycle.start_us)
                spend(spent, key, base.meter, base.amount, exact)
                if spends is not None:
                    spends.append((0, key, base.meter, base.amount, exact))
