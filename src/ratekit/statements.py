"""What the streaming rater says: feed reports, statements and their lines.

[`ratekit.Rater.feed()`][ratekit.Rater.feed] returns a [`Feed`][ratekit.Feed] (what was done with each record of a
batch); [`ratekit.Rater.statement()`][ratekit.Rater.statement] returns a [`Statement`][ratekit.Statement], whose
[`StatementLine`][ratekit.StatementLine] values say how each invoice line changed since it was last
reported (first charge, increment, or reversal and correction).
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, Literal

import attrs

from . import _values as _v
from ._entry_points import plain_text
from ._instants import format_us, to_us
from ._shown import show
from ._totals import only, per_key
from ._zones import portable_name
from .billing import Invoice
from .currencies import currency_field
from .errors import RatekitTypeError
from .rating import Charge
from .records import Anomaly
from .render import visible
from .render_html import count_of, statement_html
from .spans import Span

__all__ = ["Feed", "Statement", "StatementLine"]

Role = Literal["charge", "increment", "reversal", "correction"]

# A line: (account, cycle start, cycle end, kind, plan, meter, entry, resource, unit, currency)
LineKey = tuple[str, int, int, str, str, str | None, str | None, str | None, str, str]


# -- values --------------------------------------------------------------------------------

_IDS: Final = _v.items(str, "record ids (strings)")
_SPAN: Final = _v.type_of(Span, "a Span (rk.Span(start, end))")


def _statement_tz(value: object) -> str | None:
    """A statement's zone as a name, through the one door for timezones (``None``: UTC)."""
    return None if value is None else portable_name(value, "Statement tz")


@typing.final
@attrs.frozen(repr=False)
class Feed:
    """What [`Rater.feed()`][ratekit.Rater.feed] did with one batch: the records by outcome, with their ids.

    - ``accepted``: new records for cycles still open (kept, rated at the next statement);
    - ``duplicates``: records seen before, in this or any earlier batch (no-ops);
    - ``conflicting``: records whose id was seen before with other content (refused: the
      first version stands);
    - ``late``: new records for a cycle that has closed but is still kept: the next
      statement corrects it (policy ``late="correct"``) or reports the difference only
      (``late="report"``);
    - ``too_late``: records stamped before everything the rater keeps (a cycle compacted
      away): not applied; each is an anomaly in ``anomalies``, with its quantity. Also,
      too late *in part*, records taken (in ``accepted`` or ``late`` too) whose effect
      reaches back before the kept cycles: a counter reading counting from a compacted
      reading, a delta over a span starting there, an event ordered there by its ``seq``,
      a ``last_seen`` inventory closing there. That part is not applied (its anomaly
      gives a sample's quantity there), the rest is.

    The id lists hold the ids of the records that have one; ``counts`` counts every
    record, with an id or not, under each outcome it has.

    Examples:
        >>> import ratekit as rk
        >>> rk.Feed(accepted=("e1",), duplicates=("e1",), counts={"accepted": 1, "duplicates": 1})
        Feed(accepted=1, duplicates=1)
    """

    accepted: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    duplicates: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    conflicting: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    late: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    too_late: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    anomalies: tuple[Anomaly, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(Anomaly, "Anomaly values")
    )
    counts: typing.Mapping[str, int] = attrs.field(
        factory=dict,
        validator=_v.mapping_of(
            _v.name, _v.index, "a mapping of outcome names to counts (ints of at least 0)"
        ),
    )

    @plain_text
    def __repr__(self) -> str:
        parts = [f"{name}={count}" for name, count in self.counts.items() if count]
        if self.anomalies:
            parts.append(f"anomalies={len(self.anomalies)}")
        return f"Feed({', '.join(parts)})"


@typing.final
@attrs.frozen(repr=False)
class StatementLine:
    """One line of a statement: what changed on one invoice line since it was last reported.

    A line of an invoice is identified by account, cycle, kind, plan, meter, entry,
    resource, unit and currency. ``role`` says how this statement changes it:

    - ``"charge"``: first reported; ``quantity`` and ``amount`` are the line so far;
    - ``"increment"``: the line grew (or shrank) with time only (usage after the last
      watermark, a fee or allowance prorated further): ``quantity`` and ``amount`` are the
      difference;
    - ``"reversal"`` then ``"correction"``: a record changed what was already reported (a
      late record, a counter reading that reaches back, a STOP seen late): the reversal
      cancels the reported line (negated quantity and amount) and the correction gives the
      line anew, in full (DESIGN §3.9: never a silent rewrite).

    ``late`` is true for a line of a cycle that had already closed (its invoice given):
    the host puts it on the next open invoice. ``charges`` are the charges of the line as it
    now stands (empty for a reversal), whose provenance names the records behind it.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> rk.StatementLine("acme", march, "usage", "p", "runtime", "vm", "vm-1", "hour", "EUR",
        ...                  24, 2, "charge")
        StatementLine('charge', 'acme', 'runtime', 'vm-1', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 24 hour, 2 EUR)
    """

    account: str = attrs.field(validator=_v.name)
    cycle: Span = attrs.field(validator=_SPAN)
    kind: str = attrs.field(validator=_v.kind_of("usage", "fee", "minimum"))
    plan: str = attrs.field(validator=_v.name)
    meter: str | None = attrs.field(validator=_v.optional_name)
    entry: str | None = attrs.field(validator=_v.optional_name)
    resource: str | None = attrs.field(validator=_v.optional_name)
    unit: str = attrs.field(validator=_v.name)
    currency: str = attrs.field(validator=[_v.name, currency_field("StatementLine")])
    quantity: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    amount: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    # A row (rk.from_row) must say these two, though the constructor has defaults: a
    # reversal or a late correction read as a charge on time would be another line.
    role: Role = attrs.field(
        default="charge",
        validator=_v.kind_of("charge", "increment", "reversal", "correction"),
        metadata={"in_every_row": True},
    )
    late: bool = attrs.field(default=False, validator=_v.flag, metadata={"in_every_row": True})
    charges: tuple[Charge, ...] = attrs.field(
        default=(), eq=False, converter=_v.to_tuple, validator=_v.items(Charge, "Charges")
    )

    @property
    def key(self) -> LineKey:
        """The identity of the invoice line: what the statements sum over."""
        return (
            self.account,
            self.cycle.start_us,
            self.cycle.end_us,
            self.kind,
            self.plan,
            self.meter,
            self.entry,
            self.resource,
            self.unit,
            self.currency,
        )

    @property
    def record_ids(self) -> tuple[str, ...]:
        """The ids of the records behind the line's charges, each once, in order."""
        return tuple(dict.fromkeys(i for charge in self.charges for i in charge.record_ids))

    @plain_text
    def __repr__(self) -> str:
        return (
            f"StatementLine({self.role!r}, {self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.cycle.start_us)!r}..{format_us(self.cycle.end_us)!r}, "
            f"{self.quantity} {visible(self.unit)}, {self.amount} {self.currency}"
            + (", late=True" if self.late else "")
            + ")"
        )


@typing.final
@attrs.frozen(repr=False)
class Statement:
    """What [`Rater.statement()`][ratekit.Rater.statement] returns: everything that changed up to ``as_of``.

    - ``lines``: the changed invoice lines (see [`StatementLine`][ratekit.StatementLine]), in a stable order;
    - ``invoices``: the invoices of the cycles this statement closed (their final charges);
    - ``closed``: those cycles;
    - ``anomalies``: anomalies not reported before (metering's, rating's, the rater's);
    - ``reported_only``: under ``late="report"``, the changes to closed cycles that were
      not charged (reversal and correction pairs, for the host to look at);
    - ``no_effect``: ids of the records of the closed cycles (and of the late records
      since the last closing) that no charge, line or anomaly given names (an update that
      changed nothing priced, a sample no meter prices, a late STOP whose only line is a
      reversal, which has no charges to name it): accounted for, explicitly.

    Examples:
        >>> import ratekit as rk
        >>> rk.Statement(rk.Span("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z").start)
        Statement('2026-03-01T00:00:00Z', 0 lines, 0 invoices, 0 anomalies)
    """

    as_of: _dt.datetime = attrs.field(converter=_v.instant, validator=_v.aware)
    lines: tuple[StatementLine, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(StatementLine, "StatementLines")
    )
    invoices: tuple[Invoice, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(Invoice, "Invoices")
    )
    closed: tuple[Span, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(Span, "Spans")
    )
    anomalies: tuple[Anomaly, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(Anomaly, "Anomaly values")
    )
    reported_only: tuple[StatementLine, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(StatementLine, "StatementLines")
    )
    no_effect: tuple[str, ...] = attrs.field(default=(), converter=_v.to_tuple, validator=_IDS)
    tz: str | None = attrs.field(default=None, kw_only=True, converter=_statement_tz)
    """The zone its notebook page names the lines' cycles in, as its invoices do (the
    rater's ``tz``; ``None``: UTC)."""

    def total(self, account: str | None = None) -> Decimal:
        """The exact sum of the lines' amounts (of one account), never rounded. O(n).

        Amounts of different currencies are never added: lines in more than one currency
        raise [`CurrencyMismatchError`][ratekit.CurrencyMismatchError], naming them; the
        sums per currency are in [`totals_by_currency()`][ratekit.Statement.totals_by_currency].

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> eur = rk.StatementLine("a", march, "fee", "e", None, "sub", None, "cycle", "EUR", 1, 5)
            >>> jpy = rk.StatementLine("b", march, "fee", "y", None, "sub", None, "cycle", "JPY", 1, 700)
            >>> statement = rk.Statement(march.end, lines=[eur, jpy])
            >>> statement.total("a")
            Decimal('5')
            >>> statement.total()
            Traceback (most recent call last):
            ratekit.CurrencyMismatchError: Statement.total() would add amounts in 2 currencies, EUR and JPY; ...
        """
        return only(
            self.totals_by_currency(account),
            what="Statement.total()" if account is None else f"Statement.total({account!r})",
            per="its exact totals per currency are in Statement.totals_by_currency()",
        )

    def totals_by_currency(self, account: str | None = None) -> dict[str, Decimal]:
        """The exact sums of the lines' amounts per currency (of one account). O(n).

        Keyed by currency code in alphabetical order, never rounded; no lines: ``{}``.

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> eur = rk.StatementLine("a", march, "fee", "e", None, "sub", None, "cycle", "EUR", 1, 5)
            >>> jpy = rk.StatementLine("b", march, "fee", "y", None, "sub", None, "cycle", "JPY", 1, 700)
            >>> rk.Statement(march.end, lines=[jpy, eur, eur]).totals_by_currency()  # 5 + 5 EUR
            {'EUR': Decimal('10'), 'JPY': Decimal('700')}
        """
        if account is not None and not isinstance(account, str):
            raise RatekitTypeError(
                f"Statement.total account must be an account name, not "
                f"{type(account).__name__}: {show(account)}."
            )
        return per_key(
            (line.currency, line.amount)
            for line in self.lines
            if account is None or line.account == account
        )

    def _repr_html_(self) -> str:
        """The statement as HTML tables, for notebooks (every user string escaped)."""
        return statement_html(self)

    @plain_text
    def __repr__(self) -> str:
        return (
            f"Statement({format_us(to_us(self.as_of))!r}, "
            f"{count_of(len(self.lines), 'line', 'lines')}, "
            f"{count_of(len(self.invoices), 'invoice', 'invoices')}, "
            f"{count_of(len(self.anomalies), 'anomaly', 'anomalies')})"
        )


#: The rater's route to a feed's report: ids of records it took, counts it made.
_new_feed: Final = _v.unchecked(Feed)


#: The rater's route to a line (its fields come from rated charges, right by
#: construction): StatementLine's slots set by plain stores, as `ratekit.charges` builds
#: a charge; 0.4 µs a line against 1.5 µs by the generic unchecked route, for the 39,000
#: lines of a statement of ``benchmarks/rater_bench.py`` at 1,000,000 records.
_Building: Final = _v.plain_twin(
    StatementLine,
    ("account", "cycle", "kind", "plan", "meter", "entry", "resource", "unit", "currency",
    "quantity", "amount", "role", "late", "charges"),
)  # fmt: skip
_new = object.__new__


def _line(  # noqa: PLR0917 - private plumbing of plain values
    key: LineKey,
    quantity: Decimal,
    amount: Decimal,
    role: Role,
    late: bool,
    charges: Sequence[Charge],
) -> StatementLine:
    account, cycle_start, cycle_end, kind, plan, meter_name, entry, resource, unit, currency = key
    line: StatementLine = _new(_Building)
    built: typing.Any = line  # _Building's plain stores (see there)
    built.account = account
    # The cycle of its charges (one object for many lines), or the key's.
    built.cycle = charges[0].cycle if charges else Span.from_us(cycle_start, cycle_end)
    built.kind = kind
    built.plan = plan
    built.meter = meter_name
    built.entry = entry
    built.resource = resource
    built.unit = unit
    built.currency = currency
    built.quantity = quantity
    built.amount = amount
    built.role = role
    built.late = late
    built.charges = tuple(charges)
    built.__class__ = StatementLine
    return line
