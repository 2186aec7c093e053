"""The streaming rater's adapter to the one engine: metering and rating, nothing else.

Private to [`ratekit.Rater`][ratekit.Rater]: when the semantics of metering or rating change,
this is the one place where the rater follows. It also holds the doors of what the engine
is built from (the plans, the meters, the start's cycle).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from decimal import Decimal

from . import _rater_aggregations as _aggregations
from . import _rater_assigned as _assigned
from . import _rater_book as _ledger
from . import _rater_reuse as _reuse
from ._allowances import Drawn, Taken
from ._cuts import AccountCuts
from ._decimals import ZERO
from ._instants import MAX_US, MIN_US, format_us, from_us
from ._level_limits import floors as level_floors
from ._level_limits import summed as summed_levels
from ._meter_units import meter_units_agree
from ._price_reach import Pricing, pricing, reach
from ._pricing import Exact, GroupKey, Place, _Piece
from ._rater_allowances import Consumed, seeded
from ._rater_known import Known
from ._rater_priced_doors import Listed, Unsettled
from ._rater_priced_verdicts import strict_meters, window_reach
from ._rating_engine import _Engine as _RatingEngine
from ._rating_unpriced import Awaiting
from ._sample_policies import TimeWeightedMean
from ._shown import show
from ._standing import Kept
from ._time_policies import Continuous
from ._zones import from_zone
from .assignments import Assignment, read_plans
from .charges import Charge
from .errors import BadCalendarError, BadTimeError, RatekitTypeError
from .metering import accepted_kinds, meter_cut_by_account
from .policies import Meter, meters_of
from .pricebook import Plan, PriceEntry
from .rating import Rating, rate, rate_rows
from .records import Event, Inventory, Sample
from .spans import Span
from .usage import ResourceState, Usage, UsageRow

__all__ = ["Engine", "RowCharges"]

Record = Event | Sample | Inventory
#: Per account, what its last rating left to reuse (see `ratekit._rater_reuse`).
RowCharges = dict[str, Known]


class Engine:
    """The rater's only contact with metering and rating: `meter()`, `rate()`.

    Kept small on purpose: when the semantics of metering or rating change, this is the
    one place where the rater follows.
    """

    __slots__ = (
        "aggregations",
        "assigned",
        "awaiting",
        "continued",
        "counters",
        "cycle",
        "dues",
        "held_readings",
        "judged",
        "kinds",
        "largest_level",
        "largest_priced",
        "level_floors",
        "level_paths",
        "levels",
        "listed",
        "means",
        "meters",
        "minimums",
        "owes",
        "own_periods",
        "peaks",
        "plans",
        "pooled",
        "price_changes",
        "priced_levels",
        "priced_samples",
        "pricing",
        "rerated",
        "samples",
        "segments",
        "strict",
        "summed_levels",
        "sums",
        "timed",
        "unsettled",
        "windowed_us",
    )

    def __init__(self, plans: Plan | Sequence[Assignment], meters: Sequence[Meter]) -> None:
        self.plans = plans
        # the resources the rater knows by samples alone, whose description may still be
        # fed (the rater sets it: `ratekit._rater_priced_ahead.Undescribed`)
        self.awaiting: Awaiting | None = None
        self.meters = meters
        rating = _RatingEngine(plans, Span.from_us(0, 1))
        known = rating.plans
        if not known:
            raise RatekitTypeError(
                "Rater needs a Plan or at least one Assignment; it has no plan to rate with."
            )
        # One cycle as rating tells cycles apart (`ratekit._cuts`): by equality, not repr.
        others = [plan.cycle for plan in known if plan.cycle != known[0].cycle]
        if others:
            cycles = {repr(cycle) for cycle in (known[0].cycle, *others)}
            raise BadCalendarError(
                f"Rater plans bill on different cycles ({', '.join(sorted(cycles))}); a rater "
                "closes one cycle at a time: give its plans one cycle, or use one rater per cycle."
            )
        self.cycle = known[0].cycle
        meter_units_agree(known, meters, "Rater")
        # Per account, its assignments in order (None under one plan, which prices any):
        # a currency changes at a cycle boundary, and usage lies where a plan is.
        self.segments = None if isinstance(plans, Plan) else rating.assignments
        if self.segments is not None:
            _assigned.currencies(self.segments, self.containing)
        # Whether an allowance has its own period: then what compacted cycles consumed of
        # it is carried (see _rater_allowances).
        self.own_periods = any(a.cycle is not None for plan in known for a in plan.allowances)
        # The accounts that assignments name (None under one plan, which prices any).
        self.assigned: frozenset[str] | None = (
            None if isinstance(plans, Plan) else frozenset(a.account for a in plans)
        )
        # Whether an account owes money with time alone (a fee, a minimum or a base): from
        # the cycle of its first record, under one plan (see _rater_accounts.dues_too_late).
        self.owes = any(
            plan.fees or plan.minimums or any(map(_has_base, plan.entries)) for plan in known
        )
        # Whether an account owes something that grows with the watermark alone (fees,
        # minimums, allowances and bases are prorated to it): then every account is
        # rated at every statement, else only those whose rows changed.
        self.dues = self.owes or any(plan.allowances for plan in known)
        # Whether every row of the open cycles is rated again at every statement: when
        # a charge may depend on rows other than its own group's in a way the reuse
        # does not follow (an allowance of its own period, whose use the compacted
        # cycles carry). A fee depends on no row, and a base on its group's first piece
        # (kept with the group's track): they are rated at every statement for every
        # account, the rows' charges reused as without them (see `ratekit._rater_reuse`);
        # so is a minimum's top-up, on its cycle's spend, and no row's charge on it: the
        # charges that stand are counted in the spend (`ratekit._standing`); and a billing
        # cycle's allowance, consumed in time order: the pieces before where its pool ran
        # dry, and those after that took nothing, stand (`ratekit._rater_pools`).
        self.rerated = self.own_periods
        # Whether the reuse follows what allowances' pools gave (see `_rater_pools`).
        self.pooled = not self.rerated and any(plan.allowances for plan in known)
        self.minimums = any(plan.minimums for plan in known)
        # The sample kinds each meter takes, as metering reads them, so that a sample
        # metering would refuse is refused at the door, not at every later statement.
        self.kinds = accepted_kinds({m.name: m for m in meters if isinstance(m, Meter)})
        # The meters a continuation can join (see _rater_book): the others are metered
        # again from all their readings at each statement.
        self.timed = frozenset(m.name for m in meters if m._factor is not None)
        self.sums = _ledger.continuable(meters) - self.timed
        # The counters a continuation takes on from their last reading (see
        # _rater_book.counters); with the sums, the meters whose samples leave their
        # resource to go on from its state at each statement.
        self.counters = _ledger.counters(meters)
        # The aggregations whose cycle's row a continuation takes on from the row so far
        # and the new readings (see _rater_aggregations), by name.
        names = _aggregations.aggregations(meters)
        self.aggregations = {m.name: m for m in meters if m.name in names}
        # Of those, the time-weighted means: a level held on gives a row in each cycle.
        self.means = frozenset(m.name for m in meters if type(m.policy) is TimeWeightedMean)
        self.continued = self.sums | self.counters | names
        # The aggregations of readings: a reading held in a metering state is the level
        # before the next (a time-weighted mean carries it over cycles with no reading).
        self.levels = frozenset(m.name for m in meters if m._factor is None and not m._deltas)
        # The aggregations that do not add up (a peak): rating prices each cycle's whole
        # (see _share_pricing._SharePricing.price_shares).
        self.peaks = frozenset(m.name for m in meters if not m._additive)
        # The meters whose rows are sums of samples: an allowance takes each whole at its
        # start (`ratekit._allowance_flows`), as `rate` reads them from its meters.
        self.samples = frozenset(m.name for m in meters if m._factor is None and m._additive)
        # The attributes (names or dotted paths) each Continuous meter reads its level
        # from, so that an event setting one to what no level can be is refused at the
        # door (see _rater_reach.level_refusal).
        self.level_paths = tuple(
            (m.name, paths) for m in meters if (paths := _level_paths(m)) is not None
        )
        sampled = [m for m in meters if isinstance(m, Meter) and m._factor is None]
        # The readings of priced sample meters the compacted states hold (a gauge's
        # level goes on from one): the states they were counted in, how many, the largest
        # magnitude (None: not counted yet).
        self.held_readings: tuple[tuple[object, ...], int, Decimal] | None = None
        # Where a price may change (an entry starts or ends, an assignment): a gauge's
        # value held on is priced again there (see _rater_sample_doors._metered).
        self.price_changes = sorted(
            {
                t
                for plan in known
                for entry in plan.entries
                for t in (entry.start_us, entry.end_us)
                if t is not None
            }
            | {
                t
                for a in (() if isinstance(plans, Plan) else plans)
                for t in (a.start_us, a.end_us)
                if t is not None
            }
        )
        # Per meter, the entries pricing it and their unit factors; per meter of samples,
        # how far those prices can take its quantity (see _price_reach and
        # _rater_sample_doors.amounts), and the largest magnitude of their samples seen
        # (None: not known yet).
        self.pricing: Pricing = pricing(meters, known)
        self.priced_samples = {
            m.name: reach(self.pricing[m.name]) for m in sampled if m.name in self.pricing
        }
        self.largest_priced: Decimal | None = None
        # The Continuous meters some entry prices (in any way): a level whose time alone
        # takes a cycle's quantity, or its amount, past what an entry prices is refused
        # (see _rater_doors.level_found).
        self.priced_levels = {
            m.name: m
            for m in meters
            if isinstance(m, Meter) and type(m.policy) is Continuous and m.name in self.pricing
        }
        self.level_floors = level_floors(self.priced_levels, self.pricing)
        # The Continuous meters some entry prices by the sum of an account's levels, with
        # the largest factor to such an entry's unit: levels whose time alone takes that
        # sum past what such a price takes are refused (see _rater_doors.level_sums).
        self.summed_levels = summed_levels(self.priced_levels, self.pricing)
        self.largest_level: Decimal | None = None  # of those levels set (None: not known yet)
        # Per meter, the plans that may refuse some of its usage as unpriced, the
        # descriptions judged priced or not, the
        # resources the kept inventories list and what each resource's kept events
        # leave open: see _rater_priced_doors.
        self.strict = strict_meters(known, [m.name for m in meters])
        self.windowed_us = window_reach(known, self.strict)
        self.judged: dict[tuple[object, ...], bool] = {}
        self.listed: Listed | None = None
        self.unsettled: Unsettled | None = None

    def unit(self, meter: str) -> str:
        """The unit of the meter named ``meter`` (one of the rater's meters). O(m)."""
        return next(m.unit for m in self.meters if m.name == meter)

    def containing(self, t_us: int) -> tuple[int, int]:
        return self.cycle.containing_us(t_us)

    def meter(
        self,
        records: Iterable[Record],
        start_us: int,
        end_us: int,
        state: Iterable[ResourceState],
        only: frozenset[str] | None = None,
        *,
        own_clocks: bool = False,
        deduplicated: bool = False,
    ) -> Usage:
        """Meter ``[start_us, end_us)`` (up to ``end_us``), continuing from ``state``.

        ``only``: the names of the meters to meter (None: all of them). ``own_clocks``:
        each resource is late only against its own state's clock, one without a state
        against none. ``deduplicated``: ``records`` are kept records (deduplicated at the
        rater's door, none a replay of another), and the states are for the book, lean:
        metering looks for no replay, remembers no record in the states and names no
        account's first record (see `ratekit.metering.meter_cut_by_account`).
        """
        span = Span.from_us(start_us, end_us)
        chosen = self.meters if only is None else [m for m in self.meters if m.name in only]
        cuts = _RatingEngine(self.plans, span).cuts(m.name for m in chosen)
        return meter_cut_by_account(
            records,
            chosen,
            span=span,
            cycle=self.cycle,
            as_of=from_us(end_us),
            cuts=cuts,
            state=state,
            assigned=None if self.segments is None else self.planned,
            own_clocks=own_clocks,
            deduplicated=deduplicated,
        )

    def planned(self, account: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """The parts of ``[lo, hi)`` where ``account`` has a plan (`_rater_assigned.pieces`)."""
        return _assigned.pieces(self.segments, account, lo, hi)

    def cuts(self, start_us: int, end_us: int) -> AccountCuts:
        """Per account, per meter, where a price may change inside ``(start_us, end_us)``."""
        return _RatingEngine(self.plans, Span.from_us(start_us, end_us)).cuts(
            m.name for m in self.meters
        )

    def rate_rows(
        self,
        rows: Sequence[UsageRow],
        accounts: Mapping[str, int],
        start_us: int,
        end_us: int,
        carry: dict[GroupKey, tuple[Place, Exact]] | None = None,
        *,
        opened: Mapping[GroupKey, _Piece] | None = None,
        allowed: Consumed | None = None,
        withheld: Container[tuple[str, str]] = frozenset(),
        standing: Kept | None = None,
        drawn: tuple[Drawn, Taken] | None = None,
    ) -> tuple[Rating, dict[GroupKey, list[_Piece]], dict[GroupKey, Exact], list[Charge]]:
        """Rate ``rows`` over ``[start_us, end_us)``, covering ``accounts``.

        Under one plan, each account (with the instant of its first record) is covered
        from that instant's cycle on, as [`rate()`][ratekit.rate] covers its input's.
        ``carry`` and ``opened``: see `ratekit._rater_reuse`. Returns the rating, per group priced by
        its total its pieces in order and the quantity they reach, and the charges
        priced on the spot (see `ratekit.rating.rate_rows`). ``allowed``: what
        the compacted cycles consumed of own-period allowances (see `_rater_allowances`).
        ``withheld``: the resources whose unpriced usage is neither refused nor said (see
        `ratekit._rater_priced_ahead`). ``standing`` and ``drawn``: see
        `ratekit.rating.rate_rows`.
        """
        return rate_rows(
            rows,
            self.plans,
            span=Span.from_us(start_us, end_us),
            first=dict(accounts),
            carry=carry,
            opened=opened,
            peaks=self.peaks,
            samples=self.samples,
            used=(lambda plans: seeded(plans, allowed)) if allowed else None,
            withheld=withheld,
            awaiting=self.awaiting,
            standing=standing,
            drawn=drawn,
        )

    def rate_again(
        self,
        rows: Iterable[Sequence[UsageRow]],
        accounts: Mapping[str, int],
        start_us: int,
        end_us: int,
        known: dict[str, Known],
        *,
        withheld: Container[tuple[str, str]] = frozenset(),
    ) -> tuple[Rating, dict[str, list[Charge]], list[Charge]]:
        """`rate_rows`, reusing what of the last rating stands (see `ratekit._rater_reuse`).

        Only when no row is rated again at every statement (``rerated`` is false: no
        allowance of its own period; a fee, base or minimum is rated for the accounts
        given, each time).
        """
        assert not self.rerated
        return _reuse.rate_again(self, rows, accounts, start_us, end_us, known, withheld)

    def rate(self, usage: Usage, start_us: int, end_us: int) -> Rating:
        """Rate the rows of ``usage`` over ``[start_us, end_us)``.

        Under one plan, ``rate()`` covers the accounts named in its input; the rater names
        every account it knows (one with a resource state), so that an account whose
        resources went quiet, or whose records were compacted, keeps its fees, minimums
        and the bases of its prices, as batch rating of all the records would charge them.
        """
        span = Span.from_us(start_us, end_us)
        if isinstance(self.plans, Plan):
            accounts = sorted({state.account for state in usage.state})
            return rate(usage, self.plans, span=span, meters=self.meters, accounts=accounts)
        return rate(usage, self.plans, span=span, meters=self.meters)


def _has_base(entry: PriceEntry) -> bool:
    """Whether ``entry``'s price may be due without usage (its amount at zero).

    A price model of the user's own that raises (any exception) or returns no finite
    Decimal there may be due: the statements price it through rating's checked calls,
    which refuse it with a `BadPriceError` naming the entry, as batch rating does.
    """
    try:
        amount = entry.price.amount(ZERO)
    except Exception:  # a model of the user's own: judged where it is priced
        return True
    return type(amount) is not Decimal or not amount.is_finite() or bool(amount)


# -- the doors of what a rater is built from --------------------------------------------


def first_cycle(engine: Engine, start_us: int) -> int:
    """The start of the cycle containing ``start_us``, once it and the next can be rated.

    A start whose cycle or the next one reaches outside the instants ratekit's
    calendars support would make the first statements fail, naming an instant the
    user never gave: it is refused here (BadTimeError), naming the start.
    """
    try:
        cycle = engine.containing(start_us)
        following = engine.containing(cycle[1])
        if cycle[0] < MIN_US or following[1] > MAX_US:
            raise BadTimeError("")
    except BadTimeError as error:
        if from_zone(error):
            raise
        raise BadTimeError(
            f"Rater start {format_us(start_us)} is out of range: the cycle containing it "
            "and the next one must both lie within the instants ratekit can rate (years 2 "
            "to 9998 for calendar cycles, and from "
            f"{format_us(MIN_US)} to {format_us(MAX_US)} for any cycle); give a later or "
            "earlier start."
        ) from None
    return cycle[0]


def assignments(plans: Iterable[Assignment]) -> tuple[Assignment, ...]:
    """A rater's assignments (not one Plan), each checked by `read_plans()`. O(n)."""
    read = read_plans(plans, "Rater")
    assert not isinstance(read, Plan)  # the callers give a Plan to the rater as itself
    return read


def _level_paths(item: Meter) -> tuple[str, ...] | None:
    """The attribute paths a [`Continuous`][ratekit.Continuous] meter multiplies, or None."""
    policy = item.policy
    if type(policy) is not Continuous:
        return None
    level = policy.level_of
    if isinstance(level, str):
        return (level,)
    if isinstance(level, tuple):
        return level
    return None


def meters(meters: Iterable[Meter]) -> list[Meter]:
    given: object = meters
    if not isinstance(given, Iterable) or isinstance(given, str | Meter):
        raise RatekitTypeError(
            f"Rater meters must be a list of Meter values, not {type(meters).__name__}: {show(meters)}."
        )
    # The shared door of rate() and meter(): each item a Meter, the names unique.
    return list(meters_of(given, "Rater meters").values())
