"""Units of measure and exact conversions between them.

Every quantity ratekit meters carries its meter's unit: ``"hour"`` for instance-hours,
``"GiB*hour"`` for a disk's size over time, ``"B"`` for bytes sent, ``"MB*ns"`` for
Borel's memory allocation. [`Unit`][ratekit.Unit] reads such a string and knows what it measures
and how large it is; [`convert()`][ratekit.convert] turns a quantity from one unit into another, exactly.

The grammar is small, and nothing in it is evaluated: unit names joined by ``*`` (or
``·``, or ``-`` as feeds write it: ``"MB-ns"``, ``"cpu-ns"``) and ``/``, each with an
optional integer power (``^2``, ``^-1``); spaces around the operators are ignored. Each
``/`` divides by the one term that follows it, so ``"B/s*h"`` is ``B*h/s``. Whatever the
spelling, a unit's canonical text uses ``*`` (``Unit("MB-ns").text == "MB*ns"``).

The names ratekit knows:

- **time**: ``ns``, ``us`` (also ``µs``), ``ms``, ``s`` (``second``), ``min``
  (``minute``), ``h`` (``hour``), ``day``, ``week``. There is no month or year: they have
  no fixed length, so billing cycles (``ratekit.cycles``) handle them instead.
- **data**, decimal: ``B`` (``byte``), ``kB`` (also ``KB``), ``MB``, ``GB``, ``TB``,
  ``PB``; binary: ``KiB``, ``MiB``, ``GiB``, ``TiB``, ``PiB``; bits: ``bit``, ``kbit``,
  ``Mbit``, ``Gbit``, ``Tbit`` (a bit is an eighth of a byte).
- **counts**: ``count`` and ``1`` (a pure number, as in ``"1/s"``); ``%`` (also
  ``percent``) is a pure number too, a hundredth of ``1``: ``50 %`` is ``0.5``, and a
  level of 50 ``%`` for 2 hours is ``100 %*hour``, 1 ``hour`` (Ceilometer's ``cpu_util``).

Any other name (``"request"``, ``"instance"``, ``"IP"``) is an *unknown* unit: a meter may
still use it, and it converts to itself (``"request/s"`` to ``"request/hour"``), but
converting it to anything else raises [`UnitError`][ratekit.UnitError], which names it and lists
the units ratekit knows.

Every factor is an exact rational number (a `fractions.Fraction`); a conversion
multiplies by the numerator and divides by the denominator once, in ratekit's decimal
context (60 significant digits), so it is exact whenever the result has a finite decimal
expansion of at most 60 digits, and correctly rounded otherwise.

Examples:
    >>> import ratekit as rk
    >>> rk.convert(1, "GiB", "B")
    Decimal('1073741824')
    >>> rk.convert(90, "minute", "hour")
    Decimal('1.5')
    >>> rk.convert(720, "GiB*hour", "GiB*day")
    Decimal('30')
    >>> str(rk.Unit("MB") * "hour")
    'MB*hour'
"""

from __future__ import annotations

import decimal
import functools
import re
import typing
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from ._call_arguments import checked
from ._decimals import CONTEXT as _CONTEXT
from ._decimals import to_decimal
from ._entry_points import plain_text
from ._shown import show
from .errors import BadQuantityError, RatekitTypeError, UnitError

__all__ = ["Unit", "convert", "from_microseconds", "microseconds_per"]

#: The base dimensions of the known units, and the word used for each in messages.
_TIME: Final = "second"
_DATA: Final = "byte"
_KIND_WORDS: Final = {_TIME: "time", _DATA: "data"}

# name -> (size in base units, base dimension or "" for a pure number).
_KNOWN: Final[dict[str, tuple[Fraction, str]]] = {
    # time, in seconds
    "ns": (Fraction(1, 10**9), _TIME),
    "us": (Fraction(1, 10**6), _TIME),
    "µs": (Fraction(1, 10**6), _TIME),  # micro sign
    "μs": (Fraction(1, 10**6), _TIME),  # Greek small letter mu
    "ms": (Fraction(1, 10**3), _TIME),
    "s": (Fraction(1), _TIME),
    "second": (Fraction(1), _TIME),
    "min": (Fraction(60), _TIME),
    "minute": (Fraction(60), _TIME),
    "h": (Fraction(3_600), _TIME),
    "hour": (Fraction(3_600), _TIME),
    "day": (Fraction(86_400), _TIME),
    "week": (Fraction(604_800), _TIME),
    # data, in bytes
    "B": (Fraction(1), _DATA),
    "byte": (Fraction(1), _DATA),
    "kB": (Fraction(10**3), _DATA),
    "KB": (Fraction(10**3), _DATA),
    "MB": (Fraction(10**6), _DATA),
    "GB": (Fraction(10**9), _DATA),
    "TB": (Fraction(10**12), _DATA),
    "PB": (Fraction(10**15), _DATA),
    "KiB": (Fraction(2**10), _DATA),
    "MiB": (Fraction(2**20), _DATA),
    "GiB": (Fraction(2**30), _DATA),
    "TiB": (Fraction(2**40), _DATA),
    "PiB": (Fraction(2**50), _DATA),
    "bit": (Fraction(1, 8), _DATA),
    "kbit": (Fraction(10**3, 8), _DATA),
    "Mbit": (Fraction(10**6, 8), _DATA),
    "Gbit": (Fraction(10**9, 8), _DATA),
    "Tbit": (Fraction(10**12, 8), _DATA),
    # pure numbers
    "count": (Fraction(1), ""),
    "1": (Fraction(1), ""),
    "%": (Fraction(1, 100), ""),
    "percent": (Fraction(1, 100), ""),
}

_KNOWN_TEXT: Final = (
    "time: ns, us (µs), ms, s (second), min (minute), h (hour), day, week; "
    "data: B (byte), kB (KB), MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB, "
    "bit, kbit, Mbit, Gbit, Tbit; counts: count, 1, % (percent)"
)
_GRAMMAR_TEXT: Final = (
    "write names joined by '*' and '/', each with an optional power, "
    "like 'GiB*hour', 'B/s' or 's^2'"
)

#: The largest power a name may have once a unit's terms are combined, as one may write.
_MAX_POWER: Final = 99

_TOKEN: Final = re.compile(
    r"\s*(?:(?P<op>[*/·-])|(?P<name>[^\W\d]\w*|1|%)(?:\s*\^\s*(?P<power>-?[1-9]\d?))?)\s*"
)

Dimension: typing.TypeAlias = tuple[tuple[str, int], ...]


def _parse(text: str) -> tuple[str, Fraction, Dimension]:
    """Read a unit expression into (canonical text, size in base units, dimension)."""
    powers: dict[str, int] = {}  # written name -> total power, in order of appearance
    position = 0
    expect_term = True
    sign = 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        if match["op"] is not None:
            if expect_term:
                break
            if match["op"] == "-" and text[match.end() :].lstrip()[:1].isdigit():
                # 's-1' is not a product with 1: a power is written 's^-1'.
                position = match.start() + len(match[0]) - len(match[0].lstrip())
                break
            sign = -1 if match["op"] == "/" else 1
            expect_term = True
        else:
            if not expect_term:
                break
            name = match["name"]
            powers[name] = powers.get(name, 0) + sign * int(match["power"] or 1)
            expect_term = False
        position = match.end()
    if position < len(text) or expect_term:
        rest = text[position:]
        where = f" at {rest!r}" if rest else ""
        raise UnitError(f"Unit {show(text)} cannot be read{where}; {_GRAMMAR_TEXT}.")
    factor = Fraction(1)
    dimension: dict[str, int] = {}
    numerator: list[str] = []
    denominator: list[str] = []
    for name, power in powers.items():
        if power == 0 or name == "1":
            continue
        _check_power(text, name, power)
        term = name if abs(power) == 1 else f"{name}^{abs(power)}"
        (numerator if power > 0 else denominator).append(term)
        size, base = _KNOWN.get(name, (Fraction(1), name))
        factor *= size**power
        if base:
            dimension[base] = dimension.get(base, 0) + power
    canonical = "*".join(numerator) or "1"
    if denominator:
        canonical += "/" + "/".join(denominator)
    return canonical, factor, tuple(sorted((b, p) for b, p in dimension.items() if p))


def _check_power(text: str, name: str, power: int) -> None:
    if abs(power) > _MAX_POWER:
        raise UnitError(
            f"Unit {show(text)} raises {name!r} to the power {power}; a name's powers add up "
            f"to at most {_MAX_POWER} either way ({_GRAMMAR_TEXT})."
        )


_parse_cached: Final = functools.lru_cache(maxsize=1024)(_parse)


def _describe(dimension: Dimension) -> str:
    """Say what a dimension measures: ``data*time``, ``data/time``, ``count``."""
    above = [(_KIND_WORDS.get(b, repr(b)), p) for b, p in dimension if p > 0]
    below = [(_KIND_WORDS.get(b, repr(b)), -p) for b, p in dimension if p < 0]

    def join(terms: list[tuple[str, int]]) -> str:
        return "*".join(word if power == 1 else f"{word}^{power}" for word, power in terms)

    text = join(above) or ("count" if not below else "1")
    return f"{text}/{join(below)}" if below else text


@typing.final
@attrs.frozen(init=False, repr=False)
class Unit:
    """A unit of measure such as ``"hour"``, ``"GiB*hour"`` or ``"B/s"``, read exactly.

    ``Unit(text)`` reads the unit grammar of [`ratekit.units`][ratekit.units] (names joined by ``*`` and
    ``/``, optional powers ``^2``; never evaluated) and raises [`UnitError`][ratekit.UnitError]
    when the text cannot be read. A [`Unit`][ratekit.Unit] is immutable and hashable.

    - ``text`` is the canonical spelling: names as written, in order of first appearance,
      powers combined, numerator then denominator (``"hour * GiB"`` reads as
      ``"hour*GiB"``, ``"B*B/s"`` as ``"B^2/s"``).
    - ``factor`` is the size of one unit in base units (seconds, bytes; an unknown name is
      its own base), an exact `Fraction`.
    - ``dimension`` is what it measures, as sorted ``(base, power)`` pairs.

    Two units are equal when they have the same size and dimension, whatever their
    spelling: ``Unit("kB") == Unit("KB")`` and ``Unit("h") == Unit("hour")``.
    ``*`` and ``/`` combine units (a string operand is read as a unit): this is how a
    continuous meter's unit is formed, the level's unit times the time unit.

    Examples:
        >>> import ratekit as rk
        >>> rk.Unit("GiB*hour")
        Unit('GiB*hour')
        >>> rk.Unit("GiB").factor
        Fraction(1073741824, 1)
        >>> rk.Unit("MB*ns").kind
        'data*time'
        >>> rk.Unit("MB") * "hour"
        Unit('MB*hour')
        >>> rk.Unit("B") / rk.Unit("s")
        Unit('B/s')
        >>> rk.Unit("kB") == rk.Unit("KB")
        True
        >>> rk.Unit("request/s").unknown
        ('request',)
    """

    text: str = attrs.field(eq=False)
    # Read from the text at the door, so attrs.evolve(unit, text=...) reads them anew.
    factor: Fraction = attrs.field(init=False)
    dimension: Dimension = attrs.field(init=False)

    def __init__(self, text: str | Unit) -> None:
        if isinstance(text, Unit):
            read = (text.text, text.factor, text.dimension)
        elif not isinstance(text, str):
            raise RatekitTypeError(
                f"A unit must be a string such as 'GiB*hour' or a Unit, "
                f"not {type(text).__name__}: {show(text)}."
            )
        else:
            read = _parse_cached(str.__str__(text))  # a subclass: its plain text
        self.__attrs_init__(read[0])
        object.__setattr__(self, "factor", read[1])
        object.__setattr__(self, "dimension", read[2])

    @property
    def kind(self) -> str:
        """What the unit measures: ``"time"``, ``"data*time"``, ``"data/time"``, ``"count"``.

        Unknown names appear quoted (``"'request'/time"``).

        Examples:
            >>> import ratekit as rk
            >>> rk.Unit("B/s").kind, rk.Unit("count").kind
            ('data/time', 'count')
        """
        return _describe(self.dimension)

    @property
    def unknown(self) -> tuple[str, ...]:
        """The names in this unit that ratekit does not know, in order (often empty).

        A unit with unknown names converts only to units with the same unknown names.

        Examples:
            >>> import ratekit as rk
            >>> rk.Unit("GiB*hour").unknown, rk.Unit("instance*hour").unknown
            ((), ('instance',))
        """
        return tuple(base for base, _ in self.dimension if base not in _KIND_WORDS)

    def factor_to(self, other: str | Unit) -> Fraction:
        """The exact number of ``other`` in one of this unit (raises if they cannot convert).

        Examples:
            >>> import ratekit as rk
            >>> rk.Unit("hour").factor_to("ns")
            Fraction(3600000000000, 1)
            >>> rk.Unit("MB*ns").factor_to("MB*hour")
            Fraction(1, 3600000000000)
        """
        target = other if isinstance(other, Unit) else Unit(other)
        if self.dimension != target.dimension:
            raise UnitError(_mismatch(self, target))
        return self.factor / target.factor

    def __mul__(self, other: str | Unit) -> Unit:
        if not isinstance(other, str | Unit):
            return NotImplemented
        # A canonical text is "a*b/c/d": appended after "*" it keeps its meaning, since
        # each "/" divides by the one term that follows it.
        return Unit(f"{self.text}*{Unit(other).text}")

    def __rmul__(self, other: str) -> Unit:
        if not isinstance(other, str):
            return NotImplemented
        return Unit(other) * self

    def __truediv__(self, other: str | Unit) -> Unit:
        if not isinstance(other, str | Unit):
            return NotImplemented
        inverted = _invert(Unit(other).text)
        return Unit(f"{self.text}*{inverted}") if inverted else self

    def __rtruediv__(self, other: str) -> Unit:
        if not isinstance(other, str):
            return NotImplemented
        return Unit(other) / self

    @plain_text
    def __str__(self) -> str:
        return self.text

    @plain_text
    def __repr__(self) -> str:
        return f"Unit({self.text!r})"


def _invert(text: str) -> str:
    """The canonical text of the reciprocal, as a product of powers (``B/s`` -> ``B^-1*s``)."""
    head, *below = text.split("/")
    terms = [] if head == "1" else [_power(term, -1) for term in head.split("*")]
    terms += below
    return "*".join(terms)


def _power(term: str, sign: int) -> str:
    name, _, power = term.partition("^")
    return f"{name}^{sign * int(power or 1)}"


def _mismatch(source: Unit, target: Unit, given: tuple[str, str] | None = None) -> str:
    """Why ``source`` does not convert to ``target``, naming them as ``given`` if known."""
    # shown bounded: a unit given as a megabyte of text is named by its start
    source_text, target_text = (show(text) for text in given or (source.text, target.text))
    unknown = (*source.unknown, *target.unknown)
    if unknown:
        name = unknown[0]
        hint = ""
        if name.lower().removesuffix("s") in {"month", "year"}:
            hint = " (a month or a year has no fixed length: bill by cycles instead)"
        for known in _KNOWN:
            if known.lower() in {name.lower(), name.lower().removesuffix("s")}:
                hint = f" (did you mean {known!r}?)"
                break
        return (
            f"Cannot convert {source_text} to {target_text}: {show(name)} is not a unit "
            f"ratekit knows{hint}, so it converts only to itself. The units ratekit knows are {_KNOWN_TEXT}; "
            f"{_GRAMMAR_TEXT}."
        )
    return (
        f"Cannot convert {source_text} to {target_text}: {source_text} measures "
        f"{source.kind} and {target_text} measures {target.kind}."
    )


@checked
def convert(
    quantity: int | str | Decimal | float, from_unit: str | Unit, to_unit: str | Unit
) -> Decimal:
    """Convert ``quantity`` from ``from_unit`` to ``to_unit``, exactly.

    The quantity is converted at the door (``int``, ``str``, ``Decimal``; a ``float``
    through its shortest repr). The result is ``quantity * p / q`` where ``p/q`` is the
    exact ratio of the two units, computed with one division in ratekit's decimal context:
    exact whenever the result has at most 60 significant digits and a finite decimal
    expansion, correctly rounded otherwise. Units of different dimensions (data and time),
    or with names ratekit does not know, raise [`UnitError`][ratekit.UnitError] naming both
    units.

    Examples:
        >>> import ratekit as rk
        >>> rk.convert(3, "day", "hour")
        Decimal('72')
        >>> rk.convert(1500, "MB", "GB")
        Decimal('1.5')
        >>> rk.convert(1, "GiB*hour", "MiB*s")
        Decimal('3686400')
        >>> rk.convert(100, "Mbit/s", "MB/s")
        Decimal('12.5')
        >>> try:
        ...     rk.convert(1, "GiB", "hour")
        ... except rk.UnitError as error:
        ...     print(error)
        Cannot convert 'GiB' to 'hour': 'GiB' measures data and 'hour' measures time.
    """
    value = to_decimal(quantity, "quantity")
    source = from_unit if isinstance(from_unit, Unit) else Unit(from_unit)
    target = to_unit if isinstance(to_unit, Unit) else Unit(to_unit)
    # named as given (a str subclass by the text it holds: its own methods left out)
    given = tuple(
        str(unit) if isinstance(unit, Unit) else str.__str__(unit) for unit in (from_unit, to_unit)
    )
    if source.dimension != target.dimension:
        raise UnitError(_mismatch(source, target, (given[0], given[1])))
    ratio = source.factor / target.factor
    return _scale(value, ratio, f"{show(quantity)} {given[0]} in {given[1]}")


#: ratekit's context, also refusing results too small to represent (they would round to 0).
_SCALING: Final = _CONTEXT.copy()
_SCALING.traps[decimal.Underflow] = True


def _scale(value: Decimal, ratio: Fraction, what: str) -> Decimal:
    """``value * ratio``, one multiplication and at most one division, in ratekit's context.

    A result outside ratekit's decimal range raises [`BadQuantityError`][ratekit.BadQuantityError]
    naming ``what``: no raw `decimal` exception escapes.
    """
    try:
        if ratio.numerator != 1:
            value = _SCALING.multiply(value, Decimal(ratio.numerator))
        if ratio.denominator != 1:
            value = _SCALING.divide(value, Decimal(ratio.denominator))
        if value and not -100 <= value.adjusted() <= 99:  # a result's range (guarantees)
            raise decimal.Overflow
        return value
    except decimal.DecimalException:
        raise BadQuantityError(
            f"{what} is out of ratekit's decimal range (exponents from {_CONTEXT.Emin} to "
            f"{_CONTEXT.Emax}); convert a smaller quantity or into a larger unit."
        ) from None


@checked
def microseconds_per(unit: str | Unit) -> Fraction:
    """How many microseconds one ``unit`` of time holds (exact; ``ns`` gives ``1/1000``).

    ratekit's instants and durations are integer microseconds; a time-based meter turns a
    duration into its unit with this factor. Raises [`UnitError`][ratekit.UnitError] for a unit
    that is not a time.

    Examples:
        >>> from ratekit.units import microseconds_per
        >>> microseconds_per("hour")
        Fraction(3600000000, 1)
        >>> microseconds_per("ns")
        Fraction(1, 1000)
    """
    if not isinstance(unit, str | Unit):
        Unit(unit)  # type: ignore[unreachable] # the door for units: refuses it by name
    return _microseconds_per(unit)


@functools.lru_cache(maxsize=64)
def _microseconds_per(unit: str | Unit) -> Fraction:
    return Unit(unit).factor_to("us")


@checked
def from_microseconds(amount: int | Decimal, unit: str | Unit) -> Decimal:
    """Convert ``amount`` microseconds (or level * microseconds) into ``unit``, exactly.

    ``amount`` is an integer duration in microseconds, or a finite Decimal level already
    multiplied by one (``MB * µs``), in the range of ratekit's numbers (at most 60
    significant digits, a magnitude below 1E+30); ``unit`` is a time unit. One division in ratekit's
    decimal context, as in [`convert()`][ratekit.convert]. Anything else (a float, NaN, a bool) raises a
    [`RatekitError`][ratekit.RatekitError]: [`RatekitTypeError`][ratekit.RatekitTypeError] or
    [`BadQuantityError`][ratekit.BadQuantityError].

    Examples:
        >>> from decimal import Decimal
        >>> from ratekit.units import from_microseconds
        >>> from_microseconds(5_400_000_000, "hour")
        Decimal('1.5')
        >>> from_microseconds(Decimal(512) * 7_200_000_000, "hour")
        Decimal('1024')
        >>> from_microseconds(3, "ns")
        Decimal('3000')
    """
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise RatekitTypeError(
            f"from_microseconds amount must be an int of microseconds or a finite Decimal, "
            f"not {type(amount).__name__}: {show(amount)}."
        )
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise BadQuantityError(
            f"from_microseconds amount must be a finite number, not {show(amount)}."
        )
    factor = microseconds_per(unit)
    value = to_decimal(amount, "from_microseconds amount")  # the door's range: below 1E+30
    return _scale(value, 1 / factor, f"{amount!r} microseconds in {Unit(unit).text}")
