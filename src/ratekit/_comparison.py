"""A plan comparison's result: one row per account, cycle and candidate, and its views.

[`compare_plans()`][ratekit.compare_plans] (`ratekit.compare`) builds a
[`Comparison`][ratekit.Comparison]: its [`ComparisonRow`][ratekit.ComparisonRow] values
set each candidate's total for an account and cycle next to the baseline's, with the
``change`` the account sees; the comparison gives them as JSON-safe rows, per-candidate
totals, the accounts with a given change, a pandas DataFrame and an HTML table, and keeps
each candidate's invoices and anomalies.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from . import _values as _v
from ._anomalies import Anomaly
from ._decimals import _SUMS as _EXACT_SUMS
from ._decimals import ZERO
from ._entry_points import plain_text
from ._frozen_map import FrozenMap
from ._instants import format_us
from ._shown import show
from ._text import one_of
from .billing import Invoice
from .errors import (
    BadQuantityError,
    CurrencyMismatchError,
    RatekitTypeError,
    UnknownCandidateError,
)
from .render import plain
from .render_compare import comparison_html
from .spans import Span

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Change", "Comparison", "ComparisonRow"]


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
    that account and cycle; ``difference`` is ``total - baseline``: ``None`` when the
    candidate bills nothing, the whole ``total`` when the baseline bills nothing
    (``baseline`` ``None``: the account is taken to have paid nothing). ``change`` is
    what the totals say: ``"not billed"`` without a total, else ``"pays less"``,
    ``"pays more"`` or ``"same"`` against the baseline (0 when it bills nothing). A row
    built by hand whose ``difference``, ``change`` or ``precise_total`` contradicts its
    totals is refused with `BadQuantityError`.

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

    def __attrs_post_init__(self) -> None:
        total, baseline, difference = self.total, self.baseline, self.difference
        if (total is None) != (self.precise_total is None):
            raise BadQuantityError(
                "ComparisonRow precise_total must be None when total is None, and a number "
                f"when it is one, not {_shown(self.precise_total)}."
            )
        if total is None:
            if difference is not None:
                raise BadQuantityError(
                    "ComparisonRow difference must be None when the candidate bills nothing "
                    f"(total None), not {_shown(difference)}."
                )
        else:
            # exact: a difference of totals is never rounded, whatever their magnitudes
            due = _EXACT_SUMS.subtract(total, ZERO if baseline is None else baseline)
            if difference is None or difference != due:
                shown = "0 (none billed)" if baseline is None else plain(baseline)
                raise BadQuantityError(
                    f"ComparisonRow difference must be total - baseline, {plain(total)} - "
                    f"{shown} = {plain(due)}, not {_shown(difference)}."
                )
        change = _change(total, baseline)
        if self.change != change:
            raise BadQuantityError(
                f"ComparisonRow change must be {show(change)} for a total of {_shown(total)} "
                f"against a baseline of {_shown(baseline)}, not {show(self.change)}."
            )

    @plain_text
    def __repr__(self) -> str:
        return (
            f"ComparisonRow({self.account!r}, {format_us(self.cycle.start_us)!r}, "
            f"{self.candidate!r}, total={self.total}, change={self.change!r})"
        )


def _shown(value: Decimal | None) -> str:
    return "None" if value is None else plain(value)


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
            f"candidate {show(key)} is not one of this comparison's: "
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
    candidate's rating's anomalies, after the metering anomalies of a
    [`Usage`][ratekit.Usage] given (usage a plan with ``unpriced="anomaly"`` left
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
    """Each candidate's anomalies, as its rating reports them, after those of a `Usage` given
    (empty when none): a read-only
    mapping with every candidate; another name raises
    [`UnknownCandidateError`][ratekit.UnknownCandidateError], given or looked up."""

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for name in self.candidates:
            if name in seen:
                raise RatekitTypeError(
                    f"Comparison candidates name {show(name)} twice; each candidate heads one column."
                )
            seen.add(name)
        for index, row in enumerate(self.rows):
            if row.candidate not in seen:
                raise UnknownCandidateError(
                    f"Comparison rows[{index}] is of candidate {show(row.candidate)}, not among "
                    f"its candidates: {', '.join(map(repr, self.candidates))}."
                )
        strays = [name for name in self.invoices if name not in seen]
        if strays:
            raise UnknownCandidateError(
                f"Comparison invoices name {', '.join(map(repr, strays))}, not among its "
                f"candidates: {', '.join(map(repr, self.candidates))}."
            )
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
        """The rows as JSON-safe dicts (amounts exact, in plain notation; instants with ``Z``).

        An amount is written as the invoices and the notebook table print it:
        ``"0.0000009"``, never ``"9E-7"``; a zero without a sign.

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
        chosen = one_of(candidate, self.candidates)
        if chosen is None:
            raise UnknownCandidateError(
                f"candidate {show(candidate)} is not one of this comparison's: "
                f"{', '.join(map(repr, self.candidates))}."
            )
        changed = one_of(change, _CHANGES)
        if changed is None:
            raise RatekitTypeError(
                f"change {show(change)} is not one of {', '.join(map(repr, _CHANGES))}."
            )
        candidate, change = chosen, typing.cast("Change", changed)
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
                    f"candidate {show(name)} bills in {', '.join(sums)}; its totals per currency "
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
                # exact: a sum of 60-digit totals may need a 61st digit
                sums[row.currency] = _EXACT_SUMS.add(sums.get(row.currency, ZERO), row.total)
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
        prints it; in UTC when that plan has none. A candidate whose invoice reads the
        cycle in another timezone shows that reading under its amount.
        """
        return comparison_html(self)


def _text(value: Decimal | None) -> str | None:
    """An amount in plain notation, as the invoices and the table print it (never ``9E-7``)."""
    return None if value is None else plain(value)
