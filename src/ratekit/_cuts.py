"""Where metering cuts each account's rows: at its own plans' changes, not at others'.

Each account is metered by its own cycle: the cycle of its first plan (its earliest
assignment's not over by the rated span's start, or the one plan's), which its peaks and
means are aggregated per (`account_cycles`). A row of usage is cut wherever its price
may change: at that cycle, where the account's assignment starts or ends, where a plan
of the account with another cycle starts a cycle while the account is on it, and where
a plan of the account changes a price of the meter or starts an allowance's own period
(`Plan.cuts`). Only the account's own plans count: an
account's rows, charges and their spans depend on its own records and its own plans,
so rating accounts together or apart (`ratekit.scaleout`) gives the same rows, and a
thousand accounts that signed up at a thousand instants do not cut each other's rows a
thousand times.

Private to rating and the rater (they hand `by_account()` to `ratekit.metering`), and
to metering, which reads the cuts a caller gives `meter()` with `read_given()`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping

from ._caller_objects import read_items, read_once
from ._instants import check_us
from ._shown import show
from ._window import MAX_PIECES
from .errors import BadSpanError, RatekitTypeError

if typing.TYPE_CHECKING:
    from ._window import CycleLike
    from .pricebook import Plan

__all__ = [
    "AccountCuts",
    "AccountCycles",
    "Cuts",
    "account_cycles",
    "apart_at_once",
    "by_account",
    "in_time_order",
    "metering_cycle",
    "read_given",
]


class Cuts(dict[str, list[int]]):
    """An account's cuts per meter name, and ``every``: the meters each delta cuts.

    ``every`` names the meters whose rows the account's plans take in the order of their
    deltas' instants (`in_time_order`): metering cuts their rows at each delta's instant,
    as at a correction's (`ratekit._metering_corrections`).
    """

    __slots__ = ("every", "rises")

    def __init__(
        self,
        cuts: Mapping[str, list[int]],
        every: frozenset[str] = frozenset(),
        rises: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(cuts)
        self.every = every
        # those of ``every`` priced apart at one instant (`apart_at_once`): a counter's
        # rows are cut at each of its readings (`ratekit._metering_corrections`)
        self.rises = rises


# Per account: per meter name, the ascending instants (epoch microseconds) inside the span.
AccountCuts = Callable[[str], Mapping[str, list[int]]]


def in_time_order(plan: Plan) -> frozenset[str]:
    """The meters of ``plan`` whose rows priced apart may share what is free or a tier.

    A meter priced by two entries or more (whichever wins a row: its description's, the
    time's), with an allowance on it or a price that is not linear (tiers on a total):
    the rows of its resources, priced apart, take the free units and climb the tiers in
    the order they are taken in, which must be the order of their deltas' instants
    (docs/pricing.md, The order they are taken in), so metering cuts such a meter's rows
    at each delta's instant, where its usage comes at instants (a `Discrete` meter's, a
    delta policy's of one's own, a count's: `ratekit._metering_corrections.at_instants`).
    A meter priced by one entry needs none: its rows are priced alike, and their order
    changes no total. O(1): the plan works it out once, when it is made.
    """
    return plan._in_time_order


def apart_at_once(plan: Plan, meter: str) -> bool:
    """Whether ``plan`` may price rows of ``meter`` at one instant apart, in time order.

    A meter of `in_time_order` whose entries do not all select by one description (a
    `where` of their own): rows at one instant may then be priced by two entries. Entries
    told apart by their windows alone price every row of an instant alike, so a
    counter's rows need no cut at its readings (`ratekit._metering_corrections`). O(e)
    for the meter's e entries.
    """
    if meter not in plan._in_time_order:
        return False
    entries = plan.entries_of(meter)
    return any(entry.where != entries[0].where for entry in entries)


# Per account: the cycle its rows are metered by (None: the span itself).
AccountCycles = Callable[[str], "CycleLike | None"]


def metering_cycle(plans: list[Plan]) -> CycleLike | None:
    """The cycle of an account no plan covers, and of metering's window: the first plan's.

    Each account is metered by its own first plan's cycle (`account_cycles`); this one
    serves an account without plans (whose usage is not priced) and metering's defaults.
    None without plans.
    """
    return plans[0].cycle if plans else None


def _own_cycle(
    items: list[tuple[int, int, Plan]], plans: list[Plan], since: int
) -> CycleLike | None:
    """The cycle of an account's first assignment not over by ``since`` (the span's start).

    ``items`` sorted by start. An assignment that ended before the span bills none of it:
    an account on a monthly plan all the rated month has its peak per month, whatever
    weekly plan it left before (without an assignment reaching the span: the earliest's).
    """
    if not items:
        return metering_cycle(plans)
    return next((plan.cycle for _, end, plan in items if end > since), items[0][2].cycle)


def account_cycles(
    default: Plan | None,
    assignments: Mapping[str, list[tuple[int, int, Plan]]],
    plans: list[Plan],
    since: int,
) -> AccountCycles:
    """Per account, the cycle its rows are metered and its peaks aggregated by. O(a) each.

    The one plan's cycle, or that of the account's first assignment not over by
    ``since`` (the rated span's start): an account on a weekly plan has its peak per
    week, whatever the plans of the accounts rated with it (an account whose later plans
    bill on other cycles is cut at their starts too, but its peaks stay per its first
    plan's cycle: docs/pricing.md, Layering).

    Examples:
        >>> import ratekit as rk
        >>> weeks = rk.Plan("w", "EUR", rk.cycles.weekly(tz="UTC"), [])
        >>> months = rk.Plan("m", "EUR", rk.cycles.monthly(tz="UTC"), [])
        >>> items = {"a": [(0, 5, weeks), (5, 9, months)]}
        >>> cycles = account_cycles(None, items, [months, weeks], since=0)
        >>> cycles("a") is weeks.cycle, cycles("unassigned") is months.cycle
        (True, True)
        >>> account_cycles(None, items, [months, weeks], since=5)("a") is months.cycle
        True
    """
    if default is not None:
        cycle = default.cycle
        return lambda account: cycle
    first = metering_cycle(plans)

    def of(account: str) -> CycleLike | None:
        items = assignments.get(account)
        return _own_cycle(items, plans, since) if items else first

    return of


def by_account(
    default: Plan | None,
    assignments: Mapping[str, list[tuple[int, int, Plan]]],
    plans: list[Plan],
    meters: Iterable[str],
    *,
    lo: int,
    hi: int,
    since: int | None = None,
) -> AccountCuts:
    """Each account's cuts inside ``(lo, hi)``, per meter in ``meters``.

    ``default``: the one plan of every account, or None under ``assignments`` (per
    account: ``(start_us, end_us, plan)``, sorted); ``plans``: every plan. A plan of the
    account on another cycle than the account's own (`account_cycles`, taken at
    ``since``, the rated span's start; by default ``lo``) cuts at its cycles' starts
    while it is assigned: a weekly plan left in February cuts no monthly March row; so
    do its own cuts (entries, windows, allowance periods): a plan with a night window
    from December cuts no November row of the plan before it.
    Accounts with the same assignments share one mapping, computed on first use: O(p)
    per distinct set of assignments, then O(1) per look-up.

    Examples:
        >>> import ratekit as rk
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
        >>> cuts = by_account(None, {"a": [(5, 20, plan)], "b": [(0, 30, plan)]}, [plan], ["m"], lo=0, hi=30)
        >>> cuts("a"), cuts("b"), cuts("unassigned")
        ({'m': [5, 20]}, {'m': []}, {'m': []})
    """
    names = list(meters)

    def of(items: Iterable[tuple[int, int, Plan]], cycle: CycleLike | None) -> Cuts:
        items = list(items)
        common = {t for a, b, _ in items for t in (a, b) if lo < t < hi}
        for a, b, plan in items:
            start, end = max(lo, a), min(hi, b)
            if start < end and plan.cycle != cycle:
                common.update(plan.cycle.boundaries_us(start, end))
        # Each plan's own cuts (windows, entries, allowance periods) while it is assigned:
        # a plan after the span, or after a change, cuts nothing before it.
        spans = [(max(lo, a), min(hi, b), plan) for a, b, plan in items if max(lo, a) < min(hi, b)]
        return Cuts(
            {
                name: sorted(common.union(*(p._metering_cuts_us(name, a, b) for a, b, p in spans)))
                for name in names
            },
            frozenset().union(*(in_time_order(p) for _, _, p in spans)),
            frozenset(name for name in names for _, _, p in spans if apart_at_once(p, name)),
        )

    if default is not None:
        shared = of(((lo, hi, default),), default.cycle)
        return lambda account: shared
    known: dict[tuple[tuple[int, int, int], ...], Cuts] = {}
    accounts: dict[str, Cuts] = {}

    def cuts(account: str) -> Mapping[str, list[int]]:
        found = accounts.get(account)
        if found is None:
            items = assignments.get(account, ())
            key = tuple((a, b, id(plan)) for a, b, plan in items)
            found = known.get(key)
            if found is None:
                found = known[key] = of(
                    items, _own_cycle(list(items), plans, lo if since is None else since)
                )
            accounts[account] = found
        return found

    return cuts


def read_given(
    cuts: Mapping[str, object] | None, meters: Mapping[str, object]
) -> dict[str, list[object]]:
    """The cuts a caller gives `ratekit.meter` (``cuts=``), checked and read once, per meter.

    Each names one of ``meters`` and holds at most `MAX_PIECES` instants in epoch
    microseconds (ints within ratekit's range): more would cut a resource's usage past
    the pieces one call makes, or never end. Raises `RatekitTypeError` naming the meter
    and the value, `BadSpanError` for too many. O(n) for n instants.
    """
    read: dict[str, list[object]] = {}
    if cuts is None:
        return read
    if not isinstance(cuts, Mapping):
        raise RatekitTypeError(
            "meter() cuts must be a mapping of meter names to instants (epoch "
            f"microseconds), or None, not {type(cuts).__name__}: {show(cuts)}."
        )
    kind = "mapping" if type(cuts) is dict else f"mapping ({type(cuts).__name__})"
    accepted = "a dict of meter names to lists of instants in epoch microseconds"
    for key, given in read_items(cuts, "meter() cuts", kind, accepted):
        # a name is compared as the text it holds: a str subclass's own __eq__ left out
        name = str.__str__(key) if isinstance(key, str) else key
        if not isinstance(name, str) or name not in meters:
            raise RatekitTypeError(
                f"cuts name meter {show(name)}, which is not among the meters given."
            )
        if isinstance(given, str | bytes | Mapping) or not isinstance(given, Iterable):
            raise RatekitTypeError(
                f"cuts[{show(name)}] must be an iterable of instants in epoch microseconds, "
                f"not {show(given)}."
            )
        # Read once (Usage.cuts keeps them), at most one more than the pieces one call
        # makes: more would cut a resource's usage past them, or never end.
        instants = read_once(
            given,
            f"cuts[{show(name)}]",
            type(given).__name__,
            "a list of instants in epoch microseconds",
            limit=MAX_PIECES + 1,
        )
        if len(instants) > MAX_PIECES:
            raise BadSpanError(
                f"cuts[{show(name)}] holds more than {MAX_PIECES:,} instants: metering would "
                f"cut one resource's usage into more than the {MAX_PIECES:,} pieces one "
                "call makes; give the cuts inside the span only, or meter a shorter span."
            )
        for index, cut in enumerate(instants):
            if isinstance(cut, bool) or not isinstance(cut, int):
                raise RatekitTypeError(
                    f"cuts[{show(name)}] must hold instants in epoch microseconds (int), "
                    f"not {show(cut)}."
                )
            # an int subclass by its exact value, as every int door takes it
            instants[index] = check_us(cut, f"cuts[{show(name)}] instant")
        read[name] = instants
    return read
