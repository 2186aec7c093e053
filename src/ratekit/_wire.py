"""A part's result on the wire: the compact form a scale-out part sends back as bytes.

A part of `ratekit.scaleout.rate_by_account` returns its [`Rating`][ratekit.Rating] (with
its ``no_effect`` pairs), its invoices, the accounts it rated and its record ids (a part of
`ratekit.scaleout.bill_by_account`: a [`Rating`][ratekit.Rating] without charges, with only
the rows that name an inventory, and invoice lines without their charges, in this same
form). Pickled as values, each charge travels
as an object with its usage row, spans and Decimals, rebuilt field by field on the way
back: more than rating it costs. Here a part travels as tables and columns of indices:

- three tables of the distinct values the part holds, by identity: its
  [`Span`][ratekit.Span] values (two columns of integer microseconds), its Decimals (as
  their exact text: ``str`` keeps the exponent and the sign, ``1E+3`` and ``-0``), and the
  other field values (names, descriptions, price models, record ids: a few hundred);
- the usage rows, the charges, the anomalies, the invoice lines and the invoices, one
  column per field: an array of unsigned indices into a table, or into the values sent
  before (a charge's row, a line's charges);

so a value shared in the part is shared again when rebuilt (a row and its charge hold one
span and one quantity), the bytes are a few arrays, and the values are rebuilt through
ratekit's own unchecked route, their slots set column by column at C speed, with the
collector paused (see `ratekit._collector`).

`decode()` checks what the bytes can get wrong: the header and the version, the sha256
digest of the rest (a digit of an amount changed on the way is still a plain finite
Decimal: only the digest tells it from the one sent), the shape,
every column's length and indices, and each distinct value of a field against what the
field's door accepts (a name, a kind, a finite Decimal, a quantum above zero, ordered
spans): the values are checked once per distinct value, not once per charge. A part
result that fails raises [`BadDataError`][ratekit.BadDataError] naming the first bad field.
Like Dask's own messages, the bytes are a ``pickle``, read only from the cluster's workers.

Examples:
    >>> import ratekit as rk
    >>> from ratekit import _wire
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    >>> rating = rk.rate([], [rk.Assignment("acme", plan)], span=march)
    >>> part = (rating, rk.bill(rating), frozenset({"acme"}), {})
    >>> back = _wire.decode(_wire.encode(part))
    >>> back[0] == rating, back[1] == part[1], back[0].charges[0].amount
    (True, True, Decimal('10'))
"""

from __future__ import annotations

import decimal
import hashlib
import pickle
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, islice, repeat
from operator import attrgetter, le
from typing import Any, Final, NoReturn

from ._collector import paused
from ._decimals import PLAIN
from ._descriptions import _FrozenDict
from ._instants import MAX_US, MIN_US
from ._invoices import _LINE_ORDER, Invoice, InvoiceLine
from ._shown import show
from ._zones import zone
from .charges import _KINDS, _ROUNDINGS, Charge, Rating
from .credits import CreditLine
from .errors import BadDataError, RatekitError
from .prices import PriceModel
from .records import ANOMALY_KINDS, Anomaly
from .sharing import Share
from .spans import Span
from .usage import UsageRow

__all__ = ["MAGIC", "Part", "decode", "encode"]

#: A part's result: its rating, its invoices, the accounts it rated, its record ids by account.
Part = tuple[Rating, tuple[Invoice, ...], frozenset[str], dict[str, list[str]]]

#: The first bytes of a part's result; the last is the wire form's version (3: with a digest).
MAGIC: Final = b"ratekit-part\x00\x03"
#: The bytes of the sha256 digest of the pickle that follow `MAGIC`.
_DIGEST: Final = 32
_WHAT: Final = "part result"  # decode() puts the caller's name before it
_new = object.__new__

# -- what each field holds: the table its indices point into, what its values must be ------

#: A field's kind: ``span``, ``row``, ``charges`` and ``lines`` point at values sent before;
#: ``decimal`` (``decimal?`` may be None) into the Decimals; the rest into the objects.
_Spec = Mapping[str, str]
_ROW: Final[_Spec] = {
    "account": "name",
    "meter": "name",
    "resource": "name",
    "span": "span",
    "cycle": "span",
    "quantity": "decimal",
    "unit": "name",
    "description": "description",
    "record_ids": "ids",
}
_CHARGE: Final[_Spec] = {
    "account": "name",
    "meter": "name?",
    "resource": "name?",
    "span": "span",
    "cycle": "span",
    "quantity": "decimal",
    "unit": "name",
    "amount": "decimal",
    "currency": "name",
    "plan": "name",
    "entry": "name?",
    "unit_price": "decimal?",
    "free": "decimal",
    "kind": "charge kind",
    "row": "row",
    "price": "price",
    "position": "decimal?",
    "opens": "flag",
    "quantum": "quantum",
    "rounding": "rounding",
    "whole": "decimal?",
    "after": "decimal?",
}
_ANOMALY: Final[_Spec] = {
    "kind": "anomaly kind",
    "message": "text",
    "record_ids": "ids",
    "account": "name?",
    "resource": "name?",
    "at_us": "instant?",
    "meter": "name?",
    "quantity": "decimal?",
}
_LINE: Final[_Spec] = {
    "kind": "line kind",
    "meter": "name?",
    "entry": "name?",
    "resource": "name?",
    "quantity": "decimal",
    "free": "decimal",
    "unit": "name",
    "unit_price": "decimal?",
    "precise": "decimal",
    "amount": "decimal",
    "charges": "charges",
    "commitment": "decimal?",
    "spent": "decimal?",
    "owner": "name?",
    "share": "decimal?",
    "shares": "quantum?",
    "whole": "decimal?",
}
_INVOICE: Final[_Spec] = {
    "account": "name",
    "cycle": "span",
    "currency": "name",
    "lines": "lines",
    "total": "decimal",
    "precise_total": "decimal",
    "tz": "zone",
    "credits": "credits",
    "subtotal": "decimal",
}
_REFERENCES: Final = frozenset({"span", "row", "charges", "lines"})
_DECIMALS: Final = frozenset({"decimal", "decimal?", "quantum", "quantum?"})


def _name(value: object) -> bool:
    return type(value) is str and value != ""


def _zone(value: object) -> bool:
    if value is None:
        return True
    if type(value) is not str:
        return False
    try:
        zone(value, "Invoice tz")  # the one door for zones, as Invoice's own check
    except RatekitError:
        return False
    return True


#: Per kind of field: what a distinct value must be, and the words for it.
_ACCEPTS: Final[dict[str, tuple[Callable[[Any], bool], str]]] = {
    "name": (_name, "a non-empty name"),
    "name?": (lambda value: value is None or _name(value), "a non-empty name or None"),
    "text": (lambda value: type(value) is str, "a string"),
    "charge kind": (lambda value: value in _KINDS, f"one of {_KINDS}"),
    "line kind": (lambda value: value in _LINE_ORDER, f"one of {tuple(_LINE_ORDER)}"),
    "anomaly kind": (lambda value: value in ANOMALY_KINDS, "an anomaly kind"),
    "rounding": (lambda value: value in _ROUNDINGS, f"one of {_ROUNDINGS}"),
    "price": (
        lambda value: value is None or isinstance(value, PriceModel),
        "a price model or None",
    ),
    "flag": (lambda value: type(value) is bool, "True or False"),
    "description": (lambda value: type(value) is _FrozenDict, "a description"),
    "ids": (
        lambda value: type(value) is tuple and set(map(type, value)) <= {str},
        "a tuple of record ids",
    ),
    "credits": (
        lambda value: type(value) is tuple and set(map(type, value)) <= {CreditLine},
        "a tuple of CreditLine values",
    ),
    "zone": (_zone, "an IANA timezone name or None"),
    "instant?": (
        lambda value: value is None or (type(value) is int and MIN_US <= value <= MAX_US),
        "an int of epoch microseconds or None",
    ),
    "decimal": (lambda value: value is not None, "a Decimal"),
    "decimal?": (lambda value: True, "a Decimal or None"),
    "quantum": (lambda value: value is not None and value > 0, "a Decimal above 0"),
    "quantum?": (lambda value: value is None or value > 0, "a Decimal above 0 or None"),
}


# -- encoding ---------------------------------------------------------------------------------


class _Tables:
    """The encoder's tables: each distinct value (by identity) once, in order of arrival."""

    def __init__(self) -> None:
        self.spans: dict[int, Span] = {}
        self.decimals: dict[int, Decimal | None] = {id(None): None}  # None is index 0
        self.objects: dict[int, object] = {}

    def gather(self, values: Sequence[Any], spec: _Spec) -> dict[str, list[Any]]:
        """Per field, the identities of its values (lists: the values), added to the tables."""
        columns: dict[str, list[Any]] = {}
        for name, kind in spec.items():
            column = list(map(attrgetter(name), values))
            if kind in {"charges", "lines", "row"}:
                columns[name] = column
                continue
            ids = list(map(id, column))
            columns[name] = ids
            if kind == "span":
                table: dict[int, Any] = self.spans
            else:
                table = self.decimals if kind in _DECIMALS else self.objects
            table.update(zip(ids, column, strict=True))
        return columns

    def indices(
        self, columns: dict[str, list[Any]], spec: _Spec, refer: Mapping[str, dict[int, int]]
    ) -> list[array[int]]:
        """Each column as the indices of its values in their table (lists: their counts)."""
        out: list[array[int]] = []
        for name, kind in spec.items():
            column = columns[name]
            if kind in {"charges", "lines"}:
                out.append(array("I", map(len, column)))
                continue
            if kind == "row":
                place = refer["row"]
                column = list(map(id, column))
            elif kind in _DECIMALS:
                place = refer["decimals"]
            else:
                place = refer["span" if kind == "span" else "objects"]
            out.append(array(_typecode(len(place)), map(place.__getitem__, column)))
        return out


def _typecode(size: int) -> str:
    """The narrowest unsigned array type for indices below ``size`` (small ints are shared)."""
    return "B" if size <= 1 << 8 else "H" if size <= 1 << 16 else "I"


def _positions(table: Mapping[int, object], start: int = 0) -> dict[int, int]:
    return dict(zip(table, range(start, start + len(table)), strict=True))


def encode(part: Part) -> bytes:
    """``part`` as bytes: ``MAGIC``, the sha256 of the pickle, then the pickled tables and columns. O(n).

    The invoices must be billed from the part's own rating (a line's charges are sent by
    their index in it).
    """
    rating, invoices, accounts, ids = part
    charges = rating.charges
    rows_by_id: dict[int, UsageRow] = dict(zip(map(id, rating.rows), rating.rows, strict=True))
    charged = list(map(attrgetter("row"), charges))
    rows_by_id.update(zip(map(id, charged), charged, strict=True))
    rows_by_id.pop(id(None), None)  # fees and minimums
    lines = list(chain.from_iterable(invoice.lines for invoice in invoices))
    tables = _Tables()
    gathered = [
        tables.gather(list(rows_by_id.values()), _ROW),
        tables.gather(charges, _CHARGE),
        tables.gather(rating.anomalies, _ANOMALY),
        tables.gather(lines, _LINE),
        tables.gather(invoices, _INVOICE),
    ]
    refer = {
        "span": _positions(tables.spans),
        "row": {id(None): 0, **_positions(rows_by_id, 1)},
        "decimals": _positions(tables.decimals),
        "objects": _positions(tables.objects),
    }
    columns = [
        tables.indices(values, spec, refer)
        for values, spec in zip(gathered, (_ROW, _CHARGE, _ANOMALY, _LINE, _INVOICE), strict=True)
    ]
    charge_at = _positions(dict(zip(map(id, charges), charges, strict=True)))
    line_charges = array(
        "I", map(charge_at.__getitem__, map(id, chain.from_iterable(gathered[3]["charges"])))
    )
    spans = tables.spans.values()
    decimals = list(tables.decimals.values())[1:]
    payload = (
        (list(map(attrgetter("start_us"), spans)), list(map(attrgetter("end_us"), spans))),
        list(map(str, decimals)),
        list(tables.objects.values()),
        *columns,
        line_charges,
        array("I", map(refer["row"].__getitem__, map(id, rating.rows))),
        rating.shares,
        sorted(accounts),
        ids,
        list(rating.no_effect),
    )
    pickled = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + hashlib.sha256(pickled).digest() + pickled


# -- decoding ---------------------------------------------------------------------------------

_PAYLOAD: Final = 14  # the payload's items (see encode)
_TYPECODES: Final = frozenset("BHI")  # unsigned arrays


def decode(blob: object, name: str = "rate_by_account") -> Part:
    """The part that `encode()` turned into ``blob``, rebuilt equal. O(n).

    Raises [`BadDataError`][ratekit.BadDataError] naming the first field that is wrong,
    for bytes that are not a part's result (another version, cut short, altered); the
    message starts with ``name``, the function the caller called
    (``"bill_by_account part result: ..."``).
    """
    try:
        return _decoded(blob)
    except BadDataError as error:
        message = str(error)
        if not message.startswith(_WHAT):  # a value's own door, which names itself
            raise
        raise BadDataError(f"{name} {message}") from None


def _decoded(blob: object) -> Part:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise BadDataError(
            f"{_WHAT}: expected bytes from a part, got {type(blob).__name__}; the part did "
            "not return ratekit's wire form."
        )
    data = bytes(blob)
    if not data.startswith(MAGIC[:-1]):
        raise BadDataError(
            f"{_WHAT}: the bytes do not start with ratekit's header ({data[:16]!r}); they "
            "are not a part's result."
        )
    if data[len(MAGIC) - 1 : len(MAGIC)] != MAGIC[-1:]:
        raise BadDataError(
            f"{_WHAT}: wire form version {data[len(MAGIC) - 1]} where this ratekit reads "
            f"version {MAGIC[-1]}; run the same ratekit on the workers and here."
        )
    pickled = data[len(MAGIC) + _DIGEST :]
    if hashlib.sha256(pickled).digest() != data[len(MAGIC) : len(MAGIC) + _DIGEST]:
        # A digit of an amount changed is a finite Decimal still: only a digest sees it.
        raise BadDataError(
            f"{_WHAT}: the bytes were altered or cut short on their way (their sha256 does "
            f"not match the digest the part sent, {len(data):,} bytes in all); rate the "
            "part again."
        )
    with paused():  # rebuilding allocates several objects per charge, and no cycle
        try:
            payload = pickle.loads(pickled)
        except Exception as error:
            raise BadDataError(
                f"{_WHAT}: the bytes cannot be read ({type(error).__name__}: {error}); "
                "they were cut short or altered."
            ) from None
        return _rebuilt(payload)


class _Read:
    """The decoder's tables, and the values rebuilt so far that later ones point at."""

    def __init__(self, spans: list[Span], decimals: list[Decimal | None], objects: list[Any]):
        self.tables: dict[str, list[Any]] = {
            "span": spans,
            "decimals": decimals,
            "objects": objects,
            "row": [None],
        }
        self.lists: dict[str, Iterator[Any]] = {}

    def values(self, cls: type[Any], spec: _Spec, columns: object, where: str) -> list[Any]:
        """Values of ``cls`` from their columns: each checked, the slots set at C speed."""
        columns = _list(columns, where, len(spec))
        size = len(columns[0]) if columns else 0
        built: list[Any] = list(map(_new, repeat(cls, size)))
        for (name, kind), column in zip(spec.items(), columns, strict=True):
            here = f"{where}.{name}"
            _require(
                type(column) is array and column.typecode in _TYPECODES and len(column) == size,
                here,
                f"an array of {size} indices",
            )
            if kind in {"charges", "lines"}:
                values: Iterator[Any] = self._lists(column, kind, here)
            else:
                values = map(self._table(column, kind, here).__getitem__, column)
            deque(map(cls.__dict__[name].__set__, built, values), 0)
        return built

    def _table(self, column: array[int], kind: str, where: str) -> list[Any]:
        """The table ``column`` points into, its distinct values checked against ``kind``."""
        if kind in _DECIMALS:
            table = self.tables["decimals"]
        else:
            table = self.tables[kind if kind in _REFERENCES else "objects"]
        if not column:
            return table
        _require(max(column) < len(table), where, f"indices below {len(table)}")
        if kind in _REFERENCES or kind == "decimal?":
            return table
        if kind == "decimal":
            if 0 in column:  # None
                _refuse(column, table, where, "a Decimal", column.index(0))
            return table
        distinct = set(column)  # a few: the objects are names, descriptions, prices
        accepts, accepted = _ACCEPTS[kind]
        for index in distinct:
            if not accepts(table[index]):
                _refuse(column, table, where, accepted, column.index(index))
        return table

    def _lists(self, column: array[int], kind: str, where: str) -> Iterator[tuple[Any, ...]]:
        """Consecutive runs of the values ``kind`` names, ``column`` giving their lengths."""
        items = self.lists[kind]
        for count in column:
            got = tuple(islice(items, count))
            _require(len(got) == count, where, f"runs of values as long as sent ({count})")
            yield got


def _refuse(column: array[int], table: list[Any], where: str, accepted: str, at: int) -> NoReturn:
    value = table[column[at]]
    raise BadDataError(
        f"{_WHAT}.{where}[{at}]: {type(value).__name__} {show(value)} where {accepted} "
        "belongs; the bytes were altered or come from another ratekit version."
    )


def _rebuilt(payload: object) -> Part:
    _require(type(payload) is tuple and len(payload) == _PAYLOAD, "", "a tuple of 14 items")
    assert isinstance(payload, tuple)  # for the type checker: _require raised otherwise
    spans, decimals, objects, row_columns, charge_columns = payload[:5]
    anomaly_columns, line_columns, invoice_columns, line_charges, rated = payload[5:10]
    shares, accounts, ids, no_effect = payload[10:]
    read = _Read(_spans(spans), _decimals(decimals), _list(objects, "objects"))
    read.tables["row"].extend(read.values(UsageRow, _ROW, row_columns, "rows"))
    charges = read.values(Charge, _CHARGE, charge_columns, "charges")
    anomalies = read.values(Anomaly, _ANOMALY, anomaly_columns, "anomalies")
    read.lists["charges"] = iter(_indexed(line_charges, charges, "lines.charges"))
    lines = read.values(InvoiceLine, _LINE, line_columns, "lines")
    read.lists["lines"] = iter(lines)
    invoices = tuple(read.values(Invoice, _INVOICE, invoice_columns, "invoices"))
    _require(next(read.lists["charges"], None) is None, "lines.charges", "all sent used")
    _require(next(read.lists["lines"], None) is None, "lines", "all sent used")
    _require(type(shares) is tuple and set(map(type, shares)) <= {Share}, "shares", "Shares")
    _require(
        type(no_effect) is list
        and all(
            type(pair) is tuple and len(pair) == 2 and set(map(type, pair)) == {str}
            for pair in no_effect
        ),
        "no_effect",
        "a list of (record id, reason) pairs",
    )
    rating = Rating(
        charges,
        anomalies,
        _indexed(rated, read.tables["row"], "rating.rows", 1),
        shares=shares,
        no_effect=no_effect,
    )
    _require(type(accounts) is list and all(map(_name, accounts)), "accounts", "a list of names")
    _require(
        type(ids) is dict
        and all(
            type(key) is str and type(value) is list and set(map(type, value)) <= {str}
            for key, value in ids.items()
        ),
        "ids",
        "a dict of account names to lists of record ids",
    )
    return rating, invoices, frozenset(accounts), ids


def _require(condition: bool, where: str, accepted: str) -> None:
    if not condition:
        place = f".{where}" if where else ""
        raise BadDataError(
            f"{_WHAT}{place}: not {accepted}; the bytes were altered or come from another "
            "ratekit version."
        )


def _list(value: object, where: str, length: int | None = None) -> list[Any]:
    _require(type(value) is list, where, "a list")
    assert isinstance(value, list)  # for the type checker: _require raised otherwise
    if length is not None:
        _require(len(value) == length, where, f"a list of {length} items (got {len(value)})")
    return value


def _spans(value: object) -> list[Span]:
    _require(type(value) is tuple and len(value) == 2, "spans", "a pair of columns")
    assert isinstance(value, tuple)
    starts = _list(value[0], "spans.start_us")
    ends = _list(value[1], "spans.end_us", len(starts))
    if starts:
        _require(set(map(type, chain(starts, ends))) == {int}, "spans", "columns of int")
        _require(
            min(starts) >= MIN_US and max(ends) <= MAX_US and all(map(le, starts, ends)),
            "spans",
            "spans within years 1 to 9999 whose start is not after their end",
        )
    spans: list[Span] = list(map(_new, repeat(Span, len(starts))))
    deque(map(Span.__dict__["start_us"].__set__, spans, starts), 0)
    deque(map(Span.__dict__["end_us"].__set__, spans, ends), 0)
    return spans


def _decimals(value: object) -> list[Decimal | None]:
    """The Decimals from their exact text, None first (index 0); finite ones only."""
    texts = _list(value, "decimals")
    _require(set(map(type, texts)) <= {str}, "decimals", "a list of strings")
    if not all(map(PLAIN.fullmatch, texts)):  # str() of a Decimal is plain ASCII text
        at = next(i for i, text in enumerate(texts) if not PLAIN.fullmatch(text))
        text = texts[at]
        what = (
            "a number"
            if not _number(text)
            else "a finite number"
            if not Decimal(text).is_finite()
            else "a plain decimal number"
        )
        _require(False, f"decimals[{at}]", f"{what} ({show(text)})")
    try:
        numbers = list(map(Decimal, texts))
    except decimal.InvalidOperation:
        at = next(i for i, text in enumerate(texts) if not _number(text))
        _require(False, f"decimals[{at}]", f"a number ({show(texts[at])})")
        raise  # pragma: no cover - _require raised
    if not all(map(Decimal.is_finite, numbers)):
        at = next(i for i, number in enumerate(numbers) if not number.is_finite())
        _require(False, f"decimals[{at}]", f"a finite number ({show(texts[at])})")
    return [None, *numbers]


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except decimal.InvalidOperation:
        return False
    return True


def _indexed(column: object, table: Sequence[Any], where: str, low: int = 0) -> list[Any]:
    """The values of ``table`` at the indices of ``column`` (an unsigned array)."""
    _require(type(column) is array and column.typecode in _TYPECODES, where, "an array of indices")
    assert isinstance(column, array)
    if column:
        _require(
            low <= min(column) and max(column) < len(table),
            where,
            f"indices from {low} to {len(table) - 1}",
        )
    return list(map(table.__getitem__, column))
