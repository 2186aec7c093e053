"""`Rater.assign()`: assignments added to a running rater, for what is fed after them.

Private to [`ratekit.Rater`][ratekit.Rater]. A rater built from assignments takes more of
them as customers come and change plans: each starts at or after the rater's last
watermark, so that no line a statement has given changes. An account's open-ended
assignment that started before a new one's start is ended there (a plan change: the
customer who upgrades mid-month); any other overlap is refused, as when the rater is
built. Several in one call are taken in the order of their starts, each as a call with
it alone (`_told_in_order`), and the whole set after the last is checked once. The rater
after the call is the one [`restore()`][ratekit.Rater.restore] gives from its snapshot
under the whole new set: its engine (what each plan prices, where prices
change, the doors' caches) and every cache the rater keeps of its ratings are built
again, so none holds what the old set said. The call is atomic: it builds that rater
aside and takes its state only once nothing was refused.

So a stream in which assignments become known over time, each before any record of its
span and at or after the watermark, states what one batch [`rate()`][ratekit.rate] with
all of them charges (see docs/streaming.md).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable, Mapping

import attrs

from . import _rater_engine as _engine_doors
from . import _rater_kept_usage as _kept_usage
from . import _rater_store as _store
from . import _snapshot
from ._instants import format_us
from ._shown import show
from .assignments import Assignment, read_plans
from .errors import (
    BadPriceError,
    BadSnapshotError,
    BadTimeError,
    RatekitError,
    RatekitTypeError,
    UnpricedUsageError,
)
from .pricebook import Plan

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["assign"]


def assign(rater: Rater, given: tuple[object, ...]) -> tuple[Assignment, ...]:
    """Add ``given`` to ``rater``'s assignments; return the rater's whole set after. O(m + n).

    Several are taken as one call each in the order of their starts (`_told_in_order`),
    and the whole set after the last is checked once. Raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] for a rater built from one `Plan` or
    an item that is no `Assignment`, [`BadTimeError`][ratekit.BadTimeError] for an
    assignment starting (or an ending) before the last watermark, and what building the
    rater with the whole set raises (an overlap, a currency change mid-cycle, a unit a
    meter does not have, another billing cycle). The rater is unchanged when it raises.
    """
    plans = rater._engine.plans
    if isinstance(plans, Plan):
        raise RatekitTypeError(
            f"Rater.assign: this rater was built from one Plan ({plans.id!r}), which prices "
            "every account; assignments can be added only to a rater built from Assignment "
            "values: build it from rk.Assignment(account, plan) values (one per account, or "
            "with a start) to assign plans as customers come."
        )
    for index, item in enumerate(given):
        if not isinstance(item, Assignment):
            raise RatekitTypeError(_not_assignment(index, item))
    read = read_plans(list(given), "Rater.assign")
    assert not isinstance(read, Plan)  # a list is never a Plan
    taken, changes = _told_in_order(plans, read, (rater._start_us, rater._as_of_us))
    if not changes:
        return tuple(plans)  # a replay of what the rater holds: nothing changes
    combined = _engine_doors.assignments(taken)
    read = tuple(changes)
    meters = rater._engine.meters
    try:  # the constructor's checks of the whole set, said of the assignments added
        _engine_doors.Engine(combined, meters)
    except RatekitError as error:
        said = str(error)
        if "one plan at a time" in said:
            said += (
                " An account's open-ended assignment that starts before an added one is "
                "ended at its start; any other overlap is refused, as when the rater is built."
            )
        raise type(error)(
            f"Rater.assign: with {', '.join(map(repr, read))}, the rater's assignments "
            f"({', '.join(map(repr, combined))}) are refused: {said}"
        ) from None
    sealed = _snapshot.seal(_store.body(rater), _snapshot.fingerprint(combined, meters))
    try:  # the usage kept is priced: `reassigned()` judges the accounts added
        other = type(rater)._restore(sealed, combined, meters, priced=False)
    except BadSnapshotError as error:
        raise _taken_refused(error, read) from None
    unpriced = _kept_usage.reassigned(rater, other, (a.account for a in read))
    if unpriced is not None:
        account, refused = unpriced
        remedy = (
            "Assign a plan that prices it (or one built with unpriced='anomaly')."
            if isinstance(refused, UnpricedUsageError)
            else "Assign a plan whose entries can price it."
        )
        raise type(refused)(
            f"Rater.assign: with {', '.join(map(repr, read))}, every statement would fail "
            f"to price the usage of account {account!r} the rater keeps: {refused} {remedy}"
        )
    for name in type(rater).__slots__:
        object.__setattr__(rater, name, getattr(other, name))
    return combined


def _taken_refused(error: BadSnapshotError, read: typing.Sequence[Assignment]) -> RatekitError:
    """What the feed took that the new set refuses, said of ``read`` (the added ones).

    A record in a gap the new set leaves (`UnpricedUsageError`), or a level or quantity
    its prices cannot take (`BadPriceError`): the restore's refusal is ``error``, the
    feed's own its cause (or ``error`` itself, when it has none).
    """
    refused = error.__cause__ if isinstance(error.__cause__, RatekitError) else error
    detail = str(refused).removeprefix("Rater.feed: ")
    detail = detail.removesuffix(" Restore an unaltered copy.")
    detail = detail.split("; the batch is refused whole", 1)[0].removesuffix(".")
    kind = UnpricedUsageError if isinstance(refused, UnpricedUsageError) else BadPriceError
    return kind(
        f"Rater.assign: with {', '.join(map(repr, read))}, what the rater took could "
        f"not be rated: {detail}. Assign plans that cover and price the records taken."
    )


def _not_assignment(index: int, item: object) -> str:
    """What `assign()` says of an argument ``item`` at ``index`` that is no `Assignment`."""
    said = f"Rater.assign takes Assignment values, each as an argument; argument {index} is "
    if isinstance(item, Plan):
        return (
            f"{said}a Plan ({item.id!r}), which names no account: give each account its plan "
            "with rk.Assignment(account, plan, start=...)."
        )
    if isinstance(item, Iterable) and not isinstance(item, str | bytes | Mapping):
        return (
            f"{said}a {type(item).__name__} (not read): pass the Assignment values it holds "
            "as separate arguments, rater.assign(*assignments)."
        )
    return (
        f"{said}{type(item).__name__}: {show(item)}; give rk.Assignment(account, plan, "
        "start=...) values."
    )


def _start(assignment: Assignment) -> float:
    """The order `assign()` takes its assignments in: by start, one with none first."""
    return -math.inf if assignment.start_us is None else assignment.start_us


def _told_in_order(
    plans: typing.Sequence[Assignment],
    given: typing.Sequence[Assignment],
    stated: tuple[int, int],
) -> tuple[list[Assignment], list[Assignment]]:
    """The rater's set after ``given``, each told in turn by start; and those not replays.

    ``given`` is taken in the order of the starts (one with no start first, a stable
    sort), each as one `assign()` call with it alone would take it, said of the set the
    ones before left (so one call with a whole log is the calls one by one):

    - a replay, equal to one the set holds, or open-ended where the set holds the same
      account, plan and start with an end (ended by the next one's start, or by the
      customer leaving): nothing changes;
    - an ending, with the account, plan and start of an open-ended one the set holds
      and an end at or after the watermark: it takes that one's place;
    - else an addition, starting at or after the watermark: the account's open-ended
      assignment that started before it is ended at its start.

    Raises [`BadTimeError`][ratekit.BadTimeError] for an addition before the watermark
    (``stated[1]``), an ending before it, or a change of an allowance period's share
    stated (`_own_period`); the checks of the whole set are the caller's. The set keeps
    its order, each ended one in its place, the added ones after in the order taken.
    O(n + k log k + k * a) for n held, k given and a assignments of an account.
    """
    watermark = stated[1]
    out = list(plans)
    where: dict[str, list[int]] = {}
    for index, assignment in enumerate(out):
        where.setdefault(assignment.account, []).append(index)
    said: list[Assignment] = []
    for assignment in sorted(given, key=_start):
        mine = where.setdefault(assignment.account, [])
        if any(_replay(assignment, out[index]) for index in mine):
            continue
        ends = next((index for index in mine if _ends(assignment, out[index])), None)
        if ends is not None:
            at = _ending(assignment, out[ends], watermark)
            _own_period(plans, assignment, at, stated)
            out[ends] = assignment
            said.append(assignment)
            continue
        start = _addition_start(assignment, watermark)
        _own_period(plans, assignment, start, stated)
        for index in mine:
            held = out[index]
            if held.end_us is None and (held.start_us is None or held.start_us < start):
                out[index] = attrs.evolve(held, end=format_us(start))
                _own_period(plans, out[index], start, stated)
        mine.append(len(out))
        out.append(assignment)
        said.append(assignment)
    return out, said


def _replay(given: Assignment, held: Assignment) -> bool:
    """Whether ``given`` is ``held`` (of its account) told again: as it is, or open-ended.

    Open-ended with the plan and start of one held with an end: as it was told before
    the next one's start or the customer's leaving ended it. Anything else with that
    plan and start would overlap it.
    """
    if given == held:
        return True
    return (
        given.end_us is None
        and held.end_us is not None
        and given.start_us == held.start_us
        and given.plan == held.plan
    )


def _ends(given: Assignment, held: Assignment) -> bool:
    """Whether ``given`` ends ``held``: its open-ended plan from its start, with an end."""
    return (
        held.end_us is None
        and given.end_us is not None
        and given.start_us == held.start_us
        and given.plan == held.plan
    )


def _ending(given: Assignment, held: Assignment, watermark: int) -> int:
    """The end of ``given``, ending ``held``; refused when before the ``watermark``."""
    assert given.end_us is not None
    if given.end_us < watermark:
        raise BadTimeError(
            f"Rater.assign: {given!r} ends the rater's {held!r} at "
            f"{format_us(given.end_us)}, before its last watermark "
            f"{format_us(watermark)}: the statements up to it billed the plan. Give an "
            f"end at or after {format_us(watermark)}; to rate the past otherwise, rate "
            "its records in batch with rk.rate()."
        )
    return given.end_us


def _addition_start(assignment: Assignment, watermark: int) -> int:
    """The start of an added ``assignment``; refused when before the ``watermark``."""
    if assignment.start_us is None or assignment.start_us < watermark:
        when = (
            "has no start (it holds from the start of time)"
            if assignment.start_us is None
            else f"starts at {format_us(assignment.start_us)}"
        )
        raise BadTimeError(
            f"Rater.assign: {assignment!r} {when}, before the rater's last watermark "
            f"{format_us(watermark)}: the statements up to it are given, and an "
            "assignment takes effect only for what comes after. Give it a start at or "
            f"after {format_us(watermark)}; to rate the past under other plans, rate "
            "its records in batch with rk.rate()."
        )
    return assignment.start_us


def _own_period(
    before: typing.Sequence[Assignment], assignment: Assignment, at: int, stated: tuple[int, int]
) -> None:
    """Refuse a change of an allowance's share of a period the statements have used.

    ``assignment`` is added (it changes the share at ``at``, its start) or ended (at
    ``at``, its end).
    An allowance with its own period is prorated by its plan's share of that period
    (the time the account has the plan in it, `docs/pricing.md`): adding the plan
    again, or ending it, within a period in which the account had it (in ``before``,
    the set before the call) over the ``stated`` span (the rater's start to its
    watermark) changes the free units of cycles already stated, some compacted, which
    no statement could correct. Raises [`BadTimeError`][ratekit.BadTimeError] naming
    the assignment, the allowance and its period.
    """
    change = "starting" if at == assignment.start_us else "ending"
    for allowance in assignment.plan.allowances:
        if allowance.cycle is None:
            continue
        lo, hi = allowance.cycle.containing_us(at)
        if lo == at or not _held(before, assignment, max(lo, stated[0]), stated[1]):
            continue
        raise BadTimeError(
            f"Rater.assign: {assignment!r}, {change} at {format_us(at)}, would change the "
            f"share of plan {assignment.plan.id!r} in the period {format_us(lo)}.."
            f"{format_us(hi)} of its allowance of {allowance.meter!r}, a period in "
            f"which the account had the plan before the watermark {format_us(stated[1])}: "
            "that "
            "allowance is prorated by the plan's share of its period, so the free units "
            "of cycles already stated would change. Change the plan at that period's "
            f"start or end ({format_us(hi)}), or rate the period in batch with rk.rate()."
        )


def _held(before: typing.Sequence[Assignment], changed: Assignment, lo: int, hi: int) -> bool:
    """Whether ``changed``'s account had its plan over some of ``[lo, hi)`` before."""
    for a in before:
        if a.account != changed.account or a.plan.id != changed.plan.id:
            continue
        start = lo if a.start_us is None else max(a.start_us, lo)
        end = hi if a.end_us is None else min(a.end_us, hi)
        if start < end:
            return True
    return False
