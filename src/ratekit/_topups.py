"""Minimum-commitment lines as billed: the commitment less the lines as rounded.

Rating computes a top-up exactly (the commitment less the exact spend). An invoice rounds
each line on its own, so rounding the top-up on its own too would leave the lines under a
commitment off it by up to a quantum per line (1.00 + 1.00 + 47.99 = 49.99 for a
commitment of 50). Billing therefore settles a top-up on the invoice: the commitment
(rounded once, with the plan's mode, when prorated off the quantum) less the amounts of
the lines it counts, as rounded, never below zero. The lines a minimum counts are those
rating counted: the account's usage and prices' bases of the plan (for a per-meter
minimum, of its meter), its own part of its shared charges, and, for the plan-wide
minimum, the per-meter top-ups. So the lines under a commitment add up to exactly the
commitment whenever something is topped up.

The rule that decides whether a top-up is due is the same: the lines **as billed** fall
short of the commitment, whatever the exact spend. An exact spend that reaches the
commitment can still be billed short of it (three lines of 3.339 rounded down to the
cent: 9.99 for a commitment of 10.00). Rating gives every minimum the exact spend
reached a zero top-up (`_dues`), and `floors` keeps those whose commitment the lines,
rounded as the invoice rounds them, fall short of: the invoice then settles them to the
billed shortfall (0.01 above), and drops nothing else. One settling rule (`_settled`)
serves both, so rating and billing cannot disagree on it.

After a plan change within a cycle, one minimum line holds both plans' top-ups. Each
plan's minimum is still settled on its own (its commitment less what its own charges
make of the lines, as billed): one plan's lines above its commitment never pay for the
other's shortfall, and a plan's zero top-up is kept whenever its own lines fall short,
whether or not the other plan's top-up is due.

A cycle rated in pieces has a minimum charge per piece, spanning it, for the commitment
the piece settles: its slice, less what earlier pieces spent above the commitment to
their end (`ratekit._minimum_pieces.telescoped`). Billed together, each piece's minimum is settled
on its own the same way, counting only the lines (or parts of lines) of its own plan and
piece (`scope_of_minimums`), so the invoice bills what the pieces' invoices bill. A piece
whose usage gives back what an earlier piece topped up (rating's top-up below 0) bills
its lines above its commitment, as billed, at most that give-back. Minimum charges of one
plan whose spans overlap are of one piece (the streaming rater's lines as they stand,
said at different watermarks), so a ledger's cycle bills as its closing invoice does.
"""

from __future__ import annotations

import decimal
import operator
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

import attrs

from ._allocation import allocate
from ._carried import carried_value
from ._decimals import CONTEXT, ZERO, spend_under
from ._decimals import commitment as _commitment
from ._decimals import tidy as _tidy
from ._line_exact import line_exact
from ._minimum_pieces import billed
from ._minimum_scopes import Scope, scope_of_minimums
from ._plan_split import by_scope
from ._quanta import on_quantum

if typing.TYPE_CHECKING:  # _invoices imports render, which imports this module
    from ._invoices import InvoiceLine
    from .charges import Charge
    from .pricebook import Plan
    from .sharing import Share

__all__ = [
    "Part",
    "floors",
    "is_base",
    "line_quantum",
    "parts",
    "rounding_of",
    "scope_of",
    "settle",
    "settled",
    "summary_lines",
]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply


class _Line(typing.Protocol):
    """What settling reads of a line: an `InvoiceLine`, or a line `floors` foresees."""

    @property
    def kind(self) -> str: ...
    @property
    def meter(self) -> str | None: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def charges(self) -> Sequence[Charge]: ...
    @property
    def share(self) -> Decimal | None: ...
    @property
    def shares(self) -> Decimal | None: ...


class _Foreseen(typing.NamedTuple):
    """A line of an invoice not yet billed, as `bill()` will round it."""

    kind: str
    meter: str | None
    amount: Decimal
    charges: Sequence[Charge]
    owner: str | None = None
    share: Decimal | None = None
    shares: Decimal | None = None
    entry: str | None = None


_START_US: typing.Final = operator.attrgetter("span.start_us")


def rounding_of(members: Sequence[Charge]) -> tuple[Decimal, str]:
    """The quantum and rounding an invoice rounds its lines with: its latest charge's.

    Rating stamps every charge of an account's cycle with the rounding of the plan in
    force at the cycle's end (`on_latest_plan`), so the latest charge's is that plan's
    whether or not that plan charged anything.
    """
    # Rating's charges of one invoice share its plan's quantum and mode, the very same
    # objects: then they are the latest charge's, told without finding it (max() by a
    # dotted key took 0.016 s of billing's 0.19 for 101,744 charges; this 0.004).
    if members:
        quantum, rounding = members[0].quantum, members[0].rounding
        for charge in members:  # (a loop: not a call per charge, as all() over a generator)
            if charge.quantum is not quantum or charge.rounding is not rounding:
                break
        else:
            return quantum, rounding
    latest = max(members, key=_START_US)  # the first latest one, as a key read at C speed
    return latest.quantum, latest.rounding


def on_latest_plan(
    charges: list[Charge],
    plans_of: typing.Callable[[str], Sequence[tuple[int, int, Plan]]],
) -> list[Charge]:
    """``charges`` with the quantum and rounding of their account's latest plan in each cycle.

    After a plan change within a cycle every line of the invoice is rounded with the
    rounding of the plan in force at the end of the cycle: the account's latest
    assignment (by start) that overlaps the cycle, of a plan with that cycle, whether or
    not it has a charge in it. ``plans_of``: an account's assignments as ``(start_us,
    end_us, plan)``. Charges already on it are kept as they are. O(n * a) for n charges
    and a assignments per account.
    """
    latest: dict[tuple[str, int, int], Plan | None] = {}
    out = []
    for charge in charges:
        key = (charge.account, charge.cycle.start_us, charge.cycle.end_us)
        if key not in latest:
            latest[key] = _latest_plan(plans_of(charge.account), key[1], key[2])
        plan = latest[key]
        if plan is None or (plan.quantum, plan.rounding) == (charge.quantum, charge.rounding):
            out.append(charge)
        else:
            out.append(attrs.evolve(charge, quantum=plan.quantum, rounding=plan.rounding))
    return out


def _latest_plan(
    assigned: Sequence[tuple[int, int, Plan]], start_us: int, end_us: int
) -> Plan | None:
    """The plan of the latest assignment overlapping ``[start_us, end_us)`` in that cycle."""
    best: tuple[int, Plan] | None = None
    for a, b, plan in assigned:
        if b <= start_us or end_us <= a:
            continue
        if plan.cycle.containing_us(max(a, start_us)) != (start_us, end_us):
            continue  # a plan of another cycle: another invoice
        if best is None or a > best[0]:
            best = (a, plan)
    return None if best is None else best[1]


def _counts(line: _Line, account: str, meter: str | None) -> bool:
    """Whether ``line`` is of a kind (and meter) rating counts towards a minimum of ``meter``.

    Usage, a price's base (a fee with a price; a plan's fee does not count) and the
    account's own part of its shared charges; for a per-meter minimum, of its meter.
    """
    if line.kind == "shared":
        if line.owner != account:
            return False
    elif line.kind == "fee":
        if any(charge.price is None for charge in line.charges):
            return False
    elif line.kind != "usage":
        return False
    return meter is None or line.meter == meter


def line_quantum(line: _Line, quantum: Decimal) -> Decimal:
    """The quantum ``line`` is rounded on: the invoice's, or for a shared part its pool's."""
    if line.kind == "shared" and line.charges:
        return rounding_of(line.charges)[0]
    return quantum


class Part(typing.NamedTuple):
    """One plan's minimum in a minimum line, settled: what its note prints.

    ``commitment``: exact (prorated); ``target``: on the invoice's quantum; ``exact``:
    rating's top-up (the commitment less the exact spend, or 0 when that reached it);
    ``spent``: the exact spend the minimum counts; ``lines``: the lines it counts, as
    billed; ``amount``: the top-up billed, ``target - lines``, at least 0 (a plain 0).
    """

    plan: str
    commitment: Decimal
    target: Decimal
    exact: Decimal
    spent: Decimal
    lines: Decimal
    amount: Decimal
    span: tuple[int, int] | None = None


def _exact_part(line: _Line, key: Scope, scope: typing.Callable[[Charge], Scope]) -> Decimal:
    """The exact amount of ``line`` that the charges of ``key`` make (an owner's part: its share)."""
    total = ZERO
    for charge in line.charges:
        if scope(charge) == key:
            total = _ADD(total, charge.amount)
    if line.kind == "shared" and line.share is not None and line.shares:
        total = _tidy(CONTEXT.divide(_MUL(total, line.share), line.shares))
    return total


def _minimums(lines: Sequence[_Line]) -> list[int]:
    """The indices of the minimum lines that have charges: per meter first, then plan-wide."""
    minimums = [i for i, line in enumerate(lines) if line.kind == "minimum" and line.charges]
    minimums.sort(key=lambda i: lines[i].meter is None)
    return minimums


def scope_of(lines: Sequence[_Line]) -> typing.Callable[[Charge], Scope]:
    """Whose spend each charge of an invoice's (summary) ``lines`` is, as settling reads it.

    Its plan and the span of that plan's minimum charge that holds it (`scope_of_minimums`), so that
    the exports split a line between plans (`_plan_split.by_scope`) exactly as the settling of their
    minimums did. O(m) for m minimum charges.
    """
    return scope_of_minimums(c for i in _minimums(lines) for c in lines[i].charges)


def settled(
    lines: Sequence[_Line], account: str, quantum: Decimal, rounding: str
) -> dict[int, tuple[Part, ...]]:
    """Per minimum line of the summary ``lines`` (by index): its plans' minimums, settled.

    `_settled` without the exact spends: each part's ``amount`` is what the invoice bills
    for that plan's (or piece's) top-up. O(m * n).
    """
    return _settled(lines, account, quantum, rounding)


def _settled(
    lines: Sequence[_Line], account: str, quantum: Decimal, rounding: str, *, spend: bool = False
) -> dict[int, tuple[Part, ...]]:
    """Per minimum line (by index): each of its plans' minimum, settled on its own.

    A plan's commitment (on the invoice's ``quantum``, with its ``rounding``) less the
    lines that plan's minimum counts as billed, at least 0. Per-meter minimums first,
    then the plan-wide ones, which count their plan's per-meter top-ups as settled. After
    a plan change within the cycle one line holds the minimums of both plans: each plan
    counts only what its own charges make of each line (a line both plans price under one
    entry id is split between them), so one plan's lines above its commitment never pay
    for the other's shortfall. ``spend``: work out the exact spend of a plan whose
    exact spend reached its commitment (else its ``spent`` is 0). O(m * n) for m minimum
    lines and n lines (O(m * c) for c charges with ``spend``).
    """
    minimums = _minimums(lines)
    if not minimums:
        return {}
    scope = scope_of_minimums(c for i in minimums for c in lines[i].charges)
    of = [frozenset(map(scope, line.charges)) for line in lines]
    settled: dict[tuple[int, Scope], Decimal] = {}  # (minimum line, scope) -> top-up billed
    splits: dict[int, dict[Scope, Decimal]] = {}  # a line of several scopes, split once

    def part(i: int, key: Scope) -> Decimal:
        """What of line ``i``'s billed amount the charges of ``key`` (one of its) make."""
        other = lines[i]
        if len(of[i]) == 1:
            return other.amount
        if i not in splits:
            step = line_quantum(other, quantum)
            splits[i] = by_scope(other.charges, other.amount, scope, step)
        return splits[i][key]

    out: dict[int, tuple[Part, ...]] = {}
    for index in minimums:
        line = lines[index]
        parts = []
        for key in dict.fromkeys(map(scope, line.charges)):
            plan = key[0]
            committed = Fraction(0)
            exact = ZERO
            top_ups = []
            for charge in line.charges:
                if scope(charge) == key:
                    committed += _commitment(charge.unit_price or ZERO, charge.quantity)
                    exact = _ADD(exact, charge.amount)
                    top_ups.append(charge.amount)
            commitment = _tidy(carried_value(committed))
            counted = spent = ZERO
            for i, other in enumerate(lines):
                if key not in of[i]:
                    continue
                if other.kind == "minimum":
                    if line.meter is None and other.meter is not None:
                        counted = _ADD(counted, settled.get((i, key), ZERO))
                        if spend and exact <= 0:
                            spent = _ADD(spent, _exact_part(other, key, scope))
                elif _counts(other, account, line.meter):
                    counted = _ADD(counted, part(i, key))
                    if spend and exact <= 0:
                        spent = _ADD(spent, _exact_part(other, key, scope))
            due = on_quantum(commitment, quantum, rounding)
            amount = billed(_SUB(due, counted), exact, quantum, rounding)
            settled[index, key] = amount
            # the exact spend rating compared: the commitment less the exact top-up where
            # one is due (so the note's arithmetic holds to the digit), else the lines'
            spent = _tidy(spend_under(committed, top_ups) if exact > 0 else spent)
            parts.append(
                Part(plan, commitment, due, exact, spent, counted, amount, (key[1], key[2]))
            )
        out[index] = tuple(parts)
    return out


def parts(lines: Sequence[InvoiceLine], account: str) -> dict[int, tuple[Part, ...]]:
    """Per minimum line of an invoice's ``lines`` (by index): its plans' minimums, settled.

    What `settle` billed them, for the notes that say how. O(m * n); O(l) for l lines
    when none is a minimum's (no charge read).
    """
    if not any(line.kind == "minimum" for line in lines):
        return {}
    own = [charge for line in lines if line.kind != "shared" for charge in line.charges]
    if not own:
        return {}
    summary, where = summary_lines(lines)
    settled = _settled(summary, account, *rounding_of(own), spend=True)
    return {where[index]: found for index, found in settled.items()}


def summary_lines(lines: Sequence[InvoiceLine]) -> tuple[list[_Line], list[int]]:
    """The lines as the summary invoice has them, and where each was in ``lines``.

    A detailed invoice (``by_resource``) cuts each usage line into its resources' lines,
    its amount allocated among them; each plan's minimum counts what its charges make of
    the whole line, as in the summary, so that both invoices settle it alike (a plan
    whose resource lines round up would otherwise count a cent the summary does not).
    Consecutive resource lines of one meter and entry are one line again, their amounts
    summed. O(n).
    """
    summary: list[_Line] = []
    where: list[int] = []
    for index, line in enumerate(lines):
        last = summary[-1] if summary else None
        if (
            line.resource is not None
            and line.kind == "usage"
            and type(last) is _Foreseen
            and (last.meter, last.entry) == (line.meter, line.entry)
        ):
            summary[-1] = last._replace(
                amount=_ADD(last.amount, line.amount), charges=(*last.charges, *line.charges)
            )
            continue
        if line.resource is not None and line.kind == "usage":
            summary.append(
                _Foreseen(line.kind, line.meter, line.amount, line.charges, entry=line.entry)
            )
        else:
            summary.append(line)
        where.append(index)
    return summary, where


def settle(lines: Sequence[InvoiceLine], account: str) -> list[InvoiceLine]:
    """``lines`` with each minimum line's amount its plans' commitments less their lines.

    Each plan's minimum is settled on its own (`_settled`): the line's amount is the sum
    of their top-ups as billed, and its ``spent`` the sum of their exact spends. O(m * n)
    for m minimum lines and n lines.
    """
    out = list(lines)
    for index, settled in parts(out, account).items():
        line = out[index]
        total = spent = ZERO
        for part in settled:
            total = _ADD(total, part.amount)
            spent = _ADD(spent, part.spent)
        amount = total or ZERO.quantize(line.charges[0].quantum, context=CONTEXT)
        spent = _tidy(spent)
        if amount != line.amount or spent != line.spent:
            out[index] = attrs.evolve(line, amount=amount, spent=spent)
    return out


# -- the floor: is a top-up due where the exact spend reached the commitment? -----------


def floors(
    charges: Sequence[Charge], owned: Mapping[tuple[str, str], Sequence[Share]]
) -> list[Charge]:
    """``charges`` (rating's, in its order) less the zero top-ups that are not due.

    A zero top-up (a ``"minimum"`` charge of amount 0) stands for a commitment the exact
    spend reached. It is kept when the lines it counts, as [`bill()`][ratekit.bill] will
    round them (each line once, with the invoice's rounding; an owner's part of a shared
    charge allocated as billed), fall short of the commitment on the quantum: the invoice
    then settles it to the shortfall. ``owned``: the shares rated with, per (owner,
    resource). O(n + m * l) for n charges, m minimums and l lines per invoice.
    """
    if not any(charge.kind == "minimum" and not charge.amount for charge in charges):
        return list(charges)
    invoices: dict[tuple[str, int, int], list[Charge]] = {}
    for charge in charges:
        key = (charge.account, charge.cycle.start_us, charge.cycle.end_us)
        invoices.setdefault(key, []).append(charge)
    unneeded: set[int] = set()
    for (account, _, _), members in invoices.items():
        if any(charge.kind == "minimum" and not charge.amount for charge in members):
            unneeded.update(_unneeded(account, members, owned))
    return [charge for charge in charges if id(charge) not in unneeded]


def _unneeded(
    account: str, members: list[Charge], owned: Mapping[tuple[str, str], Sequence[Share]]
) -> set[int]:
    """The ids of the zero top-ups of one invoice that the lines as billed do not need."""
    zeros = [charge for charge in members if charge.kind == "minimum" and not charge.amount]
    own: list[Charge] = []
    pools: dict[tuple[int, str | None, str | None], tuple[Share, list[Charge]]] = {}
    for charge in members:
        share = _share_of(owned, charge)
        if share is None:
            own.append(charge)
        else:
            pools.setdefault((id(share), charge.meter, charge.entry), (share, []))[1].append(charge)
    quantum, rounding = rounding_of(own)
    try:
        lines = _foreseen(own, pools, account, quantum, rounding)
        settled = _settled(lines, account, quantum, rounding)
    except decimal.InvalidOperation:  # too long for the quantum: bill() refuses it, naming it
        return {id(charge) for charge in zeros}
    out = {id(charge) for charge in zeros}
    scope = scope_of(lines)
    for index, plans in settled.items():
        # each plan's minimum on its own: a zero top-up stays where its plan's lines fall
        # short, whether or not the other plan of the line (a plan change) has one due
        short = {(part.plan, *part.span) for part in plans if part.amount > 0 and part.span}
        out.difference_update(id(c) for c in lines[index].charges if scope(c) in short)
    return out


def is_base(charge: Charge) -> bool:
    """Whether ``charge`` is a price's base (a fee charge of a price), not a plan's fee.

    A fee's charge names the fee's id as its meter and entry, a base its price's: the two
    keep lines of their own even when a fee's id is a meter priced by an entry of that id
    (a minimum counts the base and not the fee). O(1).
    """
    return charge.kind == "fee" and charge.price is not None


def _foreseen(
    own: list[Charge],
    pools: dict[tuple[int, str | None, str | None], tuple[Share, list[Charge]]],
    account: str,
    quantum: Decimal,
    rounding: str,
) -> list[_Foreseen]:
    """The lines `bill()` will print for an invoice's charges, with their amounts.

    A minimum's line holds all its plans' top-ups, exact and zero: each plan's minimum is
    settled on its own, and its zero top-up kept only if that plan's lines fall short.
    """
    groups: dict[tuple[str, str | None, str | None, bool], list[Charge]] = {}
    for charge in own:  # a plan's fee and a price's base apart, as bill() keeps them
        groups.setdefault((charge.kind, charge.meter, charge.entry, is_base(charge)), []).append(
            charge
        )
    lines = []
    for (kind, meter, _, _), group in groups.items():
        if kind == "minimum":
            lines.append(_Foreseen(kind, meter, ZERO, group))
            continue
        amount = on_quantum(line_exact(group, rounded=(quantum, rounding)), quantum, rounding)
        lines.append(_Foreseen(kind, meter, amount, group))
    for share, pool in pools.values():
        part = _owners_part(share, pool, account)
        if part is not None:
            weight = dict(share.shares)[account]
            lines.append(
                _Foreseen("shared", pool[0].meter, part, pool, share.owner, weight, share.total)
            )
    return lines


def _owners_part(share: Share, pool: list[Charge], account: str) -> Decimal | None:
    """The owner's line of a shared pool as `bill()` allocates it, if the owner holds one."""
    quantum, rounding = rounding_of(pool)
    whole = on_quantum(line_exact(pool, rounded=(quantum, rounding)), quantum, rounding)
    total = Fraction(share.total)
    exact = [Fraction(whole) * Fraction(weight) / total for _, weight in share.shares]
    for (holder, _), part in zip(share.shares, allocate(whole, exact, quantum), strict=True):
        if holder == account:
            return part
    return None


def _share_of(owned: Mapping[tuple[str, str], Sequence[Share]], charge: Charge) -> Share | None:
    """The share that splits ``charge`` on its invoice, as `bill()` finds it, if any."""
    if not owned or charge.kind != "usage" or charge.resource is None:
        return None
    for share in owned.get((charge.account, charge.resource), ()):
        if share.meter is not None and share.meter != charge.meter:
            continue
        span = share.span
        if span.start_us <= charge.span.start_us and charge.span.end_us <= span.end_us:
            return share
    return None
