"""Usage rows, charges and invoice lines as pandas DataFrames (the ``ratekit[pandas]`` extra).

pandas is optional: ``pip install 'ratekit[pandas]'``. It is imported only when one of
these functions is called, never by ``import ratekit``.

The columns are those of [`ratekit.to_row()`][ratekit.to_row] (one per field, spans as ``*_start`` and
``*_end``), known from the class, and so are their dtypes: an empty input gives the same
columns with the same dtypes, column by column, as a full one (under any pandas), namely:

- instants (``span_start``, ``cycle_end``...): ``datetime64[us, UTC]``;
- names, units and kinds that every row has (``account``, ``unit``, ``kind``...): the dtype
  the installed pandas gives text (``str`` from pandas 3, ``object`` before);
- names a row may lack (``resource``, ``meter``, ``entry``, ``owner``...: a fee has no
  resource): ``object`` columns holding the strings, and None where a row has none;
- flags (``opens``): ``bool``;
- Decimal columns (``quantity``, ``amount``, ``unit_price``...): ``object`` columns
  holding `decimal.Decimal` values, **exact** (pandas has no decimal dtype and a
  float64 column would round ``0.1``); the cells are the very Decimals of the charges.
  ``df["amount"].sum()`` adds them in the caller's decimal context: it is exact in a
  ``decimal.localcontext(prec=decimal.MAX_PREC)`` (amounts keep up to 60 digits, the
  default context 28), or add the cells as ``fractions.Fraction``. For plotting or fast vectorised
  arithmetic take ``df["amount"].astype(float)``, knowing it is approximate. An empty
  column's sum is pandas' ``0`` (an int, equal to ``Decimal(0)``; pandas sums no cells
  without asking them for a type): ``Decimal(df["amount"].sum())`` is a Decimal either way;
- a description's attributes become one column each, ``description.<name>`` (missing
  values are None); record ids a list per row.

An empty cell is None in every column, never NaN: ``frame["resource"].isna()`` and
``frame["share"].isna()`` find them alike (pandas counts None as missing).

Nested values (a charge's usage row and price model, a line's charges) are left out:
[`ratekit.to_row()`][ratekit.to_row] has them. Left out, they are not encoded either, so
charges priced by a price model of your own (which a row cannot hold) have frames too.

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> rows = [rk.UsageRow("acme", "egress", "ip-1", march, march, "0.1", "GB", {"zone": "a"}, ()),
    ...         rk.UsageRow("acme", "egress", "ip-2", march, march, "0.2", "GB", {"zone": "b"}, ())]
    >>> frame = rk.usage_frame(rows)
    >>> frame["quantity"].sum()  # 0.1 + 0.2: exact, a sum of few digits
    Decimal('0.3')
    >>> str(frame["span_start"].dtype), list(frame["description.zone"])
    ('datetime64[us, UTC]', ['a', 'b'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from ._call_arguments import checked
from ._codec import alias, alternatives, decode_scalar, field_hints, init_fields, items_of
from ._extras import require
from .billing import Invoice, InvoiceLine
from .export import row_keys, row_without, to_row
from .rating import Charge, Rating
from .usage import Usage, UsageRow

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["charges_frame", "invoice_lines_frame", "usage_frame"]

_INSTANT_SUFFIXES = ("_start", "_end")
#: A charge's nested values, which its frame leaves out (its description is a column).
_NESTED_CHARGE = frozenset({"row", "price"})


def _pandas() -> Any:
    return require(
        "pandas", "pandas", "ratekit's DataFrames need"
    )  # only when a frame is asked for


def _frame(
    rows: list[dict[str, Any]],
    columns: Iterable[str],
    decimals: Iterable[str],
    fields: Iterable[type] = (),
) -> pd.DataFrame:
    """A frame of ``rows`` with ``columns`` (a row's keys but its description), in order.

    The columns are given, not read off the rows, so that no rows give the same columns
    (with the same instant and Decimal dtypes) as many: ``frame["amount"].sum()`` of a
    quiet month is 0, not a KeyError. Each description attribute adds a column after them,
    in the order of their names (not of the keys of a caller's dict).
    The text and flag columns of ``fields`` (classes) get their dtypes from the fields
    (``_typed``), so that the dtypes are the same for no rows as for many.
    """
    pandas = _pandas()
    names = [column for column in columns if column != "description"]
    flat: list[dict[str, Any]] = []
    described: list[Mapping[str, Any]] = []
    attributes: dict[str, None] = {}
    for row in rows:
        description = row.get("description")
        if not isinstance(description, Mapping):
            description = {}
        # The row writes a Decimal attribute as {"decimal": "1.5"}: the cell holds the Decimal.
        described.append(
            {str(name): decode_scalar(value, name) for name, value in description.items()}
        )
        attributes.update(dict.fromkeys(described[-1]))
        flat.append({name: row.get(name) for name in names})
    frame = pandas.DataFrame(flat, columns=names)
    for name in sorted(attributes):  # by name: equal rows give equal frames, equal CSV
        # From the rows, not through pandas' inference: an int column with a missing value
        # would become float64 (200 -> 200.0), and ratekit has no float anywhere.
        frame[f"description.{name}"] = pandas.Series(
            [values.get(name) for values in described], index=frame.index, dtype=object
        )
    for column in frame.columns:
        if column.endswith(_INSTANT_SUFFIXES) and not column.startswith("description."):
            frame[column] = pandas.to_datetime(frame[column], utc=True, format="ISO8601").astype(
                "datetime64[us, UTC]"
            )
    for column in decimals:
        if column in names:
            # From the rows, not the frame: pandas turns a None among strings into NaN.
            frame[column] = pandas.Series(
                [_decimal(row.get(column)) for row in flat], index=frame.index, dtype=object
            )
    return _typed(frame, fields)


def _typed(frame: pd.DataFrame, fields: Iterable[type]) -> pd.DataFrame:
    """``frame`` with its text and flag columns cast to dtypes read off the fields' types.

    pandas infers a column's dtype from its cells: no cells give ``object``, text cells
    pandas' string dtype (``str`` from pandas 3, ``object`` before), booleans ``bool``.
    Here the dtype is the field's, whatever the rows: a text field (``str`` or a
    ``Literal`` of strings) gets the dtype this pandas infers for text, one that may be
    None ``object`` (its empty cells None, as in every other column), a ``bool`` field
    ``bool``. Other columns are left as built. O(rows x columns).
    """
    pandas = _pandas()
    text = pandas.Series(["text"]).dtype  # this pandas' own dtype for text
    for cls in fields:
        hints = field_hints(cls)
        for field in init_fields(cls):
            name = alias(field)
            if name not in frame.columns:
                continue
            given = alternatives(hints[field.name])
            options = [o for o in given if o is not type(None)]
            if options and all(_is_text(option) for option in options):
                if len(options) < len(given):
                    # Text or None: an object column whose empty cells are None, as every
                    # other column's are (pandas' text dtype would make them NaN).
                    frame[name] = pandas.Series(
                        [None if _empty(cell) else cell for cell in frame[name]],
                        index=frame.index,
                        dtype=object,
                    )
                else:
                    frame[name] = frame[name].astype(text)
            elif options == [bool] and not frame[name].isna().any():
                frame[name] = frame[name].astype(bool)
    return frame


def _empty(cell: object) -> bool:
    """Whether a text column's cell is missing (None, or the NaN pandas made of it)."""
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def _is_text(hint: object) -> bool:
    if hint is str:
        return True
    return get_origin(hint) is Literal and all(isinstance(arg, str) for arg in get_args(hint))


def _decimal_columns(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` that hold Decimals (a field added later is found too)."""
    hints = field_hints(cls)
    return tuple(
        alias(field)
        for field in init_fields(cls)
        if any(option is Decimal for option in alternatives(hints[field.name]))
    )


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@checked
def usage_frame(usage: Usage | Iterable[UsageRow]) -> pd.DataFrame:
    """Usage rows as a DataFrame, one row per usage row. O(rows).

    Examples:
        >>> import ratekit as rk
        >>> list(rk.usage_frame([]).columns)  # no rows: the same columns as many
        ['account', 'meter', 'resource', 'span_start', 'span_end', 'cycle_start', 'cycle_end', 'quantity', 'unit', 'record_ids']
    """
    rows = (
        usage.rows
        if isinstance(usage, Usage)
        else items_of(usage, UsageRow, "usage_frame", "a Usage or usage rows")
    )
    data = [to_row(row) for row in rows]
    return _frame(data, row_keys(UsageRow), _decimal_columns(UsageRow), (UsageRow,))


@checked
def charges_frame(charges: Rating | Iterable[Charge]) -> pd.DataFrame:
    """Charges as a DataFrame, one row per charge, with their description. O(charges).

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005"))])
        >>> rows = [rk.UsageRow("acme", "vm.hours", f"vm-{i}", march, march, 1, "hour", {}, ()) for i in range(3)]
        >>> frame = rk.charges_frame(rk.rate(rows, plan, span=march))
        >>> frame[["resource", "amount"]].to_dict("records")
        [{'resource': 'vm-0', 'amount': Decimal('0.005')}, {'resource': 'vm-1', 'amount': Decimal('0.005')}, {'resource': 'vm-2', 'amount': Decimal('0.005')}]
    """
    items = (
        charges.charges
        if isinstance(charges, Rating)
        else items_of(charges, Charge, "charges_frame", "a Rating or charges")
    )
    data = []
    for charge in items:
        # Without its nested usage row and price model, which the frame leaves out: a price
        # model of the caller's own (which a row cannot hold) prices charges a frame shows.
        row = row_without(charge, _NESTED_CHARGE)
        row["description"] = to_row(charge.row)["description"] if charge.row is not None else {}
        row["record_ids"] = list(charge.record_ids)
        data.append(row)
    columns = [key for key in row_keys(Charge) if key not in ("row", "price")]
    return _frame(data, [*columns, "record_ids"], _decimal_columns(Charge), (Charge,))


@checked
def invoice_lines_frame(invoices: Invoice | Iterable[Invoice]) -> pd.DataFrame:
    """Invoice lines as a DataFrame: one row per line, with its invoice's account and cycle.

    ``amount`` is the line's rounded amount (what is printed), ``precise`` its exact sum.
    O(lines).

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005"))])
        >>> rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 3, "hour", {}, ())]
        >>> rk.invoice_lines_frame(rk.bill(rk.rate(rows, plan, span=march)))[["account", "precise", "amount"]].to_dict("records")
        [{'account': 'acme', 'precise': Decimal('0.015'), 'amount': Decimal('0.02')}]
    """
    items = (
        [invoices]
        if isinstance(invoices, Invoice)
        else items_of(
            invoices, Invoice, "invoice_lines_frame", "an invoice or invoices (rk.bill(...))"
        )
    )
    data = []
    for invoice in items:
        head = row_without(invoice, frozenset({"lines", "credits"}))
        for line in invoice.lines:
            row = {
                "account": invoice.account,
                "cycle_start": head["cycle_start"],
                "cycle_end": head["cycle_end"],
                "currency": invoice.currency,
            }
            row.update(row_without(line, frozenset({"charges"})))
            data.append(row)
    line = [key for key in row_keys(InvoiceLine) if key != "charges"]
    columns = ["account", "cycle_start", "cycle_end", "currency", *line]
    return _frame(data, columns, _decimal_columns(InvoiceLine), (Invoice, InvoiceLine))
