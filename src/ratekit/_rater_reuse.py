"""The streaming rater's reuse of charges: what of the last rating stands, what is rated again.

Private to [`ratekit.Rater`][ratekit.Rater], whenever a charge of usage depends on no
row outside its own group (`_rater_engine.Engine.rerated` is false). Then a statement
need not price every row of the open cycles again:

- a row **priced on its own** (its one charge a linear price's usage, nothing free)
  keeps its charge while it is the same row (the same object: the book replaces a row
  that changes) in the same rated span;
- a row with pieces in a **group priced by its total** (a graduated price per account
  and cycle, say) keeps its charges while everything before it in its group stands. Each
  group keeps a *track*: its pieces in rating's order, each with the group's quantity
  before it. A group stands up to its first piece whose row is gone or rated again; the
  rows after that point are rated again, and the group is priced on from the running
  quantity there (`_pricing._Pricing.carry`), so that a month of a graduated price
  is priced once, piece by piece, not again at each statement;
- everything else (new rows, rows reaching past the watermark, rows priced in several
  linear parts) is rated again.

What is due with time alone is rated again at every statement for the accounts given:
a plan's fees (they depend on no row), and the bases of prices, each charged from its
group's first piece (kept with the group's track while the group stands: `_Track.opener`)
or, for a price of the whole account, from the account's coverage. So is a minimum's
top-up: no row's charge depends on it, and it counts the charges that stand without
reading them, as sums kept with them (`Known.standing`, `ratekit._standing`): taken
out as their rows go, added as rows are held. Where the order of adding 60-digit
amounts could decide a top-up's digits, the rows are rated whole (`_standing.Unsure`).

Under a billing cycle's allowance, a pool taken in time order, the pieces before where
it ran dry and those after that took nothing stand while the pool is still dry there,
and the rating takes on from what they took (`ratekit._rater_pools`).

A new piece that would sort at or before where its group stands (a late record inside
the month) cannot be priced on from there: the rating starts over for the rows given,
with nothing carried (`_pricing.Crossed`). Either way the charges are those of
rating all the rows at once, digit for digit: the pieces before a group's carry point
are the same pieces priced from the same quantities, and those after are priced from
the quantity the group reached there, as one rating would.
"""

from __future__ import annotations

import collections
import itertools
import operator
import typing
from collections.abc import Container, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from . import _rater_pools as _pools
from ._allowances import Drawer, Drawn, Refilled, Taken
from ._pricing import Crossed, Exact, GroupKey, Place, _Piece
from ._rater_known import Known, _Track
from ._standing import Spend, Table, Unsure, count
from .charges import Charge, Rating
from .pricebook import Plan
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from ._rater_engine import Engine

__all__ = ["rate_again"]

_ROW = operator.attrgetter("row")
_ACCOUNT = operator.attrgetter("account")
_QUANTITY = operator.attrgetter("quantity")
_ZERO = Decimal(0)


def rate_again(  # noqa: PLR0917 - private plumbing of plain values
    engine: Engine,
    parts: Iterable[Sequence[UsageRow]],
    first: Mapping[str, int],
    start_us: int,
    end_us: int,
    known: dict[str, Known],
    withheld: Container[tuple[str, str]] = frozenset(),
) -> tuple[Rating, dict[str, list[Charge]], list[Charge]]:
    """Rate the rows over ``[start_us, end_us)``, reusing what of the last rating stands.

    ``parts``: the rows, per resource (each resource's rows, in the book's order), of the
    cycles that end after ``start_us`` (those ended by it have no charge: see
    `_rater_lines.rate`, which leaves them out without reading every row).
    ``known`` (per account) is brought up to date for the accounts of the rows (the
    others' entries stay as they are). Returns the rating of the rows rated again, the
    charges reused per account (in its rows' order), and the charges ``known`` held for
    rows of those accounts that are gone or were rated again. ``withheld``: see
    `Engine.rate_rows`. Cost: O(n) look-ups
    for n rows and pieces kept, plus the rating of what is rated again.
    """
    by_account: dict[str, list[UsageRow]] = {}
    for part in parts:
        if part:
            by_account.setdefault(part[0].account, []).extend(part)
    spill: dict[Drawer, Fraction] = {}
    while True:
        todo, reused, lost, carry, opened, kept, drawn = _gather(
            engine, by_account, known, (start_us, end_us), spill
        )
        # Under a minimum, the spend of the charges that stand (and they, for its floor), and
        # what the rating counts (None: no minimum).
        spends: list[Spend] | None = [] if engine.minimums else None
        standing: Table = {}
        if spends is not None:
            for new, _ in kept.values():
                standing.update(new.standing)
        taken: Taken | None = {} if engine.pooled else None
        try:
            rating, groups, ends, direct = engine.rate_rows(
                todo,
                first,
                start_us,
                end_us,
                carry,
                opened=opened,
                withheld=withheld,
                standing=None
                if spends is None
                else (standing, list(itertools.chain.from_iterable(reused.values())), spends),
                drawn=None if taken is None else (drawn, taken),
            )
        except Refilled as refilled:
            if refilled.left and not spill:
                # A pool offers more than the piece where it ran dry took: the ghosts
                # after it that its rest reaches are rated too, once.
                spill = refilled.left
                continue
            rating, groups, ends, direct, kept, reused, lost, spends, taken = _whole(
                engine, by_account, kept, (first, start_us, end_us, withheld), lost
            )
        except (Crossed, Unsure):
            rating, groups, ends, direct, kept, reused, lost, spends, taken = _whole(
                engine, by_account, kept, (first, start_us, end_us, withheld), lost
            )
        break
    for account, (new, _) in kept.items():
        known[account] = new
    _remember(
        known, rating.charges, direct, (groups, ends, taken), (start_us, end_us), engine.peaks
    )
    if spends:
        _count(known, spends)
    return rating, reused, lost


def _gather(
    engine: Engine,
    by_account: dict[str, list[UsageRow]],
    known: dict[str, Known],
    span: tuple[int, int],
    spill: dict[Drawer, Fraction],
) -> tuple[
    list[UsageRow],
    dict[str, list[Charge]],
    list[Charge],
    dict[GroupKey, tuple[Place, Exact]],
    dict[GroupKey, _Piece],
    dict[str, tuple[Known, set[int]]],
    Drawn,
]:
    """Per account, what stands of ``known`` and what is rated again (see `rate_again`).

    Returns the rows to rate, the charges reused per account, those lost, the groups
    carried and their first pieces, per account what stands (a new `Known`) and the ids
    of the rows that stand, and what the pools' pieces that stand took (`_rater_pools`).
    ``spill``: see `_rater_pools.spilled`. Reads ``known``, changes nothing in it.
    """
    start_us, end_us = span
    todo: list[UsageRow] = []
    reused: dict[str, list[Charge]] = {}
    lost: list[Charge] = []
    carry: dict[GroupKey, tuple[Place, Exact]] = {}
    opened: dict[GroupKey, _Piece] = {}
    kept: dict[str, tuple[Known, set[int]]] = {}
    drawn: Drawn = {}
    for account, mine in by_account.items():
        old = known.get(account)
        if (
            old is None
            or old.since != start_us
            or _changes_plan(engine, account, (start_us, end_us), mine)
            or (engine.pooled and _corrects(mine))
        ):
            # rated over another span, or a change of plan (or of price, with a correction)
            # whose corrections may take back another's usage (`ratekit._taken_back`), or
            # a correction under an allowance (it gives back to a pool): nothing stands
            if old is not None:
                lost.extend(_charges(old))
            old = Known(start_us)
        reused[account] = []
        stand, cuts, gone, where = _reuse(
            old, mine, (todo, reused[account], lost), (carry, opened, drawn), spill
        )
        kept[account] = (_renew(old, gone, cuts, start_us, where), stand)
    return todo, reused, lost, carry, opened, kept, drawn


def _whole(
    engine: Engine,
    by_account: dict[str, list[UsageRow]],
    kept: dict[str, tuple[Known, set[int]]],
    rated: tuple[Mapping[str, int], int, int, Container[tuple[str, str]]],
    lost: list[Charge],
) -> tuple[
    Rating,
    dict[GroupKey, list[_Piece]],
    dict[GroupKey, Exact],
    list[Charge],
    dict[str, tuple[Known, set[int]]],
    dict[str, list[Charge]],
    list[Charge],
    list[Spend] | None,
    Taken | None,
]:
    """Rate the rows whole, as if new: nothing stands.

    A piece sorts before where its group stands, the digits of a top-up may be those of
    the standing spend's order of sums, or a pool's pieces that stand are not what
    rating them all would take.
    """
    first, start_us, end_us, withheld = rated
    todo = [row for mine in by_account.values() for row in mine]
    lost = lost + [c for new, stand in kept.values() for c in _charges(new) if id(c.row) in stand]
    spends: list[Spend] | None = [] if engine.minimums else None
    taken: Taken | None = {} if engine.pooled else None
    rating, groups, ends, direct = engine.rate_rows(
        todo,
        first,
        start_us,
        end_us,
        {},
        withheld=withheld,
        standing=None if spends is None else ({}, (), spends),
        drawn=None if taken is None else ({}, taken),
    )
    kept = {account: (Known(start_us), set()) for account in by_account}
    return rating, groups, ends, direct, kept, {}, lost, spends, taken


def _changes_plan(
    engine: Engine, account: str, span: tuple[int, int], rows: list[UsageRow]
) -> bool:
    """Whether ``account`` changes plan, or may change price while one of ``rows`` is a correction.

    ``span``: ``(start_us, end_us)``; a correction is a row below zero. A correction
    after a change of plan or price, or under a plan of two entries on a meter, takes
    back units at the price they were billed at (see `ratekit._taken_back`): a charge
    of another group's, or at another entry than its own. With no correction, a change
    of price within a plan moves no charge, and what was rated stands. O(a + e + r) for
    a assignments, e of their plans' price changes and entries, and r rows.
    """
    start_us, end_us = span
    segments = engine.segments
    items = None if segments is None else segments.get(account)
    if not items:
        plans = engine.plans
        return isinstance(plans, Plan) and _corrects(rows) and _reprices(plans, start_us, end_us)
    inside = [(start, end, plan) for start, end, plan in items if start < end_us and end > start_us]
    if len({plan.id for _, _, plan in inside}) > 1:
        return True
    return _corrects(rows) and any(
        _reprices(plan, max(start, start_us), min(end, end_us)) for start, end, plan in inside
    )


def _corrects(rows: list[UsageRow]) -> bool:
    """Whether one of ``rows`` is a correction: a quantity below zero. O(r), at C speed.

    Asked of every row of an account whose rows changed, at each statement, when a price
    of its plan changes in the span: the least quantity, compared with a Decimal zero
    (Decimals compared with each other, no generator step nor int converted per row:
    85 -> 56 µs for an account's 350 rows).
    """
    return bool(rows) and min(map(_QUANTITY, rows)) < _ZERO


def _reprices(plan: Plan, start_us: int, end_us: int) -> bool:
    """Whether ``plan`` prices a meter by two entries, or a price of it changes inside ``(start_us, end_us)``."""
    return any(len(entries) > 1 for entries in plan._by_meter.values()) or any(
        changes.within(start_us, end_us) for changes in plan._changes.values()
    )


def _reuse(
    old: Known,
    rows: list[UsageRow],
    out: tuple[list[UsageRow], list[Charge], list[Charge]],
    carried: tuple[dict[GroupKey, tuple[Place, Exact]], dict[GroupKey, _Piece], Drawn],
    spill: dict[Drawer, Fraction],
) -> tuple[set[int], dict[GroupKey, int], set[int], dict[Drawer, _pools.Cut]]:
    """One account: its rows to rate again, the charges that stand, lost, and carried.

    Appends to ``out`` (``todo``, ``reused`` and ``lost``), and to ``carried`` (per group
    carried, where it stands and its first piece, see `_Track`; per drawer of the pools,
    what stands of it, see `_rater_pools`); returns the ids of the rows whose charges
    stand, per group where its track stops standing, the ids of the rows ``old`` held
    whose charges do not stand (gone or rated again), and where each pool stands. The sets of
    rows are taken apart with set operations (at C speed); only the rows given are
    visited one by one, to keep their order.
    """
    todo, reused, lost = out
    keys = list(map(id, rows))
    again, stand, cuts = _split(old, keys, spill)
    where: dict[Drawer, _pools.Cut] = {}
    if old.pools:
        drawn, where = _pools.drawn(old.pools, stand)
        carried[2].update(drawn)
    held = old.held
    # In the rows' order, at C speed: those rated again, and the charges of the others.
    todo.extend(itertools.compress(rows, map(again.__contains__, keys)))
    reused.extend(
        itertools.chain.from_iterable(map(held.__getitem__, filter(stand.__contains__, keys)))
    )
    gone = held.keys() - stand
    lost.extend(itertools.chain.from_iterable(map(held.__getitem__, gone)))
    carry, opened, _ = carried
    for group, track in old.tracks.items():
        cut = cuts.get(group, len(track))
        if cut:
            carry[group] = (track.place(cut - 1), track.before(cut))
            if track.opener is not None:
                opened[group] = track.opener
    return stand, cuts, gone, where


def _split(
    old: Known, keys: list[int], spill: dict[Drawer, Fraction]
) -> tuple[set[int], set[int], dict[GroupKey, int]]:
    """The rows to rate again and those whose charges stand (by id), and each track's cut.

    A row is rated again unless ``old`` holds its charges (by the row's id: a row ``old``
    holds is kept alive by its charges, so no other row has its id); and so is every row
    with a piece after a group's first piece whose row is gone or rated again (which may
    cut another group it has pieces in, hence the loop), and every row whose piece in a
    pool of an allowance does not stand (`_rater_pools.cuts`; ``spill``: see
    `_rater_pools.spilled`). The others stand. Per group, where its track stops standing. O(n + p) per round for n rows and p pieces tracked;
    a round more only for a row in several groups.
    """
    present = set(keys)
    again = present - old.held.keys()
    # The rows held: a track holds only rows in groups, so those priced alone among them
    # change no track's cut.
    reusable = present - again
    if spill and old.pools:
        spilled = _pools.spilled(old.pools, reusable, spill)
        reusable -= spilled
        again |= spilled
    cuts: dict[GroupKey, int] = {}
    while True:
        more: set[int] = set()
        for group, track in old.tracks.items():
            ids = track.rows
            limit = cuts.get(group, len(ids))
            head = ids if limit == len(ids) else ids[:limit]
            if reusable.issuperset(head):  # at C speed: the group stands up to limit
                continue
            index = list(map(reusable.__contains__, head)).index(False)
            cuts[group] = index
            more.update(reusable.intersection(head[index:]))
        if old.pools:
            more.update(_pools.cuts(old.pools, reusable))
        if not more:
            return again, reusable, cuts
        reusable -= more
        again |= more


def _renew(
    old: Known,
    gone: set[int],
    cuts: dict[GroupKey, int],
    since: int,
    where: dict[Drawer, _pools.Cut],
) -> Known:
    """What of ``old`` stands: the rows it held but those in ``gone``, each track up to its cut.

    A new value (a copy of the rater shares ``old``): its tables copied at C speed, then
    the rows that do not stand taken out (and their spends, under a minimum).
    """
    new = Known(since)
    new.held = old.held.copy()
    for key in gone:
        del new.held[key]
    if old.spends:
        new.spends = old.spends.copy()
        new.standing = {
            key: {meter: sums.copy() for meter, sums in meters.items()}
            for key, meters in old.standing.items()
        }
        for key in gone:
            count(new.standing, new.spends.pop(key, ()), taken=True)
    for group, track in old.tracks.items():
        cut = cuts.get(group, len(track))
        if cut:
            new.tracks[group] = track if cut == len(track) else track.cut(cut)
    if old.pools:
        new.pools = _pools.renew(old.pools, where)
    return new


def _remember(  # noqa: PLR0912, PLR0917 - private plumbing of plain values
    known: dict[str, Known],
    charges: tuple[Charge, ...],
    direct: list[Charge],
    priced: tuple[dict[GroupKey, list[_Piece]], dict[GroupKey, Exact], Taken | None],
    span: tuple[int, int],
    peaks: frozenset[str],
) -> None:
    """Keep what the rating of the rows rated again makes reusable (see the module).

    ``direct``: those of ``charges`` priced on the spot (`_rating_engine._Engine.pieces`):
    each the one charge of its row, inside the span, a linear price's usage with nothing
    free, so each stands for its row as it is, kept per account at C speed without being
    read one by one (43,000 of the 72,000 charges of the 5th statement of
    rater_bench.py at 1,000,000 records: 0.125 -> 0.113 s of CPU, on the same input).
    ``priced``: the groups priced by their total (their pieces in order) and the
    quantity each reaches, and the pieces taken from the pools of allowances (their
    rows' charges held as those of groups: `_rater_pools`).

    The rows of a meter in ``peaks`` (an aggregate that does not add up) are never kept:
    a peak's pieces share the price of the cycle's whole peak, linear parts included,
    so they are priced again together whenever the cycle is.
    """
    start_us, end_us = span
    spot = set(map(id, direct))
    kept = [c for c in direct if c.meter not in peaks] if peaks else direct
    for account, run in itertools.groupby(kept, _ACCOUNT):  # in the rows' order: by account
        mine = list(run)
        known[account].held.update(zip(map(id, map(_ROW, mine)), zip(mine), strict=True))
    # The others, read one by one (no row of theirs is one of ``direct``'s).
    others = list(
        itertools.compress(charges, map(operator.not_, map(spot.__contains__, map(id, charges))))
    )
    rows = list(map(_ROW, others))
    keys = list(map(id, rows))
    # The rows of several charges (cut by a price change, say): gathered apart; each
    # of the others (most) is judged on its one charge, without a list made for it.
    many: dict[int, list[Charge]] = {
        key: [] for key, count in collections.Counter(keys).items() if count > 1
    }
    groups, ends, taken = priced
    in_groups = _track(known, groups, ends)
    if taken:
        in_groups |= _pools.track(lambda account: known[account].pools, taken)
    account = None
    held: dict[int, Sequence[Charge]] = {}
    for key, row, charge in zip(keys, rows, others, strict=True):
        if row is None:
            continue
        made = many.get(key) if many else None  # (mostly none: no look-up)
        if made is not None:
            made.append(charge)
            continue
        piece = row.span
        if not (start_us <= piece.start_us and piece.end_us <= end_us):
            continue  # clipped by the watermark: rated again next time
        if row.meter in peaks:
            continue  # priced again with its cycle's whole peak, each time
        if row.account != account:  # the charges come account by account
            account = row.account
            held = known[account].held
        if key in in_groups:
            held[key] = [charge]
        elif (
            # priced from its row alone: a linear price's usage, nothing free (read
            # here, not in a function: 7,000 rows a statement of rater_bench.py at 200k)
            charge.kind == "usage"
            and charge.unit_price is not None
            and charge.position is None
            and not charge.free
        ):
            held[key] = (charge,)
    for key, made in many.items():
        if key in in_groups and made:  # (priced alone, a row has one charge)
            row = made[0].row
            assert row is not None
            piece = row.span
            # not clipped by the watermark, nor priced again with its cycle's whole peak
            if start_us <= piece.start_us and piece.end_us <= end_us and row.meter not in peaks:
                known[row.account].held[key] = made


def _track(
    known: dict[str, Known], groups: dict[GroupKey, list[_Piece]], ends: dict[GroupKey, Exact]
) -> set[int]:
    """Extend each group's track with its pieces priced now; the ids of their rows."""
    in_groups: set[int] = set()
    for group, members in groups.items():
        tracks = known[group[0]].tracks
        track = tracks.get(group)
        if track is None:
            track = tracks[group] = _Track(members[0])
        rows = list(map(_ROW, members))
        track.extend(members, rows, ends[group])
        in_groups.update(map(id, rows))
    return in_groups


def _count(known: dict[str, Known], spends: list[Spend]) -> None:
    """Keep what the charges held now spend toward a minimum (``spends``: all counted). O(s)."""
    for spend in spends:
        row, key = spend[0], spend[1]
        mine = known.get(key[0]) if row else None  # (a base has no row: never held)
        if mine is not None and row in mine.held:  # (a row rated now: held now, if at all)
            mine.spends.setdefault(row, []).append(spend)
            count(mine.standing, (spend,))


def _charges(known: Known) -> list[Charge]:
    return list(itertools.chain.from_iterable(known.held.values()))
