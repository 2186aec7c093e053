"""The doors of the result values: each field of a value a caller builds, checked by name.

ratekit builds its result values ([`Charge`][ratekit.Charge], [`Rating`][ratekit.Rating],
[`Invoice`][ratekit.Invoice], ...) itself, on its hot paths through private unchecked routes
(their fields are right by construction). A caller may build one too (a test, a custom
price model's [`TierLine`][ratekit.TierLine], a stored statement read back): then every field
goes through the validators here, shared by all the value classes, and a wrong value is
refused with a [`RatekitTypeError`][ratekit.RatekitTypeError] (a
[`BadQuantityError`][ratekit.BadQuantityError] for a number out of range) whose message names
the class, the field and what it accepts:

    Charge span must be a Span (rk.Span(start, end)), not NoneType: None.

Numbers are converted at the door as everywhere in ratekit (``int``, ``str``, ``float``
through its shortest repr, ``Decimal``), lists to tuples, ISO instants to aware datetimes.
A result's number lies in `RESULT_RANGE`, wider than the inputs' (an amount is a product
of inputs, a total a sum of amounts) but narrow enough that no sum of results overflows. The converters convert what they can and
leave the rest to the field's validator, which knows the class and field to name.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

import attrs

from ._caller_objects import read_once
from ._decimals import _EXACT, PLAIN, ZERO, _not_plain
from ._instants import from_us, to_us
from ._shown import show, type_name
from ._text import is_text, not_text
from ._zones import zone
from .errors import BadQuantityError, RatekitError, RatekitTypeError

__all__ = [
    "Validator",
    "aware",
    "collection",
    "flag",
    "index",
    "instant",
    "items",
    "kind_of",
    "mapping_of",
    "name",
    "number",
    "numeric",
    "optional_aware",
    "optional_instant",
    "optional_integer",
    "optional_kind_of",
    "optional_name",
    "optional_number",
    "optional_numeric",
    "optional_of",
    "positive",
    "record_ids",
    "slot_setters",
    "text",
    "timezone_name",
    "to_tuple",
    "type_of",
    "unchecked",
]

#: The range of the numbers a result value holds: an adjusted exponent (that of the leading
#: digit) from -160 to 99, at most 300 significant digits; zeros of any exponent. (An
#: amount ratekit carries may be as small as 1E-100 with 60 digits, `ratekit._carried`:
#: a sum of such amounts that nearly cancel ends at its last digit, 1E-159 or above.)
RESULT_MIN_ADJUSTED: Final = -160
RESULT_MAX_ADJUSTED: Final = 99
RESULT_MAX_DIGITS: Final = 300
RESULT_RANGE: Final = (
    f"at most {RESULT_MAX_DIGITS} significant digits and, unless zero, a magnitude from "
    f"1E{RESULT_MIN_ADJUSTED} up to but excluding 1E+{RESULT_MAX_ADJUSTED + 1}"
)
_BIG: Final = 10 ** (RESULT_MAX_ADJUSTED + 1)
_MAX_TEXT: Final = 1000

Validator: TypeAlias = Callable[[object, "attrs.Attribute[Any]", Any], None]


def _shown(value: object) -> str:
    try:
        shown = repr(value)
    except Exception:
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else shown[:60] + "..." + shown[-12:]


def _field(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__} {attribute.name.lstrip('_')}"


def refused(
    instance: object, attribute: attrs.Attribute[Any], value: object, accepted: str
) -> RatekitTypeError:
    """The error for ``value`` in a field that accepts ``accepted``."""
    return RatekitTypeError(
        f"{_field(instance, attribute)} must be {accepted}, "
        f"not {type(value).__name__}: {_shown(value)}."
    )


# -- converters: what they can, the validator names the rest ------------------------------


def number(value: Decimal | int | str | float) -> Decimal:
    """``value`` as an exact Decimal when it is a number, else as it is (for the validator)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and -_BIG < value < _BIG:
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # NaN and infinities are refused by the validator
    if isinstance(value, str) and len(value) <= _MAX_TEXT and PLAIN.fullmatch(value):
        try:
            return _EXACT.create_decimal(value)
        except (decimal.InvalidOperation, decimal.Overflow, decimal.Underflow, ValueError):
            pass
    return value  # type: ignore[return-value] # refused by name in the validator


def optional_number(value: Decimal | int | str | float | None) -> Decimal | None:
    """``None``, or `number`."""
    return None if value is None else number(value)


def collection(
    value: object, what: str, *, read: str | None = None, accepted: str = "a list or tuple"
) -> list[Any] | tuple[Any, ...]:
    """``value``'s items when it is a collection of items (a list, a tuple, a generator).

    Else the RatekitTypeError naming ``what``: a string, bytes or a mapping is refused,
    not iterated. A ``list`` or ``tuple`` is returned as it is (O(1)); any other iterable
    runs the caller's code, so it is read once here (`read_once`: what it raises is a
    RatekitTypeError naming ``read``, else ``what``, and saying ``accepted``), O(n). The one door of the arguments that take
    records, rows or meters.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise RatekitTypeError(
            f"{what} must be an iterable (a list or tuple), not {type(value).__name__}: {show(value)}."
        )
    if type(value) is list or type(value) is tuple:
        return value
    return read_once(value, read or what, type(value).__name__, accepted)


def _to_tuple(
    value: Iterable[Any], instance: object, field: attrs.Attribute[Any]
) -> tuple[Any, ...]:
    if type(value) is tuple or isinstance(value, str | bytes | bytearray | Mapping):
        return value  # type: ignore[return-value] # checked by the validator
    if isinstance(value, Iterable):  # read once: a caller's own iterable may raise anything
        what = f"{type(instance).__name__} {field.name}"
        return tuple(read_once(value, what, type(value).__name__, "a list or tuple"))
    return value  # type: ignore[unreachable] # refused by name in the validator


if TYPE_CHECKING:  # mypy's attrs plugin reads converters that are named functions

    def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
        """A list, generator or other iterable as a tuple (not text or a mapping), else as it is.

        An iterable that raises while it is read is refused by the class and field it was
        given for: ``Feed accepted could not be read: its generator raised ...``.
        """

else:
    to_tuple = attrs.Converter(_to_tuple, takes_self=True, takes_field=True)


def instant(value: _dt.datetime | str) -> _dt.datetime:
    """An ISO-8601 string or aware datetime as an aware UTC datetime, else as it is."""
    if isinstance(value, _dt.datetime) and value.tzinfo is _dt.UTC:
        return value
    try:
        return from_us(to_us(value))
    except RatekitError:
        return value  # type: ignore[return-value] # refused by name in the validator


def optional_instant(value: _dt.datetime | str | None) -> _dt.datetime | None:
    """``None``, or `instant`."""
    return None if value is None else instant(value)


# -- ratekit's own route ----------------------------------------------------------------------

_T = TypeVar("_T")
_NO_VALUE: Final = object()


def plain_twin(cls: type[_T], fields: tuple[str, ...] | None = None) -> type[_T]:
    """A twin of frozen ``cls``'s layout whose slots take plain stores: ratekit's hot route.

    ``cls``'s own ``__setattr__`` refuses (it is frozen); the twin adds no slot and takes
    back the plain setter (both hooks, or the stores go through a Python-level one), so
    code that builds many values sets each slot with an ordinary store, then makes the
    value a ``cls`` by setting its class (the layout is the same): about five times cheaper
    than setting each slot through its descriptor, a third of `unchecked()`'s cost. Never
    seen outside; never for values a caller gives. ``fields``: the field names the caller
    stores by, in order, checked against ``cls``'s at import (``ImportError`` when a field
    was added, removed or moved). O(fields).
    """
    if fields is not None:
        names = tuple(field.name for field in attrs.fields(cls))  # type: ignore[arg-type]
        if names != fields:
            raise ImportError(f"a {cls.__name__} is built by its fields' names: {names} changed")
    namespace = {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__module__": cls.__module__,
        "__doc__": f"A {cls.__name__} under construction (`ratekit._values.plain_twin`).",
    }
    return type(f"_{cls.__name__}Made", (cls,), namespace)


def unchecked(cls: type[_T]) -> Callable[..., _T]:
    """A constructor of ``cls`` that skips its converters and validators: ratekit's route.

    It takes the constructor's arguments (positional, or by the fields' names) and sets the
    slots directly, for values whose fields are right by construction (built by ratekit
    from checked values). Never for values a caller gives. O(fields).
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type] # an attrs class
    setters = tuple(cls.__dict__[field.name].__set__ for field in fields)
    names = tuple(field.alias or field.name for field in fields)
    defaults = tuple(field.default for field in fields)
    new = object.__new__

    def build(*args: object, **kwargs: object) -> _T:
        value = new(cls)
        given = len(args)
        for index, setter in enumerate(setters):
            if index < given:
                item = args[index]
            else:
                item = kwargs.get(names[index], _NO_VALUE)
                if item is _NO_VALUE:
                    default = defaults[index]
                    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                        item = default.factory(value) if default.takes_self else default.factory()
                    else:
                        item = default
            setter(value, item)
        return value

    return build


# -- validators ------------------------------------------------------------------------------


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Any string (a message, a label)."""
    if type(value) is not str:
        raise refused(instance, attribute, value, "a string")
    if not value.isascii() and not is_text(value):
        raise not_text(_field(instance, attribute), value)


def name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-empty string (an id, a unit, a currency)."""
    if type(value) is not str or not value:
        raise refused(instance, attribute, value, "a non-empty string")
    if not value.isascii() and not is_text(value):
        raise not_text(_field(instance, attribute), value)


def optional_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-empty string or ``None``."""
    if value is not None and (type(value) is not str or not value):
        raise refused(instance, attribute, value, "a non-empty string or None")
    if value is not None and not value.isascii() and not is_text(value):
        raise not_text(_field(instance, attribute), value)


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``True`` or ``False`` (not 1, not ``"yes"``)."""
    if type(value) is not bool:
        raise refused(instance, attribute, value, "True or False")


def switch(value: object, what: str) -> bool:
    """A function's yes/no option: ``True`` or ``False`` (not 1, not ``"no"``).

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what``: a string such as
    ``"no"`` is truthy, and would silently turn the option on.

    Examples:
        >>> switch("no", "bill by_resource")
        Traceback (most recent call last):
        ...
        ratekit.RatekitTypeError: bill by_resource must be True or False, not str: 'no'.
    """
    if type(value) is not bool:
        raise RatekitTypeError(
            f"{what} must be True or False, not {type_name(value)}: {show(value)}."
        )
    return value


def optional_integer(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or an int (not a bool)."""
    if value is not None and type(value) is not int:
        raise refused(instance, attribute, value, "an int or None")


def index(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An int of at least 0 (not a bool): a position."""
    if type(value) is not int or value < 0:
        raise refused(instance, attribute, value, "an int of at least 0")


def numeric(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A finite Decimal in the range of results (converted by `number`).

    A result is not an input: an amount is a quantity times a price times a time factor,
    a total the sum of many, so its range is wider than what
    `to_decimal` accepts: see `RESULT_RANGE`.
    """
    if isinstance(value, str):  # text `number` could not read: say why, as the inputs do
        field = _field(instance, attribute)
        text = str.__str__(value)
        if len(text) <= _MAX_TEXT and PLAIN.fullmatch(text):  # plain, but no context holds it
            raise BadQuantityError(
                f"{field} must be a finite number with {RESULT_RANGE}, not {_shown(text)}."
            )
        raise _not_plain(text, field)
    if not isinstance(value, Decimal):
        raise refused(instance, attribute, value, "a number (Decimal, int or str)")
    if not value.is_finite() or (
        value
        and (
            not RESULT_MIN_ADJUSTED <= value.adjusted() <= RESULT_MAX_ADJUSTED
            or len(value.as_tuple().digits) > RESULT_MAX_DIGITS
        )
    ):
        raise BadQuantityError(
            f"{_field(instance, attribute)} must be a finite number with {RESULT_RANGE}, "
            f"not {_shown(value)}."
        )


def optional_numeric(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or `numeric`."""
    if value is not None:
        numeric(instance, attribute, value)


def positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A number greater than zero (or ``None``: the field is optional)."""
    if value is None:
        return
    numeric(instance, attribute, value)
    if not isinstance(value, Decimal) or value <= ZERO:
        raise BadQuantityError(
            f"{_field(instance, attribute)} must be a number greater than 0, not {_shown(value)}."
        )


def aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An aware datetime (converted by `instant`)."""
    to_us(value, _field(instance, attribute))  # refuses a naive one, naming the field
    if not isinstance(value, _dt.datetime):
        raise refused(instance, attribute, value, "an aware datetime")


def optional_aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or `aware`."""
    if value is not None:
        aware(instance, attribute, value)


def timezone_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or an IANA timezone name (checked by the one door for zones)."""
    if value is None:
        return
    if type(value) is not str:
        raise refused(instance, attribute, value, "an IANA timezone name ('Europe/Zurich') or None")
    zone(value, _field(instance, attribute))


def kind_of(*choices: str) -> Validator:
    """One of ``choices``."""
    accepted = "one of " + ", ".join(map(repr, choices))

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is not str or value not in choices:
            raise refused(instance, attribute, value, accepted)

    return check


def optional_kind_of(*choices: str) -> Validator:
    """``None`` or one of ``choices``."""
    accepted = "one of " + ", ".join(map(repr, choices)) + " or None"

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (type(value) is not str or value not in choices):
            raise refused(instance, attribute, value, accepted)

    return check


def type_of(kind: type | tuple[type, ...], accepted: str) -> Validator:
    """An instance of ``kind`` (described as ``accepted`` in the error)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise refused(instance, attribute, value, accepted)

    return check


def optional_of(
    kind: type | tuple[type, ...], accepted: str, known: frozenset[type] = frozenset()
) -> Validator:
    """``None`` or an instance of ``kind``.

    ``known``: classes whose instances are all instances of ``kind``, taken without
    asking it: a protocol's ``isinstance`` (`typing.runtime_checkable`) looks up each of
    its members on the value, some tens of microseconds, where ratekit's own classes
    that implement it are told by their type.
    """

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and type(value) not in known and not isinstance(value, kind):
            raise refused(instance, attribute, value, accepted + " or None")

    return check


def items(kind: type | tuple[type, ...], accepted: str) -> Validator:
    """A tuple (converted by `to_tuple`) of instances of ``kind``.

    O(n), at C speed for a tuple of one exact type.
    """

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is not tuple:
            raise refused(instance, attribute, value, f"a list of {accepted}")
        types = set(map(type, value))
        if not types or (isinstance(kind, type) and types == {kind}):
            return
        for index, item in enumerate(value):
            if not isinstance(item, kind):  # named as given, not as the tuple it became
                raise RatekitTypeError(
                    f"{_field(instance, attribute)} must be a list of {accepted}, but its "
                    f"item [{index}] is {type(item).__name__}: {_shown(item)}."
                )

    return check


_IDS: Final = "record ids (strings)"
_ID_STRINGS: Final = items(str, _IDS)


def record_ids(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    r"""A tuple of record ids: each a non-empty string of valid Unicode text, as a record's id.

    A record's id is a non-empty string that UTF-8 can encode (``rk.Event`` and
    ``rk.Sample`` refuse ``""`` and a lone surrogate such as ``"\ud800"``), so the ids a
    value names are held to the same, and every row, FOCUS row and frame that writes them
    is valid UTF-8 text. O(n) at C speed for ASCII ids.
    """
    _ID_STRINGS(instance, attribute, value)
    ids = typing.cast("tuple[str, ...]", value)  # a tuple of strings, checked above
    if all(ids) and all(map(str.isascii, ids)):  # str's own method: a subclass's may lie
        return
    for index, item in enumerate(ids):
        if not item:
            raise RatekitTypeError(
                f"{_field(instance, attribute)} must be a list of record ids, each a non-empty "
                f"string (as a record's id), but its item [{index}] is ''."
            )
        if not is_text(item):
            raise not_text(f"{_field(instance, attribute)} item [{index}]", item)


def mapping_of(keys: Validator, values: Validator, accepted: str) -> Validator:
    """A mapping whose keys and values pass ``keys`` and ``values``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, Mapping):
            raise refused(instance, attribute, value, accepted)
        try:
            for key, item in value.items():
                keys(instance, attribute, key)
                values(instance, attribute, item)
        except RatekitTypeError:
            raise refused(instance, attribute, value, accepted) from None

    return check


def slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    """The setters of ``cls``'s slots ``names``, for values built without their checks.

    A slot's descriptor sets the value without going through a frozen class's
    ``__setattr__``: metering's own values, known to be valid, are built this way. O(k).
    """
    return tuple(cls.__dict__[name].__set__ for name in names)
