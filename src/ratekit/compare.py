"""Pricing experiments: the same usage rated under several candidate plans, compared.

[`compare_plans()`][ratekit.compare_plans] rates one body of usage (usage rows, a [`Usage`][ratekit.Usage], or records
with their meters) under each candidate, bills it, and lines the invoices up per account
and billing cycle. The first candidate is the **baseline**: every other candidate's total
is compared with it. A [`Comparison`][ratekit.Comparison] gives the result as rows (one per account,
cycle and candidate), as a pandas DataFrame, and as HTML in a notebook.

The rules:

- a candidate is a [`Plan`][ratekit.Plan] (for every account) or a list of
  [`Assignment`][ratekit.Assignment] values;
- totals are the invoices' printed totals (each line rounded once, under each plan's own
  rounding), before any credit: a comparison takes no credits (a credit's balance is
  spent over cycles, in the order they are billed; bill each candidate's rating with
  ``bill(rating, credits=...)`` for what an account pays after them);
  ``precise_total`` is the exact sum; resources shared between accounts are split by
  ``shares`` as [`rate()`][ratekit.rate] and [`bill()`][ratekit.bill] split them;
- ``difference`` is the candidate's total minus the baseline's for the same account and
  cycle, and ``change`` says how the account fares from its own point of view:
  ``"pays less"``, ``"pays more"``, ``"same"``; an account or cycle a candidate does
  not bill at all has total ``None`` and change ``"not billed"``; one the baseline does
  not bill but the candidate does is compared with nothing paid (``baseline`` ``None``,
  ``difference`` the candidate's whole total: an account that starts paying a fee
  ``"pays more"``);
- amounts of different currencies are never compared: candidates billing one account
  and cycle in different currencies raise [`CurrencyMismatchError`][ratekit.CurrencyMismatchError];
- periods are never compared with other periods: candidates billing one account over
  different cycles that overlap (another timezone, another period) raise
  [`BadCalendarError`][ratekit.BadCalendarError], naming both candidates and cycles.

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 100, "hour", {}, ()),
    ...         rk.UsageRow("globex", "vm.hours", "vm-2", march, march, 700, "hour", {}, ())]
    >>> monthly = rk.cycles.monthly(tz="UTC")
    >>> today = rk.Plan("today", "EUR", monthly, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    >>> tiered = rk.Plan("tiered", "EUR", monthly, [rk.PriceEntry("vm", "vm.hours",
    ...                  rk.Graduated([rk.Tier(500, "0.06"), rk.Tier(None, "0.02")]))])
    >>> comparison = rk.compare_plans(rows, {"today": today, "tiered": tiered}, span=march)
    >>> for row in comparison.to_rows():
    ...     print(row["account"], row["candidate"], row["total"], row["difference"], row["change"])
    acme today 5.00 0.00 same
    acme tiered 6.00 1.00 pays more
    globex today 35.00 0.00 same
    globex tiered 34.00 -1.00 pays less
    >>> comparison.accounts("tiered", "pays less")
    ('globex',)
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from . import _values as _v
from ._anomalies import Anomaly
from ._decimals import CONTEXT, ZERO, plain_text
from ._frozen_map import FrozenMap
from ._instants import format_us, to_us
from ._shown import show
from ._text import plain_choice
from ._zones import portable_name
from .assignments import Assignment
from .billing import Invoice, bill
from .errors import (
    BadCalendarError,
    CurrencyMismatchError,
    RatekitError,
    RatekitTypeError,
    UnknownCandidateError,
)
from .policies import Meter, meters_of
from .pricebook import Plan
from .rating import rate
from .records import Event, Inventory, Sample
from .render_compare import comparison_html
from .sharing import Share, read_shares
from .spans import Span
from .usage import Usage, UsageRow

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Change", "Comparison", "ComparisonRow", "compare_plans"]

Change = Literal["same", "pays less", "pays more", "not billed"]
_CHANGES: Final = ("pays less", "pays more", "same", "not billed")
#: The keys of a comparison's rows (to_rows), in order: the columns of its frame.
_ROW_KEYS: Final = (
    "account",
    "cycle_start",
    "cycle_end",
    "currency",
    "candidate",
    "total",
    "precise_total",
    "baseline",
    "difference",
    "change",
)


@typing.final
@attrs.frozen(repr=False)
class ComparisonRow:
    """One account's billing cycle under one candidate, next to the baseline.

    ``total`` and ``precise_total`` are ``None`` when the candidate bills nothing for
    that account and cycle; ``difference`` is ``total - baseline`` (``None`` when either
    is missing).

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> from decimal import Decimal
        >>> rk.ComparisonRow("acme", march, "EUR", "pro", Decimal("6.00"), Decimal("6"),
        ...                  Decimal("5.00"), Decimal("1.00"), "pays more")
        ComparisonRow('acme', '2026-03-01T00:00:00Z', 'pro', total=6.00, change='pays more')
    """

    account: str = attrs.field(validator=_v.name)
    cycle: Span = attrs.field(validator=_v.type_of(Span, "a Span (rk.Span(start, end))"))
    currency: str = attrs.field(validator=_v.name)
    candidate: str = attrs.field(validator=_v.text)
    total: Decimal | None = attrs.field(converter=_v.optional_number, validator=_v.optional_numeric)
    precise_total: Decimal | None = attrs.field(
        converter=_v.optional_number, validator=_v.optional_numeric
    )
    baseline: Decimal | None = attrs.field(
        converter=_v.optional_number, validator=_v.optional_numeric
    )
    difference: Decimal | None = attrs.field(
        converter=_v.optional_number, validator=_v.optional_numeric
    )
    change: Change = attrs.field(validator=_v.kind_of(*_CHANGES))

    @plain_text
    def __repr__(self) -> str:
        return (
            f"ComparisonRow({self.account!r}, {format_us(self.cycle.start_us)!r}, "
            f"{self.candidate!r}, total={self.total}, change={self.change!r})"
        )


def _change(total: Decimal | None, baseline: Decimal | None) -> Change:
    if total is None:
        return "not billed"
    if baseline is None:  # the baseline bills nothing: the account paid nothing
        baseline = ZERO
    if total < baseline:
        return "pays less"
    if total > baseline:
        return "pays more"
    return "same"


class _ByCandidate(FrozenMap[str, tuple[Anomaly, ...]]):
    """Each candidate's anomalies, read-only: another name raises `UnknownCandidateError`."""

    __slots__ = ("_candidates",)

    def __init__(
        self, items: Mapping[str, tuple[Anomaly, ...]], candidates: tuple[str, ...] = ()
    ) -> None:
        super().__init__(items)
        self._candidates = candidates

    def _missing(self, key: str) -> tuple[Anomaly, ...]:
        raise UnknownCandidateError(
            f"candidate {key!r} is not one of this comparison's: "
            f"{', '.join(map(repr, self._candidates))}."
        )

    def __reduce__(self) -> tuple[typing.Any, ...]:
        return (_ByCandidate, (dict(self._items), self._candidates))


@typing.final
@attrs.frozen(repr=False)
class Comparison:
    """The candidates' invoices lined up per account and cycle (see `ratekit.compare`).

    ``candidates`` are the candidates' names in order (the first is the baseline);
    ``rows`` one [`ComparisonRow`][ratekit.ComparisonRow] per account, cycle and candidate, sorted by
    account, cycle start and candidate order; ``invoices`` each candidate's invoices, each
    in the timezone of the plan that billed it (its ``tz``, else its cycle's; none when
    the account's plans over the cycle have none or several); ``anomalies`` each
    candidate's rating's anomalies (usage a plan with ``unpriced="anomaly"`` left
    unpriced bills nothing, so a candidate that drops a meter looks cheaper: its anomalies
    say why). The repr and the HTML table count them per candidate.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
        >>> rk.compare_plans([], {"<b>now</b>": [rk.Assignment("acme", plan)]}, span=march)
        Comparison(candidates=('<b>now</b>',), 1 rows)
    """

    candidates: tuple[str, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(str, "candidate names (strings)")
    )
    rows: tuple[ComparisonRow, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(ComparisonRow, "ComparisonRows")
    )
    invoices: Mapping[str, tuple[Invoice, ...]] = attrs.field(
        eq=False,
        validator=_v.mapping_of(
            _v.text,
            _v.items(Invoice, "Invoices"),
            "a mapping of candidate names to tuples of Invoices",
        ),
    )
    anomalies: Mapping[str, tuple[Anomaly, ...]] = attrs.field(
        factory=dict,
        eq=False,
        validator=_v.mapping_of(
            _v.text,
            _v.items(Anomaly, "Anomalies"),
            "a mapping of candidate names to tuples of Anomalies",
        ),
    )
    """Each candidate's anomalies, as its rating reports them (empty when none): a read-only
    mapping with every candidate; another name raises
    [`UnknownCandidateError`][ratekit.UnknownCandidateError], given or looked up."""

    def __attrs_post_init__(self) -> None:
        given = self.anomalies
        ghosts = [name for name in given if name not in self.candidates]
        if ghosts:
            raise UnknownCandidateError(
                f"Comparison anomalies name {', '.join(map(repr, ghosts))}, not among its "
                f"candidates: {', '.join(map(repr, self.candidates))}."
            )
        every = {name: tuple(given.get(name, ())) for name in self.candidates}
        object.__setattr__(self, "anomalies", _ByCandidate(every, self.candidates))

    @plain_text
    def __repr__(self) -> str:
        counts = self._anomaly_counts()
        said = f", anomalies={counts!r}" if counts else ""
        return f"Comparison(candidates={self.candidates!r}, {len(self.rows)} rows{said})"

    def _anomaly_counts(self) -> dict[str, int]:
        """How many anomalies each candidate that has some has, in candidate order."""
        return {
            name: len(self.anomalies[name]) for name in self.candidates if self.anomalies.get(name)
        }

    def to_rows(self) -> list[dict[str, Any]]:
        """The rows as JSON-safe dicts (Decimals as strings, instants ISO-8601 with ``Z``).

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
            >>> rk.compare_plans([], {"now": [rk.Assignment("acme", plan)]}, span=march).to_rows()[0]["total"]
            '10.00'
        """
        return [
            {
                "account": row.account,
                "cycle_start": format_us(row.cycle.start_us),
                "cycle_end": format_us(row.cycle.end_us),
                "currency": row.currency,
                "candidate": row.candidate,
                "total": _text(row.total),
                "precise_total": _text(row.precise_total),
                "baseline": _text(row.baseline),
                "difference": _text(row.difference),
                "change": row.change,
            }
            for row in self.rows
        ]

    def accounts(self, candidate: str, change: Change) -> tuple[str, ...]:
        """The accounts that, under ``candidate``, have at least one cycle with ``change``.

        Raises [`UnknownCandidateError`][ratekit.UnknownCandidateError] (a `LookupError`)
        for a candidate the comparison does not have, naming those it has, and
        [`RatekitTypeError`][ratekit.RatekitTypeError] for a change that is none of
        ``"pays less"``, ``"pays more"``, ``"same"``, ``"not billed"``.

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
            >>> rk.compare_plans([], {"now": [rk.Assignment("acme", plan)]}, span=march).accounts("now", "same")
            ('acme',)
        """
        # a str subclass compares as the text it holds, not by its own __eq__
        candidate = typing.cast("str", plain_choice(candidate))
        change = typing.cast("Change", plain_choice(change))
        if candidate not in self.candidates:
            raise UnknownCandidateError(
                f"candidate {candidate!r} is not one of this comparison's: "
                f"{', '.join(map(repr, self.candidates))}."
            )
        if change not in _CHANGES:
            raise RatekitTypeError(
                f"change {change!r} is not one of {', '.join(map(repr, _CHANGES))}."
            )
        found = {r.account for r in self.rows if r.candidate == candidate and r.change == change}
        return tuple(sorted(found))

    def totals(self) -> dict[str, Decimal]:
        """Each candidate's total over every account and cycle (what the plan would bill).

        Raises [`CurrencyMismatchError`][ratekit.CurrencyMismatchError] when a candidate bills in several
        currencies (see [`totals_by_currency()`][ratekit.Comparison.totals_by_currency]).

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
            >>> rk.compare_plans([], {"now": [rk.Assignment("a", plan), rk.Assignment("b", plan)]}, span=march).totals()
            {'now': Decimal('20.00')}
        """
        out = {}
        for name, sums in self.totals_by_currency().items():
            if len(sums) > 1:
                raise CurrencyMismatchError(
                    f"candidate {name!r} bills in {', '.join(sums)}; its totals per currency "
                    "are in totals_by_currency()."
                )
            out[name] = next(iter(sums.values()), ZERO)
        return out

    def totals_by_currency(self) -> dict[str, dict[str, Decimal]]:
        """Each candidate's totals per currency, over every account and cycle.

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> eur = rk.Plan("e", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
            >>> usd = rk.Plan("u", "USD", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 12)])
            >>> rk.compare_plans([], {"now": [rk.Assignment("a", eur), rk.Assignment("b", usd)]}, span=march).totals_by_currency()
            {'now': {'EUR': Decimal('10.00'), 'USD': Decimal('12.00')}}
        """
        out: dict[str, dict[str, Decimal]] = {name: {} for name in self.candidates}
        for row in self.rows:
            if row.total is not None:
                sums = out[row.candidate]
                sums[row.currency] = CONTEXT.add(sums.get(row.currency, ZERO), row.total)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (needs ``ratekit[pandas]``).

        Decimal columns hold exact `Decimal` values (``object`` dtype),
        cycle bounds are ``datetime64[us, UTC]``. ``frame.pivot(index=["account",
        "cycle_start"], columns="candidate", values="total")`` sets the candidates side by
        side.

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
            >>> rk.compare_plans([], {"now": [rk.Assignment("acme", plan)]}, span=march).to_frame()["total"].tolist()
            [Decimal('10.00')]
        """
        from .frames import _pandas, _typed  # noqa: PLC0415 - pandas only when a frame is asked for

        pandas = _pandas()
        frame = pandas.DataFrame(self.to_rows(), columns=_ROW_KEYS)
        for column in ("cycle_start", "cycle_end"):
            frame[column] = pandas.to_datetime(frame[column], utc=True, format="ISO8601").astype(
                "datetime64[us, UTC]"
            )
        for column in ("total", "precise_total", "baseline", "difference"):
            values = [getattr(row, column) for row in self.rows]
            frame[column] = pandas.Series(values, index=frame.index, dtype=object)
        return _typed(frame, (ComparisonRow,))

    def _repr_html_(self) -> str:
        """An HTML table: one row per account and cycle, one column per candidate.

        A cycle is printed in the timezone of the baseline's invoice for it (the timezone
        of the plan that billed it: the plan's ``tz``, else its cycle's), as its invoice
        prints it; in UTC when that plan has none.
        """
        return comparison_html(self)


def _zone_of(plan: Plan) -> str | None:
    """The name of the timezone a plan bills in (its ``tz``, else its cycle's), or None.

    An IANA name, or a fixed offset's (``"UTC+05:45"``), as invoices keep it.
    """
    tz = plan.tz if plan.tz is not None else getattr(plan.cycle, "tz", None)
    if tz is None:
        return None
    try:
        return portable_name(tz, f"plan {plan.id!r} tz")
    except RatekitError:  # a user cycle's odd tz attribute: print in UTC
        return None


def _local(invoices: Iterable[Invoice], plans: Plan | list[Any]) -> tuple[Invoice, ...]:
    """The invoices, each in the timezone of the plans that billed its cycle.

    An invoice keeps no timezone (UTC) when its account's plans over the cycle have none,
    a fixed offset only, or several.
    """
    out = []
    for invoice in invoices:
        if isinstance(plans, Plan):
            zones = {_zone_of(plans)}
        else:
            cycle = invoice.cycle
            zones = {
                _zone_of(assignment.plan)
                for assignment in plans
                if isinstance(assignment, Assignment)
                and assignment.account == invoice.account
                and (assignment.start_us is None or assignment.start_us < cycle.end_us)
                and (assignment.end_us is None or assignment.end_us > cycle.start_us)
            }
        tz = zones.pop() if len(zones) == 1 else None
        out.append(invoice if tz is None else attrs.evolve(invoice, tz=tz))
    return tuple(out)


def _under(error: RatekitError, name: str) -> RatekitError:
    try:
        return type(error)(f"under candidate {name!r}: {error}")
    except TypeError:  # pragma: no cover - every ratekit error takes one message
        return error


def _check_cycles(
    table: Mapping[tuple[str, int, int], Mapping[str, Invoice]], names: tuple[str, ...]
) -> None:
    """Refuse candidates that bill one account over different, overlapping cycles.

    Rows line invoices up per account and cycle: a UTC month and a Zurich month, or a
    month and its weeks, would each be compared with nothing. So would a candidate that
    changes from monthly to weekly cycles against one that stays monthly: two overlapping
    cycles must be billed by the same candidates (all changing cycle alike). A cycle that
    some candidates do not bill, and that no cycle of theirs overlaps, is fine ("not billed").
    O(k log k) for k invoices, plus the overlapping pairs.
    """
    active: list[tuple[str, int, Mapping[str, Invoice]]] = []
    for account, start_us, end_us in sorted(table):
        found = table[account, start_us, end_us]
        active = [a for a in active if a[0] == account and a[1] > start_us]
        for _, _, other in active:
            # Overlapping cycles line up only if the same candidates bill both (each
            # changing cycle alike); else a candidate billing one of them and not the
            # other is set against another candidate's different cycle.
            mine = [name for name in found if name not in other]
            theirs = [name for name in other if name not in found]
            if mine or theirs:
                odd, odd_found, rest = (
                    (mine[0], found, other) if mine else (theirs[0], other, found)
                )
                pair = sorted(
                    [(odd, odd_found), (next(iter(rest)), rest)], key=lambda p: names.index(p[0])
                )
                (a, a_found), (b, b_found) = pair
                one, two = a_found[a].cycle, b_found[b].cycle
                raise BadCalendarError(
                    f"candidates {a!r} and {b!r} bill account {account!r} over different "
                    f"cycles: {format_us(one.start_us)}..{format_us(one.end_us)} under {a!r} "
                    f"overlaps {format_us(two.start_us)}..{format_us(two.end_us)} under {b!r}; "
                    "a comparison lines invoices up per cycle, so give the candidates the "
                    "same billing cycle (period and timezone), or rate each with rate() and "
                    "compare their totals_by_currency()."
                )
        active.append((account, end_us, found))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else CONTEXT.to_sci_string(value)  # not the caller's capitals


Records = Iterable[Event | Sample | Inventory]


def compare_plans(
    usage: Usage | Iterable[UsageRow] | Records,
    candidates: Mapping[str, Plan | Iterable[Assignment]],
    *,
    span: Span,
    meters: Iterable[Meter] | None = None,
    as_of: _dt.datetime | str | None = None,
    by_resource: bool = False,
    shares: Iterable[Share] = (),
) -> Comparison:
    """Rate and bill ``usage`` under each of ``candidates`` and compare with the first.

    ``candidates`` maps a name to a plan (for every account) or to assignments; the
    first is the baseline. ``usage``, ``span``, ``meters``, ``as_of`` and ``shares`` are
    those of [`ratekit.rate()`][ratekit.rate] (records with ``meters`` are metered under each candidate's
    cycle; a shared resource's charges are split among its holders under every
    candidate, as on their invoices). Credits are not taken: the totals compared are
    the invoices' totals before credits. O(c · n log n) for c candidates and n rows.

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for no candidates,
    [`CurrencyMismatchError`][ratekit.CurrencyMismatchError] when two candidates bill one account and cycle
    in different currencies, and [`BadCalendarError`][ratekit.BadCalendarError] when two
    candidates bill one account over different cycles that overlap (a month in UTC and
    one in Europe/Zurich, a month and its weeks), naming both candidates and cycles:
    rows compare one cycle with the same cycle, never a month with a week.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> try:
        ...     rk.compare_plans([], {}, span=march)
        ... except rk.RatekitTypeError as error:
        ...     print(error)
        compare_plans needs at least one candidate plan, named in a mapping, e.g. {'today': plan, 'proposal': other}.
    """
    if not isinstance(candidates, Mapping) or not candidates:
        given = "" if isinstance(candidates, Mapping) else f", not {type(candidates).__name__}"
        raise RatekitTypeError(
            "compare_plans needs at least one candidate plan, named in a mapping, e.g. "
            f"{{'today': plan, 'proposal': other}}{given}."
        )
    for name, plans in candidates.items():
        if not isinstance(name, str):
            raise RatekitTypeError(
                f"candidate names are strings (they head the comparison's columns), "
                f"not {type(name).__name__}: {show(name)}."
            )
        if not isinstance(plans, Plan) and (
            isinstance(plans, str | bytes | Mapping) or not isinstance(plans, Iterable)
        ):
            raise RatekitTypeError(
                f"candidate {name!r} must be a Plan (for every account) or a list of "
                f"Assignment values, not {type(plans).__name__}: {show(plans)}."
            )
    if not isinstance(span, Span):  # the call's own arguments, not any candidate's
        raise RatekitTypeError(
            f"compare_plans span must be a Span, not {type(span).__name__}: {show(span)}."
        )
    if as_of is not None:
        to_us(as_of, "compare_plans as_of")
    body: Usage | list[Any] = (
        usage if isinstance(usage, Usage) else list(_v.collection(usage, "compare_plans usage"))
    )
    meter_list = (
        None if meters is None else list(meters_of(meters, "compare_plans meters").values())
    )
    _v.switch(by_resource, "compare_plans by_resource")
    shared = read_shares(shares, "compare_plans shares")
    names = tuple(str(name) for name in candidates)
    invoices: dict[str, tuple[Invoice, ...]] = {}
    anomalies: dict[str, tuple[Anomaly, ...]] = {}
    table: dict[tuple[str, int, int], dict[str, Invoice]] = {}
    for name, plans in zip(names, candidates.values(), strict=True):
        plans_arg = plans if isinstance(plans, Plan) else list(plans)
        try:
            rating = rate(body, plans_arg, span=span, meters=meter_list, as_of=as_of, shares=shared)
            invoices[name] = _local(bill(rating, by_resource=by_resource), plans_arg)
            anomalies[name] = rating.anomalies
        except RatekitError as error:
            # The same error, saying which candidate met it (usage one plan does not cover).
            raise _under(error, name) from error
        for invoice in invoices[name]:
            key = (invoice.account, invoice.cycle.start_us, invoice.cycle.end_us)
            table.setdefault(key, {})[name] = invoice
    _check_cycles(table, names)
    rows = []
    for key in sorted(table):
        found = table[key]
        currencies = {invoice.currency for invoice in found.values()}
        if len(currencies) > 1:
            raise CurrencyMismatchError(
                f"account {key[0]!r} cycle {format_us(key[1])} is billed in "
                + ", ".join(f"{found[n].currency} by {n!r}" for n in names if n in found)
                + "; compare candidates of one currency."
            )
        currency = currencies.pop()
        first = found.get(names[0])
        baseline = None if first is None else first.total
        cycle = next(iter(found.values())).cycle
        for name in names:
            billed = found.get(name)
            total = None if billed is None else billed.total
            difference = (
                None
                if total is None
                else CONTEXT.subtract(total, ZERO if baseline is None else baseline)
            )
            rows.append(
                ComparisonRow(
                    key[0],
                    cycle,
                    currency,
                    name,
                    total,
                    None if billed is None else billed.precise_total,
                    baseline,
                    difference,
                    _change(total, baseline),
                )
            )
    return Comparison(names, tuple(rows), invoices, anomalies)
