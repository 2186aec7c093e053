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
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from . import _values as _v
from ._account_names import account_names
from ._anomalies import Anomaly
from ._call_arguments import checked
from ._caller_objects import read_items, read_once
from ._comparison import Change, Comparison, ComparisonRow, _change
from ._decimals import _SUMS, ZERO
from ._instants import format_us, to_us
from ._shown import show
from ._text import check_text
from ._zones import portable_name
from .assignments import Assignment
from .billing import Invoice, bill
from .errors import BadCalendarError, CurrencyMismatchError, RatekitError, RatekitTypeError
from .policies import Meter, meters_of
from .pricebook import Plan
from .rating import rate
from .records import Event, Inventory, Sample
from .sharing import Share, read_shares
from .spans import Span
from .usage import Usage, UsageRow

__all__ = ["Change", "Comparison", "ComparisonRow", "compare_plans"]


def _zone_of(plan: Plan) -> str | None:
    """The name of the timezone a plan bills in (its ``tz``, else its cycle's), or None.

    An IANA name, or a fixed offset's (``"UTC+05:45"``), as invoices keep it.
    """
    tz = plan.tz if plan.tz is not None else getattr(plan.cycle, "tz", None)
    if tz is None:
        return None
    try:
        return portable_name(tz, f"plan {show(plan.id)} tz")
    except RatekitError:  # a user cycle's odd tz attribute: print in UTC
        return None


def _local(invoices: Iterable[Invoice], plans: Plan | list[Any]) -> tuple[Invoice, ...]:
    """The invoices, each in the timezone of the plans that billed its cycle.

    An invoice keeps no timezone (UTC) when its account's plans over the cycle have none,
    or several; a fixed offset is a timezone (``"UTC+05:45"``: the invoice reads its
    dates there).
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
        return type(error)(f"under candidate {show(name)}: {error}")
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
                    f"candidates {show(a)} and {show(b)} bill account {show(account)} over different "
                    f"cycles: {format_us(one.start_us)}..{format_us(one.end_us)} under {show(a)} "
                    f"overlaps {format_us(two.start_us)}..{format_us(two.end_us)} under {show(b)}; "
                    "a comparison lines invoices up per cycle, so give the candidates the "
                    "same billing cycle (period and timezone), or rate each with rate() and "
                    "compare their totals_by_currency()."
                )
        active.append((account, end_us, found))


Records = Iterable[Event | Sample | Inventory]


def _read_candidates(candidates: Mapping[Any, Any]) -> dict[Any, Any]:
    """The caller's candidates read once: its mapping's items, and each list of assignments.

    A mapping or an iterable of the caller's own runs its code, which may raise anything:
    what it raises is a RatekitTypeError naming the candidates (`read_items`) or the
    candidate (`read_once`), chained. Names and plans are judged by `_check_candidates`.
    O(c + a) for c candidates and a assignments.
    """
    kind = "mapping" if type(candidates) is dict else f"mapping ({type(candidates).__name__})"
    out: dict[Any, Any] = {}
    for name, given in read_items(
        candidates, "compare_plans candidates", kind, "a dict of names to plans"
    ):
        plans = given
        listed = isinstance(given, Iterable) and not isinstance(given, str | bytes | Mapping)
        if listed and not isinstance(given, Plan) and type(given) is not list:
            what = f"compare_plans candidate {show(name)}"
            plans = read_once(given, what, type(given).__name__, "a list of Assignment values")
        out[str.__str__(name) if isinstance(name, str) else name] = plans
    return out


def _check_candidates(candidates: Mapping[str, Plan | Iterable[Assignment]]) -> None:
    """Refuse a candidate name that is no visible text, or plans that are neither."""
    for name, plans in candidates.items():
        if not isinstance(name, str):
            raise RatekitTypeError(
                f"candidate names are strings (they head the comparison's columns), "
                f"not {type(name).__name__}: {show(name)}."
            )
        check_text(name, "compare_plans candidate name")
        if not name.strip():
            raise RatekitTypeError(
                "candidate names head the comparison's columns and its rows: give each a "
                f"name with a visible character, not {show(name)}."
            )
        if not isinstance(plans, Plan) and (
            isinstance(plans, str | bytes | Mapping) or not isinstance(plans, Iterable)
        ):
            raise RatekitTypeError(
                f"candidate {show(name)} must be a Plan (for every account) or a list of "
                f"Assignment values, not {type(plans).__name__}: {show(plans)}."
            )


def _no_records(body: list[Any]) -> None:
    """Refuse records given without ``meters=``: the call's own fault, not a candidate's."""
    record = next((r for r in body if isinstance(r, Event | Sample | Inventory)), None)
    if record is not None:
        raise RatekitTypeError(
            "compare_plans usage must be usage rows, or records with meters=[...]: "
            f"records were given without meters= ({type(record).__name__}: "
            f"{show(record)}); pass the meters that meter them."
        )


@checked
def compare_plans(
    usage: Usage | Iterable[UsageRow] | Records,
    candidates: Mapping[str, Plan | Iterable[Assignment]],
    *,
    span: Span,
    meters: Iterable[Meter] | None = None,
    as_of: _dt.datetime | str | None = None,
    by_resource: bool = False,
    shares: Iterable[Share] = (),
    accounts: Iterable[str] | None = None,
) -> Comparison:
    """Rate and bill ``usage`` under each of ``candidates`` and compare with the first.

    ``candidates`` maps a name to a plan (for every account) or to assignments; the
    first is the baseline. ``usage``, ``span``, ``meters``, ``as_of``, ``shares`` and
    ``accounts`` are those of [`ratekit.rate()`][ratekit.rate] (records with ``meters`` are metered under each candidate's
    cycle; a shared resource's charges are split among its holders under every
    candidate, as on their invoices). ``accounts`` names accounts a candidate's single
    plan covers though the usage has none of theirs: an idle account's fees, bases and
    minimums are compared too (under assignments, each must be assigned by every
    candidate). Credits are not taken: the totals compared are
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
    candidates = _read_candidates(candidates)
    _check_candidates(candidates)
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
    if meter_list is None and not isinstance(body, Usage):
        _no_records(body)
    _v.switch(by_resource, "compare_plans by_resource")
    shared = read_shares(shares, "compare_plans shares")
    named = (
        None
        if accounts is None
        else sorted(account_names(accounts, "compare_plans", "['acme', 'globex']"))
    )
    names = tuple(str(name) for name in candidates)
    metered = body.anomalies if isinstance(body, Usage) else ()
    invoices: dict[str, tuple[Invoice, ...]] = {}
    anomalies: dict[str, tuple[Anomaly, ...]] = {}
    table: dict[tuple[str, int, int], dict[str, Invoice]] = {}
    for name, plans in zip(names, candidates.values(), strict=True):
        plans_arg = plans if isinstance(plans, Plan) else list(plans)  # read once above
        try:
            rating = rate(
                body,
                plans_arg,
                span=span,
                meters=meter_list,
                as_of=as_of,
                shares=shared,
                accounts=named,
            )
            invoices[name] = _local(bill(rating, by_resource=by_resource), plans_arg)
            # a Usage's metering anomalies are each candidate's, as records' are (metered
            # under each): rating a Usage reports its own only
            anomalies[name] = (*metered, *rating.anomalies)
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
                f"account {show(key[0])} cycle {format_us(key[1])} is billed in "
                + ", ".join(f"{found[n].currency} by {show(n)}" for n in names if n in found)
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
                else _SUMS.subtract(total, ZERO if baseline is None else baseline)
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
