"""Hypothesis strategies for ratekit values, for your own property tests.

ratekit's own tests use exactly these. They need `hypothesis
<https://hypothesis.readthedocs.io>`_, which ratekit does not install by itself (``pip
install hypothesis``); ``import ratekit`` never imports it, only ``import
ratekit.strategies`` does.

Every strategy draws instants on a grid: multiples of ``resolution`` (one microsecond by
default) from ``min_start`` up to ``max_end``, both included. A coarse grid (whole hours)
over a short range makes coincident boundaries, touching spans and empty spans common,
which is where time code breaks. Instants shrink towards ``min_start``.

Examples:
    >>> import datetime
    >>> from hypothesis import given
    >>> from ratekit import strategies as rks
    >>> @given(rks.spans(min_start="2026-03-01T00:00:00Z", max_end="2026-04-01T00:00:00Z",
    ...                  resolution=datetime.timedelta(hours=1)))
    ... def test_halves_partition_the_span(span):
    ...     middle = span.start + span.duration // 2
    ...     first, second = span.split(middle)
    ...     assert first.duration + second.duration == span.duration
    >>> test_halves_partition_the_span()
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final, TypeVar

from . import cycles
from ._extras import require
from ._instants import format_us, from_us, to_us
from ._shown import show
from ._strategy_doors import MAX_PLACES as _MAX_PLACES
from ._strategy_doors import accounts as _accounts
from ._strategy_doors import count as _count
from ._strategy_doors import duration as _duration
from ._strategy_doors import flag as _flag
from ._strategy_doors import meter_units as _meter_units
from ._strategy_doors import names as _names
from ._strategy_doors import places as _places
from ._strategy_doors import some as _some
from ._zones import zone
from .errors import BadSpanError, RatekitError, RatekitTypeError, UnitError
from .pricebook import Allowance, Fee, Minimum, Plan, PriceEntry
from .prices import Flat, Graduated, Package, PerUnit, PriceModel, Tier, Volume
from .records import EVENT_KINDS, Event, Sample
from .spans import Span, SpanSet
from .timeline import Timeline
from .units import Unit
from .usage import UsageRow

require("hypothesis", "strategies", "ratekit.strategies needs")  # or say which extra to install
from hypothesis import strategies as st  # noqa: E402 - after the check that it is there

__all__ = [
    "DEFAULT_MAX_END",
    "DEFAULT_METERS",
    "DEFAULT_MIN_START",
    "instants",
    "plans",
    "price_models",
    "records",
    "span_sets",
    "spans",
    "tiers",
    "timelines",
    "usage_rows",
]

V = TypeVar("V")

#: The default range of generated instants: the 21st century, in UTC.
DEFAULT_MIN_START: Final = "2000-01-01T00:00:00Z"
DEFAULT_MAX_END: Final = "2100-01-01T00:00:00Z"

#: Zones ``instants()`` draws from by default: UTC, two with DST at different dates, a
#: half-hour offset, and Lord Howe, whose DST shift is half an hour.
DEFAULT_TIMEZONES: Final = (
    "UTC",
    "Europe/Zurich",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
)


def _grid(
    min_start: _dt.datetime | str, max_end: _dt.datetime | str, resolution: _dt.timedelta
) -> tuple[int, int, int]:
    """``(base_us, step_us, steps)``: the grid ``base_us + k * step_us`` for k in 0..steps."""
    if not isinstance(resolution, _dt.timedelta):
        raise RatekitTypeError(
            f"resolution must be a datetime.timedelta, not {type(resolution).__name__}: "
            f"{resolution!r}."
        )
    step = resolution // _dt.timedelta(microseconds=1)
    if step <= 0 or resolution % _dt.timedelta(microseconds=1):
        raise BadSpanError(
            f"resolution must be a positive whole number of microseconds, not {show(resolution)}."
        )
    base = to_us(min_start, "min_start")
    top = to_us(max_end, "max_end")
    if top < base:
        raise BadSpanError(
            f"max_end {format_us(top)} comes before min_start {format_us(base)}; "
            "give a range with min_start <= max_end."
        )
    return base, step, (top - base) // step


def instants(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    timezones: Sequence[str] = DEFAULT_TIMEZONES,
) -> st.SearchStrategy[_dt.datetime]:
    """Aware datetimes on the grid, each shown in one of ``timezones``.

    ``timezones`` are what every ratekit door takes: IANA names, fixed offsets written
    ``"UTC+05:45"`` or tzinfo values (refused alike, naming ``timezones[i]``).

    The instant is drawn first, then the zone it is shown in, so the same instant appears
    with different offsets (and, around a DST change, with ``fold`` set); ratekit must
    treat them all as the same instant. Instants whose local date would fall outside
    datetime's range (within hours of 0001-01-01 or 9999-12-31) are shown in UTC.

    Python adds a timedelta to an aware datetime on its wall clock and drops ``fold``: an
    instant in the repeated hour of a DST change plus one second lands an hour earlier.
    Add in UTC (``t.astimezone(datetime.UTC) + delta``), as the example does.

    Examples:
        >>> import datetime
        >>> from hypothesis import given
        >>> import ratekit as rk
        >>> from ratekit import strategies as rks
        >>> @given(rks.instants())
        ... def test_a_span_contains_its_start(t):
        ...     end = t.astimezone(datetime.UTC) + datetime.timedelta(seconds=1)
        ...     assert t in rk.Span(t, end)
        >>> test_a_span_contains_its_start()
        >>> from zoneinfo import ZoneInfo
        >>> fold = datetime.datetime(2000, 10, 29, 2, tzinfo=ZoneInfo("Europe/Zurich"), fold=1)
        >>> print(fold.astimezone(datetime.UTC), (fold + datetime.timedelta(seconds=1)).astimezone(datetime.UTC))
        2000-10-29 01:00:00+00:00 2000-10-29 00:00:01+00:00
    """
    base, step, steps = _grid(min_start, max_end, resolution)
    if not timezones:
        raise BadSpanError("timezones must name at least one IANA timezone, such as 'UTC'.")
    if isinstance(timezones, str):
        raise RatekitTypeError(
            f"timezones must be a list of timezones such as ['UTC', 'Europe/Zurich'], not a "
            f"string: {show(timezones)}."
        )
    _some(timezones, "instants timezones", "['UTC', 'Europe/Zurich']")
    zones = [zone(name, f"timezones[{index}]") for index, name in enumerate(timezones)]
    return st.builds(
        lambda k, zone: _shown_in(base + k * step, zone),
        st.integers(0, steps),
        st.sampled_from(zones),
    )


def _shown_in(us: int, zone: _dt.tzinfo) -> _dt.datetime:
    """The instant as a datetime in ``zone``, or in UTC where that would overflow.

    The local date falls outside datetime's range only within hours of 0001-01-01 and
    9999-12-31.
    """
    moment = from_us(us)
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment


def spans(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_duration: _dt.timedelta | None = None,
    allow_empty: bool = True,
) -> st.SearchStrategy[Span]:
    """Spans whose start and end lie on the grid, within ``[min_start, max_end]``.

    ``max_duration`` bounds the duration; ``allow_empty=False`` excludes empty spans
    (then the range must hold at least two grid points).

    Examples:
        >>> import datetime
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.spans(max_duration=datetime.timedelta(days=1), allow_empty=False))
        ... def test_short_nonempty(span):
        ...     assert span and span.duration <= datetime.timedelta(days=1)
        >>> test_short_nonempty()
    """
    base, step, steps = _grid(min_start, max_end, resolution)
    _duration(max_duration, "spans max_duration")
    _flag(allow_empty, "spans allow_empty")
    max_steps = steps
    if max_duration is not None:
        max_steps = min(steps, max_duration // resolution)
    least = 0 if allow_empty else 1
    if max_steps < least:
        raise BadSpanError(
            "no non-empty span fits: the range or max_duration is shorter than resolution."
        )

    @st.composite
    def draw_span(draw: st.DrawFn) -> Span:
        start = draw(st.integers(0, steps - least))
        length = draw(st.integers(least, min(max_steps, steps - start)))
        return Span.from_us(base + start * step, base + (start + length) * step)

    return draw_span()


def span_sets(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_size: int = 6,
) -> st.SearchStrategy[SpanSet]:
    """Span sets built from up to ``max_size`` spans of [`spans()`][ratekit.strategies.spans].

    The spans may overlap, touch or be empty, so normalisation is exercised.

    Examples:
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.span_sets(), rks.span_sets())
        ... def test_union_covers_both(a, b):
        ...     assert (a | b) & a == a
        >>> test_union_covers_both()
    """
    max_size = _count(max_size, "span_sets max_size")
    return st.lists(
        spans(min_start=min_start, max_end=max_end, resolution=resolution), max_size=max_size
    ).map(SpanSet)


def timelines(
    values: st.SearchStrategy[V],
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_size: int = 6,
) -> st.SearchStrategy[Timeline[V]]:
    """Timelines built by setting up to ``max_size`` values of ``values`` over drawn spans.

    Later spans overwrite earlier ones, so pieces are cut, merged and left with gaps.

    Examples:
        >>> from hypothesis import given, strategies as st
        >>> from ratekit import strategies as rks
        >>> @given(rks.timelines(st.sampled_from(["small", "large"])))
        ... def test_pieces_lie_in_the_domain(timeline):
        ...     for span, _ in timeline.items():
        ...         assert span in timeline.domain()
        >>> test_pieces_lie_in_the_domain()
    """
    if not isinstance(values, st.SearchStrategy):
        raise RatekitTypeError(
            "timelines values must be a hypothesis strategy of the values, such as "
            f"st.sampled_from(['small', 'large']), not {type(values).__name__}: {show(values)}."
        )
    max_size = _count(max_size, "timelines max_size")
    pairs = st.tuples(spans(min_start=min_start, max_end=max_end, resolution=resolution), values)
    return st.lists(pairs, max_size=max_size).map(Timeline)


# -- pricing: tiers, price models, plans, usage and records -------------------------------
#
# Strategies for property-testing pricing rules: draw price models and plans, draw the
# usage they rate, and check a law of your own (a cap, a monotonic price, a plan that is
# never dearer than another).


#: The most tiers a drawn table may have (hypothesis draws no set of over 8,192 bounds).
_MAX_TIERS: Final = 1_000

#: The bound every drawn tier bound stays below: ratekit's numbers stay below 1E+30.
_MAX_BOUND: Final = 10**_MAX_PLACES


def _money(max_value: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=max_value, places=places)


def tiers(
    *, max_size: int = 4, max_bound: int = 1_000, places: int = 3, blocks: bool = True
) -> st.SearchStrategy[list[Tier]]:
    """Valid tier tables: increasing whole ``up_to`` bounds, the last one open (``None``).

    At most ``max_size`` tiers (1 to 1,000). Unit prices have at most ``places``
    decimals; some tiers carry a flat fee (at most
    ``places`` decimals, and 2) and, with ``blocks``, a block size. Use them with [`Graduated`][ratekit.Graduated] or
    [`Volume`][ratekit.Volume].

    Examples:
        >>> from hypothesis import given
        >>> import ratekit as rk
        >>> from ratekit import strategies as rks
        >>> @given(rks.tiers())
        ... def test_graduated_never_decreases(table):
        ...     price = rk.Graduated(table)
        ...     assert price.amount(10) <= price.amount(11)
        >>> test_graduated_never_decreases()
    """
    # Hypothesis draws a set of at most 8,192 bounds; a larger table fails when drawn.
    max_size = _count(max_size, "tiers max_size", 1, most=_MAX_TIERS)
    max_bound = _count(max_bound, "tiers max_bound", max_size, most=None)  # bounded below
    if isinstance(max_bound, int) and max_bound >= _MAX_BOUND:
        raise RatekitTypeError(
            f"tiers max_bound must be an int below 1E+{_MAX_PLACES}, not {show(max_bound)}: "
            f"ratekit represents numbers below 1E+{_MAX_PLACES}, tier bounds among them."
        )
    places = _places(places, "tiers places")
    _flag(blocks, "tiers blocks")
    cents = min(places, 2)  # a flat fee's decimals

    @st.composite
    def draw_tiers(draw: st.DrawFn) -> list[Tier]:
        count = draw(st.integers(1, max(1, max_size)))
        bounds = sorted(
            draw(st.sets(st.integers(1, max_bound), min_size=count - 1, max_size=count - 1))
        )
        out = []
        for up_to in [*bounds, None]:
            unit = draw(_money(10, places))
            flat = draw(st.sampled_from([Decimal(0), Decimal(0), draw(_money(100, cents))]))
            block = (
                draw(st.sampled_from([None, None, Decimal(draw(st.integers(1, 100)))]))
                if blocks
                else None
            )
            out.append(Tier(up_to, unit, flat, block))
        return out

    return draw_tiers()


def price_models(
    *, kinds: Sequence[str] = ("PerUnit", "Flat", "Graduated", "Volume", "Package"), places: int = 3
) -> st.SearchStrategy[PriceModel]:
    """Price models of the named built-in ``kinds``, with exact Decimal prices.

    Unit prices have at most ``places`` decimals; a flat price, a package's price and a
    tier's flat fee at most ``places`` and 2.

    Examples:
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.price_models())
        ... def test_amount_at_zero_is_not_negative(price):
        ...     assert price.amount(0) >= 0
        >>> test_amount_at_zero_is_not_negative()
    """
    places = _places(places, "price_models places")
    builders: dict[str, st.SearchStrategy[PriceModel]] = {
        "PerUnit": st.builds(PerUnit, _money(10, places)),
        "Flat": st.builds(Flat, _money(100, min(places, 2))),
        "Graduated": st.builds(Graduated, tiers(places=places), flat_at_zero=st.booleans()),
        "Volume": st.builds(Volume, tiers(places=places), flat_at_zero=st.booleans()),
        "Package": st.builds(
            Package,
            st.integers(1, 100).map(Decimal),
            _money(100, min(places, 2)),
            free=st.integers(0, 50).map(Decimal),
        ),
    }
    _names(kinds, "price_models kinds", "['Graduated', 'Volume']")
    unknown = [kind for kind in kinds if kind not in builders]
    if unknown or not kinds:
        raise RatekitTypeError(
            f"price_models kinds must be some of {', '.join(builders)}, not {list(kinds)!r}."
        )
    return st.one_of(*(builders[kind] for kind in kinds))


#: The meters the usage and plan strategies use by default: name -> unit.
DEFAULT_METERS: Final[Mapping[str, str]] = {"vm.hours": "hour", "egress": "GB"}


def plans(
    *,
    meters: Mapping[str, str] = DEFAULT_METERS,
    prices: st.SearchStrategy[PriceModel] | None = None,
    currency: str = "EUR",
    tz: str = "UTC",
    plan_id: str | None = None,
    quantum: Decimal | str | int | None = None,
) -> st.SearchStrategy[Plan]:
    """Monthly plans pricing every meter of ``meters`` with a model drawn from ``prices``.

    Some plans add a recurring fee, an allowance or a minimum commitment. ``quantum``:
    the plans' rounding quantum (by default the currency's minor unit; a currency
    without one, such as ``XAU``, needs it).

    Examples:
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.plans())
        ... def test_every_meter_is_priced(plan):
        ...     assert {entry.meter for entry in plan.entries} == {"vm.hours", "egress"}
        >>> test_every_meter_is_priced()
    """
    _meter_units(meters, "plans meters", named=False)
    if prices is not None and not isinstance(prices, st.SearchStrategy):
        raise RatekitTypeError(
            "plans prices must be a hypothesis strategy of price models, such as "
            f"rks.price_models(kinds=['Graduated']), not {type(prices).__name__}: {show(prices)}."
        )
    models = price_models() if prices is None else prices
    names = sorted(meters)
    for name in names:  # a meter name is an entry's id and meter: checked once, not when drawn
        PriceEntry(name, name, PerUnit(0))
    # The id, currency and timezone, checked once here rather than in every drawn plan.
    rounded: dict[str, typing.Any] = {} if quantum is None else {"quantum": quantum}
    Plan("basic" if plan_id is None else plan_id, currency, cycles.monthly(tz=tz), (), **rounded)

    @st.composite
    def draw_plan(draw: st.DrawFn) -> Plan:
        entries = [PriceEntry(name, name, draw(models)) for name in names]
        fees = draw(st.lists(st.builds(Fee, st.just("base"), _money(50, 2)), max_size=1))
        allowances = draw(
            st.lists(st.builds(Allowance, st.sampled_from(names), _money(20, 1)), max_size=1)
        )
        minimums = draw(st.lists(st.builds(Minimum, _money(100, 2)), max_size=1))
        identity = plan_id if plan_id is not None else draw(st.sampled_from(["basic", "pro"]))
        # attrs' ``converter=tuple`` leaves Plan's parameters typed Iterable[_T_co], which
        # mypy cannot match; the values are tuples of the right classes.
        build: typing.Any = Plan
        plan: Plan = build(
            identity,
            currency,
            cycles.monthly(tz=tz),
            tuple(entries),
            allowances=tuple(allowances),
            minimums=tuple(minimums),
            fees=tuple(fees),
            **rounded,
        )
        return plan

    return draw_plan()


def usage_rows(
    *,
    within: Span | None = None,
    accounts: Sequence[str] = ("acme", "globex"),
    meters: Mapping[str, str] = DEFAULT_METERS,
    max_size: int = 8,
    places: int = 3,
) -> st.SearchStrategy[list[UsageRow]]:
    """Usage rows of ``accounts`` and ``meters`` over whole hours inside ``within``.

    ``within`` (by default March 2026, UTC) is the rows' cycle; quantities are exact
    Decimals with at most ``places`` decimals, descriptions carry a ``flavor``.

    Examples:
        >>> from hypothesis import given
        >>> import ratekit as rk
        >>> from ratekit import strategies as rks
        >>> @given(rks.usage_rows(), rks.plans())
        ... def test_charges_add_up(rows, plan):
        ...     span = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        ...     rating = rk.rate(rows, plan, span=span)
        ...     assert sum(i.precise_total for i in rk.bill(rating)) == sum(c.amount for c in rating.charges)
        >>> test_charges_add_up()
    """
    if within is not None and not isinstance(within, Span):
        raise RatekitTypeError(
            f"usage_rows within must be a Span (the rows' cycle), not {type(within).__name__}: "
            f"{within!r}."
        )
    _accounts(accounts, "usage_rows accounts")
    _meter_units(meters, "usage_rows meters")
    max_size = _count(max_size, "usage_rows max_size")
    places = _places(places, "usage_rows places")
    for name, unit in meters.items():
        try:
            Unit(unit)
        except RatekitError as error:
            raise UnitError(f"usage_rows meters[{name!r}]: {error}") from None
    cycle = within if within is not None else Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    if cycle.duration < _dt.timedelta(hours=1):
        raise BadSpanError(
            f"usage_rows within {cycle!r} is shorter than an hour; the rows lie over whole "
            "hours from its start, so give a span of at least one hour."
        )
    names = sorted(meters)

    @st.composite
    def draw_row(draw: st.DrawFn) -> UsageRow:
        span = draw(
            spans(
                min_start=cycle.start,
                max_end=cycle.end,
                resolution=_dt.timedelta(hours=1),
                allow_empty=False,
            )
        )
        meter = draw(st.sampled_from(names))
        return UsageRow(
            draw(st.sampled_from(list(accounts))),
            meter,
            draw(st.sampled_from(["r-1", "r-2", "r-3"])),
            span,
            cycle,
            draw(_money(1_000, places)),
            meters[meter],
            {"flavor": draw(st.sampled_from(["small", "large"]))},
            (),
        )

    return st.lists(draw_row(), max_size=max_size)


def records(
    *,
    min_start: _dt.datetime | str = "2026-03-01T00:00:00Z",
    max_end: _dt.datetime | str = "2026-03-08T00:00:00Z",
    resolution: _dt.timedelta = _dt.timedelta(hours=1),
    accounts: Sequence[str] = ("acme", "globex"),
    max_size: int = 12,
) -> st.SearchStrategy[list[Event | Sample]]:
    """Streams of events and samples with unique ids, in any order, with replays and orphans.

    Events start, resize, stop and delete resources (``memory_mb``, ``flavor``) at grid
    instants; samples are ``egress`` deltas. About one record in ten is replayed (the same
    record twice), so metering's duplicate rule is exercised. At most ``max_size``
    records in all, replays included.

    Examples:
        >>> from hypothesis import given
        >>> import ratekit as rk
        >>> from ratekit import strategies as rks
        >>> meters = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
        >>> @given(rks.records())
        ... def test_metering_never_goes_negative(stream):
        ...     week = rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z")
        ...     usage = rk.meter(stream, meters, span=week, cycle=rk.cycles.daily(tz="UTC"), as_of=week.end)
        ...     assert all(row.quantity >= 0 for row in usage.rows)
        >>> test_metering_never_goes_negative()
    """
    base, step, steps = _grid(min_start, max_end, resolution)
    _accounts(accounts, "records accounts")
    max_size = _count(max_size, "records max_size")

    @st.composite
    def draw_stream(draw: st.DrawFn) -> list[Event | Sample]:
        count = draw(st.integers(0, max_size))
        stream: list[Event | Sample] = []
        index = 0
        while len(stream) < count:
            at = from_us(base + draw(st.integers(0, steps)) * step)
            account = draw(st.sampled_from(list(accounts)))
            resource = draw(st.sampled_from(["vm-1", "vm-2"]))
            if draw(st.integers(0, 3)) == 0:
                value = draw(_money(100, 2))
                stream.append(
                    Sample(account, resource, "egress", at, value, kind="delta", id=f"s{index}")
                )
            else:
                kind = draw(st.sampled_from(EVENT_KINDS))
                attributes = {"memory_mb": draw(st.sampled_from([512, 1024])), "flavor": "m1"}
                stream.append(Event(account, resource, at, attributes, kind=kind, id=f"e{index}"))
            index += 1
            if len(stream) < count and draw(st.integers(0, 9)) == 0:
                stream.append(stream[-1])
        return draw(st.permutations(stream))

    return draw_stream()
