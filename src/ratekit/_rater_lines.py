"""The rater's statement lines: the charges rated, grouped per line, compared with before.

Private to [`ratekit.Rater`][ratekit.Rater]. Sums and differences of lines are exact (no
rounding at any precision), so that the increments of a line add up to the line, digit
for digit; ``Inexact`` would be a bug.
"""

from __future__ import annotations

import decimal
import functools
import itertools
import operator
import typing
from collections.abc import Container, Iterator, Sequence
from decimal import Decimal
from typing import Final

from . import _rater_running as _running
from ._decimals import ZERO, own_context
from ._rater_store import sortable
from ._topups import is_base
from .charges import Charge, Rating
from .statements import LineKey, StatementLine, _line
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from ._rater_book import Book
    from .rater import Rater

__all__ = ["compare", "group", "line_key", "rate"]

_EXACT: Final = own_context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[decimal.Inexact]
)
_ADD = _EXACT.add
_SUB = _EXACT.subtract
_MINUS = _EXACT.minus
_QUANTITY = operator.attrgetter("quantity")
_AMOUNT = operator.attrgetter("amount")
_ACCOUNT = operator.attrgetter("account")
_FREE = operator.attrgetter("free")
_NEGATIVE = functools.partial(operator.gt, ZERO)  # (0 > quantity)


def line_key(charge: Charge) -> LineKey:
    return (
        charge.account,
        charge.cycle.start_us,
        charge.cycle.end_us,
        charge.kind,
        charge.plan,
        charge.meter,
        charge.entry,
        charge.resource,
        charge.unit,
        charge.currency,
    )


def compare(
    rater: Rater,
    groups: dict[LineKey, tuple[Charge, ...]],
    scope: set[LineKey] | None = None,
    closing: Container[tuple[int, int]] = (),
) -> tuple[list[StatementLine], list[StatementLine]]:
    """The lines that changed against what was reported; records the new totals.

    ``groups``: the charges per line. With ``scope`` (the lines whose charges may
    have changed), only those lines are compared: ``groups`` holds none other (the
    others' totals stand as reported). ``closing``: the cycles this statement closes,
    as (start, end) in µs; a line of one of them whose total stands is said again
    when what `rk.bill()` prints of it may have moved without its total (`_printed()`),
    whether compared or not. O(k log k) for k lines compared (all the lines reported
    and charged, without ``scope``), plus O(r) for the r lines reported when a cycle
    closes.
    """
    lines: list[StatementLine] = []
    held: list[StatementLine] = []
    unchanged: list[tuple[LineKey, tuple[Charge, ...], tuple[Decimal, Decimal]]] = []
    reported = rater._reported
    dirty = rater._dirty
    everything = ("*", None) in dirty
    closed, correct = rater._closed_us, rater._late == "correct"
    keys = set(groups).union(reported) if scope is None else scope
    if closing and scope is not None:
        keys, groups = _standing(rater, keys, groups, closing)
    order = _in_order(keys)
    # A column at a time, at C speed: each line's charges, exact sums and reported total
    # (a key's own entry is the only one its turn changes).
    repeat, reduce = itertools.repeat, functools.reduce
    runs = list(map(groups.get, order, repeat(())))
    quantities = map(reduce, repeat(_ADD), map(map, repeat(_QUANTITY), runs), repeat(ZERO))
    amounts = map(reduce, repeat(_ADD), map(map, repeat(_AMOUNT), runs), repeat(ZERO))
    olds = map(reported.get, order)
    for key, charges, quantity, amount, old in zip(
        order, runs, quantities, amounts, olds, strict=True
    ):
        if old is None and not charges:
            continue
        if charges and old is not None and old == (quantity, amount):
            if (
                closing
                and (key[1], key[2]) in closing
                and key[3] == "usage"
                and (_printed(charges) or not _digits(old, quantity, amount))
            ):
                # Said again at the closing, to the same total: a ledger of the lines
                # billed with `rk.bill()` prints the closing invoice.
                lines.append(_line(key, _MINUS(old[0]), _MINUS(old[1]), "reversal", False, ()))
                lines.append(_line(key, quantity, amount, "correction", False, charges))
                reported[key] = (quantity, amount)
                continue
            if key[3] == "minimum" and charges:
                unchanged.append((key, charges, old))  # its span may have to move (below)
            continue
        account, cycle_end = key[0], key[2]
        late = cycle_end <= closed
        target = lines if not late or correct else held
        if not charges:
            assert old is not None  # (no charges and nothing reported: skipped above)
            # The line is gone (a late STOP took its usage away): taken back whole, and no
            # longer reported, so that usage coming back later is a new line, a charge.
            # A line of total 0 too (a level of 0 deleted late): its total stands in
            # value, but it has no charge left, and a line reported is one with charges.
            del reported[key]
            target.append(_line(key, _MINUS(old[0]), _MINUS(old[1]), "reversal", late, ()))
            continue
        reported[key] = (quantity, amount)
        if old is None:
            target.append(_line(key, quantity, amount, "charge", late, charges))
            continue
        # A record stamped before the last watermark touched the account: any of its lines
        # may have changed through it (a tier position, a minimum, a fee's first cycle).
        touched = everything or (account, None) in dirty
        if not late and not touched:
            delta_q, delta_a = _SUB(quantity, old[0]), _SUB(amount, old[1])
            lines.append(_line(key, delta_q, delta_a, "increment", late, charges))
            continue
        target.append(_line(key, _MINUS(old[0]), _MINUS(old[1]), "reversal", late, ()))
        target.append(_line(key, quantity, amount, "correction", late, charges))
    if unchanged and (lines or held):
        _minimums_again(unchanged, lines, held, closed, correct)
    return lines, held


def _standing(
    rater: Rater,
    keys: set[LineKey],
    groups: dict[LineKey, tuple[Charge, ...]],
    closing: Container[tuple[int, int]],
) -> tuple[set[LineKey], dict[LineKey, tuple[Charge, ...]]]:
    """``keys`` and ``groups`` with the reported lines of the ``closing`` cycles not compared.

    Their charges all stand (kept as the lines' charges, `group()`), and so do their
    totals; what `rk.bill()` prints of them may not (`_printed()`). O(r) for r lines
    reported.
    """
    members = rater._line_members
    standing = [k for k in rater._reported if (k[1], k[2]) in closing and k not in keys]
    if not standing:
        return keys, groups
    return keys.union(standing), {**groups, **{k: members[k] for k in standing}}


def _digits(old: tuple[Decimal, Decimal], quantity: Decimal, amount: Decimal) -> bool:
    """Whether a total equal to ``old`` in value has its digits too (``0E-59`` is not ``0``).

    A usage line's amount of other digits at the same value comes from other charges
    (a tier priced 0 whose share of the free part moved). O(1).
    """
    return quantity.same_quantum(old[0]) and amount.same_quantum(old[1])


def _printed(charges: tuple[Charge, ...]) -> bool:
    """Whether what `rk.bill()` prints of a line may have moved while its total stood.

    What an invoice prints of a line is more than its total: its free quantity and its
    tier rows, which follow each charge's free part. An allowance's share grows with
    the watermark and is spread over the line's charges in time order: a standing
    total of usage all free stays all free, but a total that nets usage against a
    refund (a charge below zero) may keep its sum while the share moves between them
    (+0.74 and -0.74 over the tiers become 0.00 and 0.00; a free part rounded at its
    60th digit becomes whole), and a charge partly free keeps its amount while the
    share grows where its tier's price is 0. So: a free part among the line's
    charges, and a charge below zero or one not all free. O(n) for n charges, at C
    speed (no call per charge: most lines at a closing stand).
    """
    if not any(map(_FREE, charges)):
        return False
    return any(map(_NEGATIVE, map(_QUANTITY, charges))) or any(
        map(operator.ne, map(_FREE, charges), map(_QUANTITY, charges))
    )


def _minimums_again(
    unchanged: list[tuple[LineKey, tuple[Charge, ...], tuple[Decimal, Decimal]]],
    lines: list[StatementLine],
    held: list[StatementLine],
    closed_us: int,
    correct: bool,
) -> None:
    """Say again each minimum line whose total stands while a line it counts is said.

    A minimum's charge spans its plan's part of the cycle to the watermark (`_dues`), and
    `rk.bill` counts towards it only its plan's charges inside the span of its minimum
    charges (`_minimum_scopes.scope_of_minimums`). A ledger holds each line as last said: a line
    said with a charge after the watermark at which the plan's minimum was last said,
    while the minimum's total stands (a refund after a plan switch taking back the plan's
    units at its price, its spend +x - x), would hold a charge outside the minimum's
    span as the ledger has it, counted by none. So whenever a line a minimum counts is
    said (usage or a base of its plan and cycle; for a per-meter minimum, of its meter),
    the minimum's line is said with it, a reversal + correction to the same total
    (``late`` for a closed cycle), its charge spanning the plan's part of the cycle to
    this watermark. Spans only grow, so a line not said again keeps its charges inside.
    ``unchanged``: the minimum lines compared whose totals stand, with their charges
    and totals. O(l + m) for l lines said and m minimum lines, plus O(l log l) when one
    is said again.
    """
    moved: set[tuple[object, ...]] = set()
    for line in (*lines, *held):
        if line.role == "reversal" or not (
            line.kind == "usage" or (line.kind == "fee" and any(map(is_base, line.charges)))
        ):
            continue
        cycle = line.cycle
        moved.add((line.account, cycle.start_us, cycle.end_us, line.plan, line.meter))
        moved.add((line.account, cycle.start_us, cycle.end_us, line.plan, None))
    again = False
    for key, charges, (quantity, amount) in unchanged:
        if (key[0], key[1], key[2], key[4], key[5]) not in moved:
            continue
        late = key[2] <= closed_us
        target = lines if not late or correct else held
        target.append(_line(key, _MINUS(quantity), _MINUS(amount), "reversal", late, ()))
        target.append(_line(key, quantity, amount, "correction", late, charges))
        again = True
    if again:  # in the lines' order, a key's reversal before its correction (a stable sort)
        lines.sort(key=_sorted_by)
        held.sort(key=_sorted_by)


def _sorted_by(line: StatementLine) -> tuple[object, ...]:
    return sortable(line.key)


def _in_order(keys: set[LineKey]) -> list[LineKey]:
    """``keys`` in `sortable`'s order: their own, unless a None (no meter, say) meets a str.

    `sortable` reads None as ``""``; a sort of the keys themselves makes the same
    comparisons but where a None meets a str, which raises ``TypeError``: a sort that
    ends made only comparisons `sortable` would have made alike, so it is that order.
    Lines of usage alone (no fee, minimum or base) have no None. Without a key made per
    line: 0.18 -> 0.10 s for 40,000 lines in no order.
    """
    try:
        return sorted(keys)  # a None meeting a str is caught below
    except TypeError:
        return sorted(keys, key=sortable)


def rate(  # noqa: PLR0917 - private plumbing of plain values
    rater: Rater,
    book: Book,
    first: dict[str, int],
    start: int,
    as_of_us: int,
    changed: set[str] | None,
    charges: tuple[Charge, ...],
    withheld: Container[tuple[str, str]] = frozenset(),
) -> tuple[tuple[Charge, ...], Rating, list[Charge], dict[str, list[Charge]] | None]:
    """Rate the ``book``'s rows over ``[start, as_of_us)``, after the kept ``charges``.

    ``first``: per account, the instant it is covered from (its first record or row).
    ``changed``: the accounts whose rows changed (None: any of them). Returns all the
    charges, the rating of those rated again, the charges of rows gone since (see
    `_rater_engine.Engine.rate_again`) and, when only the changed accounts were rated
    again, the open cycles' charges per account, in the order of all the charges (each
    other account's list as it was; see `_rater_statement._keep`); else None.
    ``withheld``: the resources whose unpriced usage is neither refused nor said (see
    `ratekit._rater_priced_ahead`).
    """
    engine = rater._engine
    closed = rater._closed_us
    idle = rater._open_charges
    lost: list[Charge] = []
    opened: dict[str, list[Charge]] | None = None
    reusing = not engine.dues and idle is not None and changed is not None and start == closed
    if not reusing and book.running:
        # Every account is rated: the rows of the resources left are brought up to date.
        _running.bring(book, book.running.of(None), as_of_us)
    if engine.rerated:
        rows = book.all_rows()
        rating = engine.rate_rows(
            rows, first, start, as_of_us, allowed=rater._allowed, withheld=withheld
        )[0]
        charges = (*charges, *rating.charges)
    elif reusing:
        assert idle is not None
        assert changed is not None
        # Nothing is due with time alone: an account whose rows did not change keeps
        # its charges; in the others, a row priced on its own that did not change
        # keeps its charges too, and the rest are rated (groups whole).
        rating, reused, lost = engine.rate_again(
            _open_parts(book, changed, start),
            {account: t for account, t in first.items() if account in changed},
            start,
            as_of_us,
            rater._row_charges,
            withheld=withheld,
        )
        # Per account, in the order of the charges: those rated, then those reused (the
        # rows rated are all in open cycles), then the others' as they were.
        mine_by: dict[str, list[Charge]] = {}
        for account, run in itertools.groupby(rating.charges, _ACCOUNT):  # sorted by account
            mine_by.setdefault(account, []).extend(run)
        for account, mine in reused.items():
            if mine:
                mine_by.setdefault(account, []).extend(mine)
        # (the others' charges at C speed, not read one by one: most, where few changed)
        stand = itertools.chain.from_iterable(
            cs for account, cs in idle.items() if account not in changed
        )
        charges = (
            *charges,
            *rating.charges,
            *itertools.chain.from_iterable(reused.values()),
            *stand,
        )
        mine_by.update((account, cs) for account, cs in idle.items() if account not in changed)
        opened = mine_by
    else:
        # Every account (something is due with time alone, a fee: rated for each of
        # them, from ``first``), or the book was rebuilt: the rows that stand keep their
        # charges all the same.
        rating, reused, lost = engine.rate_again(
            _open_parts(book, None, start),
            first,
            start,
            as_of_us,
            rater._row_charges,
            withheld=withheld,
        )
        charges = (*charges, *rating.charges, *itertools.chain.from_iterable(reused.values()))
    return charges, rating, lost, opened


def _open_parts(
    book: Book, accounts: Container[str] | None, start_us: int
) -> Iterator[Sequence[UsageRow]]:
    """Per resource (of ``accounts``; None: all), its rows of the cycles that end after ``start_us``.

    A resource whose rows all start at or after ``start_us`` (the book's ``lows``) gives
    them as they are, without reading each (a row's cycle holds its start, so it ends
    after ``start_us``); only one with a row before it gives them read one by one. Those
    ended by ``start_us`` (kept closed cycles) have no charge to rate. Reading each row's
    cycle (the rows of the cycle so far) cost 2 % of a statement of
    ``benchmarks/rater_bench.py`` at 200,000 records. O(k) for k resources, plus O(r) for
    the r rows of those with a row before ``start_us``.
    """
    lows = book.lows
    for key, rows in book.rows.items():
        if accounts is not None and key[0] not in accounts:
            continue
        if lows[key] >= start_us:
            yield rows
            continue
        mine = [row for row in rows if row.cycle.end_us > start_us]
        if mine:
            yield mine


def group(
    rater: Rater,
    charges: tuple[Charge, ...],
    rated: tuple[Charge, ...],
    lost: list[Charge],
    full: set[tuple[str, str]] | None,
) -> tuple[dict[LineKey, tuple[Charge, ...]], set[LineKey] | None]:
    """The charges per line, of the lines to compare, and those lines (None: all of them).

    When every row is rated again (an allowance of its own period), or when the book was rebuilt, every
    line. Else a line can change only if it has a charge rated now (``rated``: a fee's,
    at every statement) or at the last statement, a charge of a row gone since
    (``lost``), is a reported line of a resource metered again (``full``), or a
    minimum's (whose top-up may go, leaving no charge):
    the others' charges all stand, and so do their totals. Each line's
    charges are kept from one statement to the next (``_line_members``, as the very tuple
    its statement line holds: one object, not two, for the collector to walk): a line
    compared is its charges of the last statement that stand, with those rated now; one
    whose charges all stand, with none rated now, is not compared (its total stands as
    reported: a line's reported total is its charges' since the last statement).
    O(c + r) for c charges (their ids, at C speed) and r charges of the lines compared,
    plus O(k) line keys.
    """
    groups: dict[LineKey, tuple[Charge, ...]] = {}
    last, rater._rated_keys = rater._rated_keys, None
    if rater._engine.rerated or full is None or last is None:
        return _every_line(rater, charges, rated), None
    fresh = _by_line(rated)
    # The lines compared: every line with a charge rated now, and of the others those
    # whose charges changed (below). The keys' hashes are copied with them, not taken
    # again (a set made of a dict's keys, or of a set).
    compared = set(fresh)
    rater._rated_keys = compared.copy()
    others = set(map(line_key, lost))
    others.update(last)
    if full:
        others.update(k for k in rater._reported if (k[0], k[7]) in full)
    if rater._engine.minimums:
        # A top-up may go with no charge of its own left (the spend reached it, or a
        # closed cycle rated again): its line, taken back, has no charge to be found by.
        others.update(k for k in rater._reported if k[3] == "minimum")
    # A line's other charges are among those it had at the last statement (they stand:
    # kept closed, reused, or of an account that did not change), in its order; those
    # still among ``charges`` stay (a charge held there is alive, so its id is its own).
    alive = set(map(id, charges)).__contains__
    before = rater._line_members
    had_of = before.get
    for key, new in fresh.items():
        had = had_of(key)
        members = tuple(itertools.compress(had, map(alive, map(id, had)))) if had else ()
        if not members:
            members = tuple(new)
        elif (standing := members[-1].span.start_us) < (rated_at := new[0].span.start_us) or (
            standing == rated_at and _in_line(members[-1]) < _in_line(new[0])
        ):
            # The common case: what is rated comes after what stands (told by the
            # spans' starts, mostly: the first of `_in_line`'s fields, read without
            # its two calls: 53.9 -> 49.1 ms of grouping a statement of rater_bench.py).
            members = (*members, *new)
        else:
            members = tuple(sorted(new + list(members), key=_in_line))
        groups[key] = before[key] = members
    # A line with no charge rated now whose charges of the last statement all stand
    # totals what was reported: not compared.
    for key in others.difference(fresh):
        had = had_of(key)
        if had and all(map(alive, map(id, had))):  # (told without a tuple made: most)
            continue
        members = tuple(itertools.compress(had, map(alive, map(id, had)))) if had else ()
        compared.add(key)
        if members:
            groups[key] = before[key] = members
        else:
            before.pop(key, None)
    return groups, compared


def _by_line(rated: tuple[Charge, ...]) -> dict[LineKey, list[Charge]]:
    """The charges rated per line, in rating's order (so in each line's order). O(c).

    A line's charges mostly come together (one run of them): looked up once per run.
    """
    fresh: dict[LineKey, list[Charge]] = {}
    key: LineKey | None = None
    mine: list[Charge] = []
    for charge in rated:
        cycle = charge.cycle
        here = (
            charge.account,
            cycle.start_us,
            cycle.end_us,
            charge.kind,
            charge.plan,
            charge.meter,
            charge.entry,
            charge.resource,
            charge.unit,
            charge.currency,
        )  # line_key(charge), read inline: no call per charge
        if here != key:
            key = here
            if here in fresh:
                mine = fresh[here]
            else:
                mine = fresh[here] = []
        mine.append(charge)
    return fresh


def _every_line(
    rater: Rater, charges: tuple[Charge, ...], rated: tuple[Charge, ...]
) -> dict[LineKey, tuple[Charge, ...]]:
    """Every line's charges, in rating's order; kept as the lines' charges. O(c log c).

    A line's charges come in runs, looked up once per run (`_by_line`); a line whose
    charges' spans start in ascending order is in `_in_line`'s order already, not sorted.
    """
    groups = _by_line(charges)
    for members in groups.values():
        last = None
        for charge in members:  # (told without a call)
            here = charge.span.start_us
            if last is not None and here <= last:
                # In rating's order (the order of _charge_key within one line).
                members.sort(key=_in_line)
                break
            last = here
    if not rater._engine.rerated:
        # ``rated`` are among ``charges``: all of them when as many (a first statement's).
        keys = groups if len(rated) == len(charges) else map(line_key, rated)
        rater._rated_keys = set(keys)
    lines = {key: tuple(members) for key, members in groups.items()}
    rater._line_members = lines.copy()
    return lines


def _in_line(charge: Charge) -> tuple[object, ...]:
    """The order of rating's charges within one line (see `_rating_engine._charge_key`)."""
    span = charge.span
    row = charge.row
    return (span.start_us, span.end_us, charge.quantity, () if row is None else row.record_ids)
