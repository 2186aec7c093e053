"""`Rater.assign()`: assignments added to a running rater, for what is fed after them.

Private to [`ratekit.Rater`][ratekit.Rater]. A rater built from assignments takes more of
them as customers come and change plans: each starts at or after the rater's last
watermark, so that no line a statement has given changes. An account's open-ended
assignment that started before a new one's start is ended there (a plan change: the
customer who upgrades mid-month); any other overlap is refused, as when the rater is
built. The rater after the call is the one [`restore()`][ratekit.Rater.restore] gives from
its snapshot under the whole new set: its engine (what each plan prices, where prices
change, the doors' caches) and every cache the rater keeps of its ratings are built
again, so none holds what the old set said. The call is atomic: it builds that rater
aside and takes its state only once nothing was refused.

So a stream in which assignments become known over time, each before any record of its
span and at or after the watermark, states what one batch [`rate()`][ratekit.rate] with
all of them charges (see docs/streaming.md).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping

import attrs

from . import _rater_engine as _engine_doors
from . import _rater_priced_doors as _priced_doors
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

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for a rater built from one
    `Plan` or an item that is no `Assignment`, [`BadTimeError`][ratekit.BadTimeError] for
    an assignment starting before the last watermark, and what building the rater with
    the whole set raises (an overlap, a currency change mid-cycle, a unit a meter does not
    have, another billing cycle). The rater is unchanged when it raises.
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
    read = _new(plans, read)
    if not read:
        return tuple(plans)  # a replay of what the rater holds: nothing changes
    watermark = rater._as_of_us
    endings = _endings(plans, read, watermark)
    told_ends = {id(told) for told in endings.values()}
    for assignment in read:
        if id(assignment) in told_ends:
            continue  # a held assignment told again with an end: its start is known
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
    starts = [a for a in read if id(a) not in told_ends]
    combined = _engine_doors.assignments(_combined(plans, starts, endings))
    _own_periods(plans, combined, starts, (rater._start_us, watermark))
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
    try:
        other = type(rater).restore(sealed, combined, meters)
    except BadSnapshotError as error:
        raise _taken_refused(error, read) from None
    unpriced = _priced_doors.reassigned(rater, other, (a.account for a in read))
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


def _new(
    plans: typing.Sequence[Assignment], given: typing.Sequence[Assignment]
) -> tuple[Assignment, ...]:
    """``given`` but for the assignments ``plans`` holds, or an earlier one of ``given``.

    A host that tells an assignment again (replaying its log of plan changes, as a feed
    replays records) changes nothing: one equal to a held one, or open-ended where the
    held one was ended at the start of the account's next (as `_combined` ends it: the
    log holds it as it was told). Compared within each account: O(n).
    """
    held: dict[str, list[Assignment]] = {}
    for assignment in plans:
        held.setdefault(assignment.account, []).append(assignment)
    out: list[Assignment] = []
    for assignment in given:
        mine = held.setdefault(assignment.account, [])
        if not any(_told(assignment, other, mine) for other in mine):
            mine.append(assignment)
            out.append(assignment)
    return tuple(out)


def _told(given: Assignment, other: Assignment, mine: typing.Sequence[Assignment]) -> bool:
    """Whether ``given`` is ``other`` as told, ``mine`` the account's assignments held."""
    if given == other:
        return True
    return (
        given.end_us is None
        and other.end_us is not None
        and given.start_us == other.start_us
        and given.plan == other.plan
        and any(next_one.start_us == other.end_us for next_one in mine)
    )


def _endings(
    plans: typing.Sequence[Assignment], given: typing.Sequence[Assignment], watermark: int
) -> dict[int, Assignment]:
    """Of ``given``, each held open-ended assignment told again with an end.

    The account, plan and start of one the rater holds with no end, and an end: the
    customer leaves then. By the id of the held assignment it ends. Refused with
    [`BadTimeError`][ratekit.BadTimeError] when that end is before the ``watermark``:
    the statements up to it billed the plan. O(n + m).
    """
    open_ended = {(a.account, a.plan.id, a.start_us): a for a in plans if a.end_us is None}
    out: dict[int, Assignment] = {}
    for assignment in given:
        held = open_ended.get((assignment.account, assignment.plan.id, assignment.start_us))
        if held is None or held.plan != assignment.plan or assignment.end_us is None:
            continue
        if assignment.end_us < watermark:
            raise BadTimeError(
                f"Rater.assign: {assignment!r} ends the rater's {held!r} at "
                f"{format_us(assignment.end_us)}, before its last watermark "
                f"{format_us(watermark)}: the statements up to it billed the plan. Give an "
                f"end at or after {format_us(watermark)}; to rate the past otherwise, rate "
                "its records in batch with rk.rate()."
            )
        out[id(held)] = assignment
    return out


def _combined(
    plans: typing.Sequence[Assignment],
    added: typing.Sequence[Assignment],
    endings: typing.Mapping[int, Assignment] | None = None,
) -> list[Assignment]:
    """The rater's assignments with ``added``: an open-ended one a later start ends.

    An account's assignment with no end, starting before the earliest start of the
    account's added ones, is ended there (the batch result of the assignments with it so
    ended); the overlaps left are refused when the rater is built with the whole set.
    ``endings`` (`_endings()`, by the id of the held assignment each ends): each takes
    the place of the one it ends.
    """
    plans = [(endings or {}).get(id(a), a) for a in plans]
    firsts: dict[str, int] = {}
    for assignment in added:
        start = assignment.start_us
        assert start is not None  # checked by the caller
        firsts[assignment.account] = min(start, firsts.get(assignment.account, start))
    out: list[Assignment] = []
    for assignment in plans:
        first = firsts.get(assignment.account)
        if (
            first is not None
            and assignment.end_us is None
            and (assignment.start_us is None or assignment.start_us < first)
        ):
            out.append(attrs.evolve(assignment, end=format_us(first)))
        else:
            out.append(assignment)
    return [*out, *added]


def _own_periods(
    before: typing.Sequence[Assignment],
    combined: typing.Sequence[Assignment],
    added: typing.Sequence[Assignment],
    stated: tuple[int, int],
) -> None:
    """Refuse a change of an allowance's share of a period the statements have used.

    An allowance with its own period is prorated by its plan's share of that period
    (the time the account has the plan in it, `docs/pricing.md`): adding the plan
    again, or ending it, within a period in which the account had it over the
    ``stated`` span (the rater's start to its watermark) changes the free units of cycles already stated, some compacted, which no
    statement could correct. Raises [`BadTimeError`][ratekit.BadTimeError] naming the
    assignment, the allowance and its period.
    """
    given = {id(a) for a in before} | {id(a) for a in added}
    ended = [a for a in combined if id(a) not in given]  # the ones `_combined` ended
    for assignment, at in [*((a, a.start_us) for a in added), *((a, a.end_us) for a in ended)]:
        assert at is not None
        for allowance in assignment.plan.allowances:
            if allowance.cycle is None:
                continue
            lo, hi = allowance.cycle.containing_us(at)
            if lo == at or not _held(before, assignment, max(lo, stated[0]), stated[1]):
                continue
            change = "starting" if at == assignment.start_us else "ending"
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
