"""A brute-force oracle of an invoice's money, worked in fractions from the documented rules.

It knows only what docs/pricing.md and docs/invoices.md promise for one account billed
over whole monthly cycles (UTC), under one plan or a change of plan inside the span:

- each plan's part of a cycle is prorated by its seconds over the whole cycle's, or by
  whole UTC days; across a change between plans that count otherwise, the cycle is
  counted once: its position at an instant is the furthest count of a plan in force
  up to it (so at a change, the further of both), and a part is due for the position at
  its end less the one at its start;
- a billing cycle's allowance of a meter is prorated to the part, and the part's usage
  takes from it in time order (positive quantities only);
- a correction takes back the units of its cycle billed before it, last in, first out,
  whichever plan billed them, each back to that plan; only what is left is its own
  plan's (and usage after a correction that went below zero fills it the same way):
  `taken_back` works out which plan each part of each row is rated by;
- a per-unit price prices each billable quantity; graduated tiers price the part's
  billable total, climbing the part's own tiers from zero;
- each line (per meter and price entry, per fee id) rounds the exact sum of its charges
  once, with the quantum and rounding mode of the plan in force at the cycle's end;
- each plan's minimum, per meter first then plan-wide, is its commitment prorated and
  put on the invoice's quantum, less the lines it counts as rounded, when those fall
  short; the plan-wide minimum counts the usage lines and the per-meter top-ups, never
  the fees;
- the subtotal is the sum of the rounded lines; credits pay it, in whole quanta, higher
  priority first, then the balance that lapses first, then the earlier grant, then id.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

HOUR = 3_600_000_000  # microseconds

T = TypeVar("T")  # a plan, as an oracle names it


def round_on(value: Fraction, quantum: Fraction, mode: str) -> Fraction:
    """``value`` as a whole number of ``quantum``, rounded by ``mode`` (a decimal mode)."""
    steps = value / quantum
    low = math.floor(steps)
    rest = steps - low
    if rest == 0:
        return low * quantum
    up = {
        "ROUND_CEILING": True,
        "ROUND_FLOOR": False,
        "ROUND_UP": steps > 0,
        "ROUND_DOWN": steps < 0,
    }.get(mode)
    if up is None:  # the half modes
        if rest != Fraction(1, 2):
            up = rest > Fraction(1, 2)
        elif mode == "ROUND_HALF_UP":
            up = steps > 0
        elif mode == "ROUND_HALF_DOWN":
            up = steps < 0
        else:
            up = low % 2 == 1
    return (low + 1 if up else low) * quantum


@dataclass(frozen=True)
class OraclePlan:
    """A plan as the oracle reads it (prices as fractions)."""

    name: str
    quantum: Fraction
    rounding: str
    # meter -> (entry id, per-unit price or None, tiers [(up_to or None, unit, flat)],
    # whether the tiers price by volume rather than graduated)
    prices: dict[str, tuple[str, Fraction | None, tuple[Tier, ...], bool]]
    allowances: dict[str, Fraction] = field(default_factory=dict)
    meter_minimums: dict[str, Fraction] = field(default_factory=dict)
    plan_minimum: Fraction | None = None
    fees: tuple[tuple[str, Fraction], ...] = ()
    days: bool = False  # prorated by whole UTC days (each to the part that holds its end)


@dataclass(frozen=True)
class OracleCredit:
    id: str
    amount: Fraction
    start_us: int
    end_us: int | None
    priority: int
    renews: bool


Tier = tuple[Fraction | None, Fraction, Fraction]


def tiered(tiers: Sequence[Tier], volume: bool, quantity: Fraction) -> Fraction:
    """The amount of ``quantity`` (0 or more) under tiers ``(lower, up_to]`` with flat fees.

    Graduated: each tier reached prices its units, plus its flat fee (the first tier's
    at zero too). Volume: the tier holding the quantity (the first at zero) prices it
    all, plus its flat fee.
    """
    total, below = Fraction(0), Fraction(0)
    for index, (up_to, unit, flat) in enumerate(tiers):
        inside = up_to is None or quantity <= up_to
        if volume:
            if inside:
                return quantity * unit + flat
        else:
            if index == 0 or quantity > below:
                top = quantity if inside else up_to
                assert top is not None
                total += (top - below) * unit + flat
            if inside or up_to is None:
                break
            below = up_to
    return total


def split(amount: Fraction, exact: Sequence[Fraction], quantum: Fraction) -> list[Fraction]:
    """A line's rounded ``amount`` split between its plans near their ``exact`` parts.

    The difference between the amount and the exact sum is shared by the parts' sizes,
    then each part is floored to the quantum and the quanta left go to the largest
    remainders (ties to the earlier plan).
    """
    difference = amount - sum(exact, Fraction(0))
    sizes = [abs(part) for part in exact]
    total = sum(sizes, Fraction(0))
    moved = (
        [amount / len(exact)] * len(exact)
        if not total
        else [part + difference * size / total for part, size in zip(exact, sizes, strict=True)]
    )
    floors = [math.floor(part / quantum) for part in moved]
    left = int(amount / quantum) - sum(floors)
    order = sorted(range(len(moved)), key=lambda i: (-(moved[i] / quantum - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [floor * quantum for floor in floors]


DAY = 24 * HOUR


def prorate(plan: OraclePlan, start: int, end: int, cycle: tuple[int, int]) -> Fraction:
    """The plan's share of ``cycle`` for the part ``[start, end)``: seconds, or whole days."""
    lo, hi = cycle
    if end <= start:
        return Fraction(0)
    if not plan.days:
        return Fraction(end - start, hi - lo)
    # the day ends (midnights, UTC, counted from the cycle's start) in (start, end]
    ends = sum(1 for k in range(1, (hi - lo) // DAY + 1) if start < lo + k * DAY <= end)
    return Fraction(ends * DAY, hi - lo)


def position(
    parts: Sequence[tuple[OraclePlan, int, int]], cycle: tuple[int, int], at: int
) -> Fraction:
    """Where ``cycle`` is at ``at``, counted once across the plans of ``parts``.

    The furthest share of the cycle elapsed by the count of a plan in force at an instant
    up to ``at`` (the closed ends of its part): a count grows with time, so each part is
    tried at its end, or at ``at``.
    """
    lo = cycle[0]
    counts = (prorate(plan, lo, min(end, at), cycle) for plan, start, end in parts if start <= at)
    return max(counts, default=Fraction(0))


def in_time(
    rows: Sequence[tuple[str, int, int, Fraction]], meter: str, start: int, end: int
) -> list[Fraction]:
    """The parts of ``meter``'s rows inside ``[start, end)``, in proportion to time."""
    out = []
    for m, lo, hi, quantity in rows:
        overlap = min(hi, end) - max(lo, start)
        if m == meter and overlap > 0:
            out.append(quantity * overlap / (hi - lo))
    return out


#: Per (plan name, meter): the parts of rows its plan rates, as (start_us, quantity).
Taken = dict[tuple[str, str], list[tuple[int, Fraction]]]


def taken_back(
    parts: Sequence[tuple[OraclePlan, int, int]],
    rows: Sequence[tuple[str, int, int, Fraction]],
    cycle: tuple[int, int],
    window: tuple[int, int],
) -> Taken:
    """Which plan rates each part of ``rows`` in a cycle of ``parts``, one unit at a time.

    The rows of ``cycle`` up to the end of ``window`` are cut at the plans' changes and
    at the window's edges, each piece in its own plan; the pieces, in time order (start;
    of those that start together usage before corrections; then end, then the rows'
    index), stack their units up per meter, last in on top: a unit of the other
    sign than the top takes back the top unit for the plan that billed it, else it
    stacks under its own plan. Quantities are fractions, so a run of units of one plan
    stands for any part of a unit (the same rule, continuous).
    """
    edges = sorted({*(s for _, s, _ in parts), *(e for _, _, e in parts), *window})
    pieces = []
    for index, (meter, lo, hi, quantity) in enumerate(rows):
        if not cycle[0] <= lo < window[1]:
            continue
        for plan, start, end in parts:
            bounds = [lo, *(e for e in edges if lo < e < hi), hi]
            for a, b in itertools.pairwise(bounds):
                if start <= a and b <= end and b <= window[1]:
                    pieces.append(
                        (a, b, f"r{index}", meter, plan.name, quantity * (b - a) / (hi - lo))
                    )
    # docs/pricing.md: by start; of pieces that start together, usage before corrections
    # (an instant's usage climbs first); then by end and the row
    pieces.sort(key=lambda piece: (piece[0], piece[5] < 0, piece[1], piece[2]))
    out: Taken = {}
    stacks: dict[str, list[tuple[str, Fraction]]] = {}  # per meter: (plan, units) runs
    for start, _, _, meter, own, quantity in pieces:
        for owner, taken in stacked(stacks.setdefault(meter, []), own, quantity):
            out.setdefault((owner, meter), []).append((start, taken))
    return out


def stacked(
    stack: list[tuple[T, Fraction]], own: T, quantity: Fraction
) -> list[tuple[T, Fraction]]:
    """``quantity`` under plan ``own`` put on ``stack``: what each plan rates of it.

    ``stack``: (plan, units) runs, the last in on top, changed in place. Units of the
    other sign than the top take back the top's units for the plan that billed them,
    last in first out; what is left stacks under ``own`` (docs/pricing.md, a correction
    across a change of plan). Gives (plan, quantity) parts, the taken back first.
    """
    out: list[tuple[T, Fraction]] = []
    wanted = quantity
    while wanted and stack and (stack[-1][1] > 0) != (wanted > 0):
        owner, run = stack.pop()
        taken = -run if abs(run) <= abs(wanted) else wanted
        out.append((owner, taken))
        wanted -= taken
        if run + taken:
            stack.append((owner, run + taken))
    if wanted:
        out.append((own, wanted))
        if stack and stack[-1][0] == own:
            stack[-1] = (own, stack[-1][1] + wanted)
        else:
            stack.append((own, wanted))
    return out


def net(quantities: Sequence[Fraction], allowance: Fraction) -> Fraction:
    """What of a period's usage is billed: the net less the allowance, never a free unit
    refunded (a net below zero is billed as it is, as without an allowance)."""
    total = sum(quantities, Fraction(0))
    if total < 0:
        return total
    return max(Fraction(0), total - allowance)


Exact = dict[tuple[str, str], dict[str, Fraction]]


def _add(exact: Exact, key: tuple[str, str], plan: str, amount: Fraction) -> None:
    by_plan = exact.setdefault(key, {})
    by_plan[plan] = by_plan.get(plan, Fraction(0)) + amount


def _meter(  # noqa: PLR0917 - the oracle's plain arguments
    exact: Exact,
    plan: OraclePlan,
    meter: str,
    part: tuple[int, int],
    window: tuple[int, int],
    cycle: tuple[int, int],
    taken: Taken,
    shares: Callable[[int, int], Fraction],
) -> None:
    """Add one meter's base and usage in one plan's ``part`` of the rated ``window``.

    ``shares(start, end)``: the share of the cycle the plan is due for over a span of
    its part (see `position`).
    """
    (start, end), (wlo, whi) = part, window
    entry, unit, tiers, volume = plan.prices[meter]
    share = shares(max(start, wlo), min(end, whi))
    base = Fraction(0) if unit is not None else tiered(tiers, volume, Fraction(0))
    if base:
        _add(exact, ("fee", entry), plan.name, base * share)
    allowance = plan.allowances.get(meter, Fraction(0))
    pre = shares(start, min(end, wlo))
    rated = taken.get((plan.name, meter), [])
    before = net([q for at, q in rated if at < wlo], allowance * pre)
    mine = [q for at, q in rated if wlo <= at < whi]
    if not mine:
        return
    billable = net(mine, allowance * share)
    if unit is not None:
        amount = billable * unit
    else:
        amount = tiered(tiers, volume, max(Fraction(0), before + billable))
        amount -= tiered(tiers, volume, max(Fraction(0), before))
    _add(exact, ("usage", entry), plan.name, amount)


def invoice(
    cycle: tuple[int, int],
    window: tuple[int, int],
    parts: Sequence[tuple[OraclePlan, int, int]],
    rows: Sequence[tuple[str, int, int, Fraction]],
) -> tuple[dict[tuple[str, str], Fraction], Fraction]:
    """The lines ``{(kind, key): amount}`` and subtotal of one cycle, rated over ``window``.

    ``parts``: ``(plan, start_us, end_us)`` inside the cycle, in time order, each of
    positive length; ``rows``: ``(meter, start_us, end_us, quantity)``, each inside one
    cycle, its quantity spread evenly over its time. Rows of the cycle before the window
    take their slice of the allowance and place the tiers; only the window's are
    charged, and fees and commitments are prorated to it.
    """
    lo, hi = cycle
    wlo, whi = max(lo, window[0]), min(hi, window[1])
    latest = parts[-1][0]
    q, mode = latest.quantum, latest.rounding
    exact, minimums = _rated(cycle, (wlo, whi), parts, rows)
    # A window that starts inside the cycle is a piece of it: where each plan's minimums
    # stand at its start (their commitment so far less what they counted so far).
    before = {} if wlo == lo else _positions(*_rated(cycle, (lo, wlo), parts, rows))
    lines = {key: round_on(sum(v.values(), Fraction(0)), q, mode) for key, v in exact.items()}
    bases = {("fee", entry) for plan, _, _ in parts for entry, _, _, _ in plan.prices.values()}
    mine_of: dict[str, dict[tuple[str, str], Fraction]] = {}
    for key, by_plan in exact.items():
        if key[0] == "usage" or key in bases:
            names = list(by_plan)
            split_up = split(lines[key], [by_plan[n] for n in names], q)
            for name, part in zip(names, split_up, strict=True):
                mine_of.setdefault(name, {})[key] = part
    for plan, share in minimums:
        spends = {key: by_plan.get(plan.name, Fraction(0)) for key, by_plan in exact.items()}
        at = before.get(plan.name, {})
        _settle(lines, plan, share, mine_of.get(plan.name, {}), (q, mode), (spends, at))
    return lines, sum(lines.values(), Fraction(0))


def _rated(
    cycle: tuple[int, int],
    window: tuple[int, int],
    parts: Sequence[tuple[OraclePlan, int, int]],
    rows: Sequence[tuple[str, int, int, Fraction]],
) -> tuple[Exact, list[tuple[OraclePlan, Fraction]]]:
    """The exact amounts of ``window`` (inside ``cycle``) per line and plan, and each
    plan's share of the cycle there."""
    wlo, whi = window
    exact: Exact = {}
    minimums: list[tuple[OraclePlan, Fraction]] = []

    def shares(start: int, end: int) -> Fraction:
        if end <= start:
            return Fraction(0)
        return position(parts, cycle, end) - position(parts, cycle, start)

    taken = taken_back(parts, rows, cycle, (wlo, whi))
    for plan, start, end in parts:
        if max(start, wlo) >= min(end, whi):
            # a plan out of force over the window is still charged there for its units
            # that usage in the window fills back (a correction before the window went
            # below zero under it): the window's charges are the whole cycle's
            if any(
                wlo <= at < whi
                for meter in plan.prices
                for at, _ in taken.get((plan.name, meter), [])
            ):
                for meter in plan.prices:
                    _meter(exact, plan, meter, (start, end), (wlo, whi), cycle, taken, shares)
                minimums.append((plan, Fraction(0)))
            continue
        share = shares(max(start, wlo), min(end, whi))
        for fee_id, amount in plan.fees:
            _add(exact, ("fee", fee_id), plan.name, amount * share)
        for meter in plan.prices:
            _meter(exact, plan, meter, (start, end), (wlo, whi), cycle, taken, shares)
        minimums.append((plan, share))
    return exact, minimums


def _spent(plan: OraclePlan, spends: Mapping[tuple[str, str], Fraction], meter: str) -> Fraction:
    """What ``plan``'s minimum of ``meter`` counts of ``spends``: its usage and base."""
    entry = plan.prices[meter][0]
    return spends.get(("usage", entry), Fraction(0)) + spends.get(("fee", entry), Fraction(0))


def _positions(
    exact: Exact, minimums: list[tuple[OraclePlan, Fraction]]
) -> dict[str, dict[str | None, Fraction]]:
    """Per plan and minimum (its meter; None: plan-wide): its commitment prorated to the
    end of the time ``exact`` rates less what it counts there (usage, prices' bases,
    and for the plan-wide one the per-meter top-ups so far, never the fees)."""
    bases = {("fee", entry) for plan, _ in minimums for entry, _, _, _ in plan.prices.values()}
    out: dict[str, dict[str | None, Fraction]] = {}
    for plan, share in minimums:
        spends = {
            key: by_plan.get(plan.name, Fraction(0))
            for key, by_plan in exact.items()
            if key[0] == "usage" or key in bases
        }
        at: dict[str | None, Fraction] = {}
        topups = Fraction(0)
        for meter, commitment in plan.meter_minimums.items():
            at[meter] = commitment * share - _spent(plan, spends, meter)
            topups += max(Fraction(0), at[meter])
        if plan.plan_minimum is not None:
            at[None] = plan.plan_minimum * share - (topups + sum(spends.values(), Fraction(0)))
        out[plan.name] = at
    return out


def _piece(
    commitment: Fraction,
    at: Fraction,
    spent: Fraction,
    counted: Fraction,
    rounded: tuple[Fraction, str],
) -> tuple[Fraction, Fraction]:
    """A minimum's top-up as billed and exactly in a piece of a cycle.

    ``commitment``: the piece's slice; ``at``: the minimum's position at the piece's
    start (0 at the cycle's start); ``spent``: what it counts in the piece, exactly;
    ``counted``: the lines it counts, as rounded. The top-up so far at the piece's end
    less that at its start, exactly; billed, the commitment the piece settles (its slice
    less what was spent above the commitment before it) on the quantum less the lines,
    at least 0, or a give-back of an earlier top-up, at most what is given back exactly
    (docs/pricing.md "A cycle rated in pieces").
    """
    q, mode = rounded
    exact = max(Fraction(0), at + commitment - spent) - max(Fraction(0), at)
    billed = round_on(commitment + min(at, Fraction(0)), q, mode) - counted
    if exact < 0:
        return max(billed, round_on(exact, q, mode)), exact
    return max(Fraction(0), billed), exact


def _settle(  # noqa: PLR0917 - the oracle's plain arguments
    lines: dict[tuple[str, str], Fraction],
    plan: OraclePlan,
    share: Fraction,
    counted: dict[tuple[str, str], Fraction],
    rounded: tuple[Fraction, str],
    exact: tuple[Mapping[tuple[str, str], Fraction], Mapping[str | None, Fraction]],
) -> None:
    """Add ``plan``'s top-ups: per meter, then plan-wide, each on the lines as rounded.

    ``exact``: the plan's exact amounts per line in the window, and where its minimums
    stand at the window's start (empty at the cycle's start: see `_piece`).
    """
    spends, at = exact
    topups = Fraction(0)
    topped = Fraction(0)  # the per-meter top-ups, exactly
    for meter, commitment in plan.meter_minimums.items():
        spent = counted.get(("usage", plan.prices[meter][0]), Fraction(0))
        spent += counted.get(("fee", plan.prices[meter][0]), Fraction(0))
        topup, exactly = _piece(
            commitment * share,
            at.get(meter, Fraction(0)),
            _spent(plan, spends, meter),
            spent,
            rounded,
        )
        topups += topup
        topped += exactly
        lines["minimum", meter] = lines.get(("minimum", meter), Fraction(0)) + topup
    if plan.plan_minimum is not None:
        bases = {("fee", entry) for entry, _, _, _ in plan.prices.values()}
        used = sum((v for k, v in spends.items() if k[0] == "usage" or k in bases), Fraction(0))
        topup, _ = _piece(
            plan.plan_minimum * share,
            at.get(None, Fraction(0)),
            topped + used,
            topups + sum(counted.values(), Fraction(0)),
            rounded,
        )
        lines["minimum", ""] = lines.get(("minimum", ""), Fraction(0)) + topup


def spend_credits(
    invoices: Sequence[tuple[tuple[int, int], Fraction, Fraction]],
    grants: Sequence[OracleCredit],
) -> list[tuple[Fraction, dict[str, Fraction]]]:
    """Per invoice ``(cycle, quantum, subtotal)``: the total and what each credit paid."""
    far = 2**62
    left = {c.id: c.amount for c in grants if not c.renews}
    out = []
    for (lo, hi), quantum, subtotal in invoices:
        here = []
        for c in grants:
            end = far if c.end_us is None else c.end_us
            if not (c.start_us < hi and lo < end):
                continue
            if c.renews:
                here.append((-c.priority, min(hi, end), max(lo, c.start_us), c.id, c.amount))
            elif left[c.id] > 0:
                here.append((-c.priority, end, c.start_us, c.id, left[c.id]))
        due = subtotal
        paid: dict[str, Fraction] = {}
        for _, _, _, credit_id, available in sorted(here):
            pay = Fraction(0)
            if due > 0:
                pay = math.floor(min(available, due) / quantum) * quantum
            due -= pay
            paid[credit_id] = pay
            if credit_id in left:
                left[credit_id] -= pay
        out.append((due, paid))
    return out


def as_fraction(value: Decimal | int | str) -> Fraction:
    return Fraction(Decimal(value))
