"""Charges due per cycle, usage or not: recurring fees, minimum top-ups, and their arithmetic.

The part of rating that owes something to every account a plan covers, every cycle: the
plan's fees and the top-ups of its minimum commitments, each prorated by the share of
the cycle the plan covers in the span rated, and the spend that counts toward those
minimums (`Spent`, `spend`). The bases of prices, due the same way, are
`ratekit._bases`. Also the exact arithmetic rating's parts share: a fraction as a
Decimal (`_exact`), a prorated amount (`_prorate`), a quantity cut in time (`_split`).
`_Dues` is mixed into the rating engine, which provides the state it declares.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from ._carried import left_by_rounding
from ._decimals import CONTEXT, ONE, ZERO, nearest
from ._decimals import tidy as _tidy
from ._minimum_pieces import Positions, settling, telescoped
from ._period_shares import cut, places
from ._rating_coverage import _Covered
from ._standing import Key, Spend, Table, Unsure, adds_up, terminates
from ._timed_charges import timed
from .charges import Charge, _new_charge
from .pricebook import Plan
from .sharing import Share, owner_part
from .spans import Span
from .terms import Minimum
from .usage import UsageRow

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply
_SPLIT_QUANTUM: Final = Decimal("1e-24")
_NOTHING: Final = (ZERO, Fraction(0))


def _total(amounts: Iterable[Decimal], extra: Fraction) -> Decimal:
    """The sum of ``amounts`` plus ``extra`` (exact top-ups), in ratekit's context."""
    total = _exact(extra) if extra else ZERO
    for amount in amounts:
        total = _ADD(total, amount)
    return total


def _exact(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal: exact when it terminates within 60 digits."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    return _tidy(CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)))


def _prorate(amount: Decimal, share: tuple[int, int]) -> Decimal:
    """``amount * numerator / denominator``: exact whenever the result is."""
    numerator, denominator = share
    if numerator == denominator:
        return amount
    return _tidy(CONTEXT.divide(_MUL(amount, numerator), denominator))


Spent: TypeAlias = dict[str | None, tuple[Decimal, Fraction]]
"""What an account spent towards a plan's minimums in a cycle, per meter: the sum of the
charges' amounts as Decimals (they keep the amounts' digits: 16.40) and exactly."""


def spend(
    spent: dict[tuple[str, int, int], Spent],
    key: tuple[str, int, int],
    meter: str | None,
    amount: Decimal,
    exact: Fraction,
) -> None:
    """Add a charge's ``amount`` (``exact``: its exact value) to the spend of ``key``.

    The exact sum decides whether a minimum is reached: a prorated base (2/86400) is
    rounded at the 60th digit as a Decimal, and the sum of such roundings must not leave
    a top-up of 1E-65 where the exact spend reaches the commitment.
    """
    per_meter = spent.setdefault(key, {})
    old = per_meter.get(meter)
    per_meter[meter] = (amount, exact) if old is None else (_ADD(old[0], amount), old[1] + exact)


def _cycle_span(cache: dict[tuple[int, int], Span], bounds: tuple[int, int]) -> Span:
    span = cache.get(bounds)
    if span is None:
        span = cache[bounds] = Span.from_us(*bounds)
    return span


def _split(
    quantity: Decimal, start_us: int, end_us: int, cuts: Sequence[int], share: bool = False
) -> list[tuple[int, int, Decimal]]:
    """Cut ``[start_us, end_us)`` at ``cuts`` (inside it, ascending), sharing ``quantity``.

    The quantity is shared in proportion to time, telescoping, so the parts add up to it
    exactly: at 1e-24, or, for a ``share`` of a non-additive meter's aggregate, at its
    60th significant digit, as metering cuts one (`ratekit._period_shares.places`), so
    that rating recovers each part's exact share (`ratekit._time_exact.exact_piece`).
    """
    duration = end_us - start_us
    out = []
    previous_t = start_us
    previous_f = ZERO
    at = places(quantity) if share else 0
    for t in (*cuts, end_us):
        if t == end_us:
            f = quantity
        elif share:
            f = cut(Fraction(quantity) * Fraction(t - start_us, duration), at)
        else:
            f = CONTEXT.divide(_MUL(quantity, t - start_us), duration).quantize(
                _SPLIT_QUANTUM, context=CONTEXT
            )
        out.append((previous_t, t, _tidy(_SUB(f, previous_f))))
        previous_t, previous_f = t, f
    return out


def _unsure(unsure: set[Key], key: Key, minimum: Minimum, spent: Spent, top_ups: Fraction) -> bool:
    """Whether the sum of amounts ``minimum`` subtracts may be other than rating's own.

    A spend kept standing is summed in another order than rating's (`ratekit._standing`):
    the same sum when no order rounds, per meter and, for a plan-wide minimum, across
    the meters (after the per-meter top-ups, `_total`).
    """
    if key in unsure:
        return True
    if minimum.meter is not None or len(spent) < 2:
        return False
    first = _exact(top_ups) if top_ups else ZERO
    return not adds_up([first, *(amount for amount, _ in spent.values())])


class _Dues(_Covered):
    """Fees and minimums, for the rating engine that provides this state."""

    start_us: int
    end_us: int
    cycle_spans: dict[tuple[int, int], Span]
    # the streaming rater's spend of the charges that stand, and the keys whose sum of
    # amounts is unsure (see `ratekit._standing`)
    standing: Table | None
    unsure: set[Key]
    spends: list[Spend] | None  # what the rating counts, per charge (None: not kept)
    owned: dict[tuple[str, str], list[Share]]  # shares, per (owner, resource)
    default: Plan | None
    # A span that starts inside a cycle (a cycle rated in pieces): per account, plan id and
    # cycle start, each minimum's position at the span's start (its commitment prorated
    # to then less what it counts to then, signed: `Positions`); and, for the rating of
    # the time before the span that finds those, where they are recorded (None: not kept).
    opening: Positions
    positions: Positions | None = None

    def fees_and_minimums(
        self, accounts: Iterable[str], spent: dict[tuple[str, int, int], Spent]
    ) -> list[Charge]:
        out: list[Charge] = []
        for account in sorted(set(accounts)):
            minimums_done: set[tuple[int, tuple[int, int]]] = set()
            for a, b, plan in self.plans_of(account):
                if not (plan.fees or plan.minimums):
                    continue
                lo, hi = max(a, self.start_us), min(b, self.end_us)
                if hi <= lo:
                    continue
                edges = [lo, *plan.cycle.boundaries_us(lo, hi), hi]
                for p_lo, p_hi in itertools.pairwise(edges):
                    cycle = plan.cycle.containing_us(p_lo)
                    cycle_span = _cycle_span(self.cycle_spans, cycle)
                    part = Span.from_us(p_lo, p_hi)
                    share = self.part_share(account, plan, cycle, p_lo, p_hi)
                    quantity = self.part_quantity(account, plan, cycle, p_lo, p_hi)
                    if quantity is None:
                        quantity = _prorate(ONE, share)
                    out.extend(
                        _new_charge(
                            account,
                            fee.id,
                            None,
                            part,
                            cycle_span,
                            quantity,
                            "cycle",
                            _prorate(fee.amount, share),
                            plan.currency,
                            plan.id,
                            fee.id,
                            fee.amount,
                            kind="fee",
                            quantum=plan.quantum,
                            rounding=plan.rounding,
                        )
                        for fee in plan.fees
                    )
                    if plan.minimums and (id(plan), cycle) not in minimums_done:
                        minimums_done.add((id(plan), cycle))
                        spent_here = spent.get((account, id(plan), cycle[0]), {})
                        out.extend(self.minimums(account, plan, cycle, spent_here))
            out.extend(self.minimums_charged_out_of_force(account, spent, minimums_done))
        return out

    def minimums_charged_out_of_force(
        self,
        account: str,
        spent: dict[tuple[str, int, int], Spent],
        done: set[tuple[int, tuple[int, int]]],
    ) -> list[Charge]:
        """Top-ups of plans charged in a piece of a cycle where they are not in force.

        Usage in the piece fills back what a correction before it took below zero under
        a plan that left before it (docs/pricing.md, a correction across a change of
        plan): that plan is charged for it there, and its minimums count it as in the
        cycle rated whole, over the piece, with no slice of the commitment (a give-back
        of what the time before topped up: `telescoped`). O(p k): p plan parts, k spends.
        """
        out: list[Charge] = []
        lo, hi = self.start_us, self.end_us
        for _, _, plan in self.plans_of(account):
            for (owner, plan_id, start), spent_here in spent.items():
                cycle = plan.cycle.containing_us(start)
                place = (account, plan.id, cycle[0])
                if owner == account and plan_id == id(plan) and (id(plan), cycle) not in done:
                    done.add((id(plan), cycle))
                    if self.opening and place in self.opening:
                        over = [(max(cycle[0], lo), min(cycle[1], hi))]
                        out.extend(self.minimums(account, plan, cycle, spent_here, over))
        return out

    def minimums(
        self,
        account: str,
        plan: Plan,
        cycle: tuple[int, int],
        spent: Spent,
        over: list[tuple[int, int]] | None = None,
    ) -> list[Charge]:
        """Top-ups of the minimums of ``plan`` for ``account`` in ``cycle`` (once per cycle).

        The exact top-up where the exact spend is below the commitment, else a zero one,
        which `_topups.floors` keeps only if the lines as billed fall short of it. A
        span that starts inside the cycle tops up the cycle's top-up so far at its end
        less that at its start (`telescoped`, from the positions in ``opening``).
        ``over``: where a plan out of force there is settled (`minimums_charged_out_of_force`).
        """
        covered = over or self.coverage(account, plan, cycle)
        if not covered:
            return []
        place = (account, plan.id, cycle[0])
        share = self.share(account, plan, cycle)
        cycle_span = _cycle_span(self.cycle_spans, cycle)
        # from the plan's first covered instant to the end of the span rated (the
        # streaming rater's watermark) within the cycle: its charges are all inside (a
        # refund after a plan change that takes back its units too), so billing counts
        # each towards this minimum (`_minimum_scopes.scope_of_minimums`); pieces of a cycle
        # rated apart still never overlap, and a rater's minimum spans only ever grow
        end = max(covered[-1][1], min(cycle[1], self.end_us))
        span = Span.from_us(covered[0][0], end)
        out = []
        # Exact fractions until the top-up is a Decimal: one rounding, at the 60th digit.
        numerator, denominator = share
        top_ups = Fraction(0)
        ordered = sorted(plan.minimums, key=lambda minimum: minimum.meter is None)
        key = (account, id(plan), cycle[0])
        standing = self.standing is not None and key in self.standing
        before = self.opening.get(place, {}) if self.opening else {}
        for minimum in ordered:
            required = Fraction(minimum.amount) * numerator / denominator
            if minimum.meter is None:
                used = top_ups + sum((exact for _, exact in spent.values()), Fraction(0))
            else:
                used = spent.get(minimum.meter, _NOTHING)[1]
            if self.positions is not None:
                self.positions.setdefault(place, {})[minimum.meter] = required - used
            quantity = _prorate(ONE, share)
            committed = minimum.amount
            position = before.get(minimum.meter)
            if position:
                # a piece of a cycle whose earlier time counted towards the minimum
                exact, settles = telescoped(required, used, position)
                top_up = _exact(exact) if exact else ZERO
                top_ups += exact if minimum.meter is not None else 0
                committed, quantity = settling(minimum, settles, required, quantity)
            elif used < required:
                exact = required - used
                if (
                    standing
                    and terminates(exact)
                    and _unsure(self.unsure, key, minimum, spent, top_ups)
                ):
                    # the digits of the sum of amounts may decide the top-up's
                    raise Unsure
                # The Decimal difference when it is exact (it keeps the amounts' digits:
                # 16.40, not 16.4), else the exact fraction rounded once.
                top_up = _SUB(
                    _prorate(minimum.amount, share),
                    _total((amount for amount, _ in spent.values()), top_ups)
                    if minimum.meter is None
                    else spent.get(minimum.meter, _NOTHING)[0],
                )
                if Fraction(top_up) != exact:
                    top_up = _exact(exact)
                counted = exact
                if top_up and left_by_rounding(top_up, _exact(required), _exact(used)):
                    # A shortfall below 1E-30 at the 60th digit of the commitment is what
                    # the spend's own 60-digit rounding left (a tiered peak's shares of 28,
                    # each to 60 digits, add up to 27.99...9): the nearest amount
                    # carried, 0 (then a zero top-up, as where the spend reached it); a
                    # tiny commitment's shortfall is carried exactly (`_carried`). The
                    # plan-wide minimum counts it as charged, so that its lines reach it.
                    top_up = nearest(exact)
                    counted = Fraction(top_up)
                if minimum.meter is not None:
                    top_ups += counted
            else:
                # The exact spend reached the commitment: nothing is due exactly, but the
                # lines as billed may still fall short of it. A zero top-up stands for it
                # until `_topups.floors` has seen the lines (it drops it when they reach it).
                top_up = ZERO
            out.append(
                _new_charge(
                    account,
                    minimum.meter,
                    None,
                    span,
                    cycle_span,
                    quantity,
                    "cycle",
                    top_up,
                    plan.currency,
                    plan.id,
                    "minimum" if minimum.meter is None else f"minimum:{minimum.meter}",
                    committed,
                    kind="minimum",
                    quantum=plan.quantum,
                    rounding=plan.rounding,
                )
            )
        return out

    def spend_on_the_spot(
        self, charges: list[Charge], spent: dict[tuple[str, int, int], Spent]
    ) -> None:
        """Count the charges priced on the spot toward the default plan's minimums."""
        owned = self.owned
        default = self.default
        spends = self.spends
        for charge in charges:
            key = (charge.account, id(default), charge.cycle.start_us)
            exact = _spent_on_the_spot(charge)
            counted = _spend_owned(spent, owned, key, (charge, charge.span), charge.amount, exact)
            if spends is not None:
                spends.append((id(charge.row), key, charge.meter, *counted))


def _spend_owned(  # noqa: PLR0917 - private plumbing of plain values
    spent: dict[tuple[str, int, int], Spent],
    owned: dict[tuple[str, str], list[Share]],
    key: tuple[str, int, int],
    place: tuple[UsageRow | Charge, Span],
    amount: Decimal,
    exact: Fraction,
) -> tuple[Decimal, Fraction]:
    """Count ``amount`` (``exact``) toward the minimums of ``key`` (account, plan, cycle).

    A minimum counts what its account pays: of a shared charge (``place``: the row or
    charge, and the span of the part), its owner's part only (`ratekit.sharing`).
    Returns what it counted.
    """
    usage, span = place
    if owned:
        part = owner_part(owned, usage.account, usage.resource, usage.meter, span)
        if part is not None:
            exact *= part
            amount = _exact(exact)
    spend(spent, key, usage.meter, amount, exact)
    return amount, exact


def _spent_on_the_spot(charge: Charge) -> Fraction:
    """What a charge priced on the spot spends toward a minimum, exactly.

    Its amount is its price times its quantity; a slice of time spends its exact time's.
    """
    time = timed(charge)
    price = charge.unit_price
    return Fraction(charge.amount) if time is None or price is None else Fraction(price) * time
