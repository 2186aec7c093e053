"""Checks at the door of the usage values: each field converted once, or refused by name.

Private to `ratekit.usage`: the converters of [`UsageRow`][ratekit.UsageRow] and
[`ResourceState`][ratekit.ResourceState] fields, and the JSON mapping of a state's parts. Each
refusal is a [`RatekitTypeError`][ratekit.RatekitTypeError] (or a [`BadQuantityError`][ratekit.BadQuantityError]
for a bad number) naming the field and what it accepts.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal

from ._carried import to_usage
from ._decimals import to_decimal
from ._descriptions import _attributes, decode_value, encode_value, plain_str
from ._instants import MAX_US, MIN_US, check_us, from_us
from ._shown import show
from ._text import check_text, name_text
from .errors import BadQuantityError, BadRecordError, RatekitError, RatekitTypeError
from .records import Event, EventKind
from .spans import Span


def _description(value: object) -> Mapping[str, object]:
    return _attributes(value, "description")


def _row_description(value: object) -> Mapping[str, object]:
    return _attributes(value, "UsageRow description")


def _row_quantity(value: object) -> Decimal:
    # what metering and rating compute: a share of a peak of 1E-30 may lie below 1E-30
    return to_usage(value, "UsageRow quantity")


def _text(what: str) -> Callable[[object], str]:
    def convert(value: object) -> str:
        return name_text(value, what)

    return convert


def _span_of(what: str) -> Callable[[object], Span]:
    def convert(value: object) -> Span:
        if not isinstance(value, Span):
            raise RatekitTypeError(
                f"{what} must be a Span (rk.Span(start, end)), not {type(value).__name__}: "
                f"{show(value)}."
            )
        return value

    return convert


def _row_account(value: object) -> str:
    return _text("UsageRow account")(value)


def _row_meter(value: object) -> str:
    return _text("UsageRow meter")(value)


def _row_resource(value: object) -> str:
    return _text("UsageRow resource")(value)


def _row_unit(value: object) -> str:
    return _text("UsageRow unit")(value)


def _row_span(value: object) -> Span:
    return _span_of("UsageRow span")(value)


def _row_cycle(value: object) -> Span:
    return _span_of("UsageRow cycle")(value)


def _state_account(value: object) -> str:
    return _text("ResourceState account")(value)


def _state_resource(value: object) -> str:
    return _text("ResourceState resource")(value)


def _since(value: object) -> int | None:
    return _optional_instant("since_us", value)


def _clock(value: object) -> int | None:
    return _optional_instant("clock_us", value)


def _through(value: object) -> int | None:
    return _optional_instant("through_us", value)


#: A state's ``seq`` is a position in a record stream: a signed 64-bit integer, what a
#: store's sequence column holds.
SEQ_LIMIT: Final = 2**63


def _seq_of(value: object) -> int | None:
    seq = _optional_int("seq", value)
    if seq is not None and not -SEQ_LIMIT <= seq < SEQ_LIMIT:
        shown = show(seq)
        raise BadRecordError(
            f"ResourceState seq {shown} lies outside the sequence numbers ratekit keeps "
            f"in a state: give an int from -2**63 up to but excluding 2**63."
        )
    return seq


def _optional_instant(field: str, value: object) -> int | None:
    """``value`` as an optional instant: an int of epoch microseconds in ratekit's range.

    The constructor and ``from_json`` both pass here, so a stored state with an instant
    of 10**30 is a [`BadTimeError`][ratekit.BadTimeError] at the door, not a failing repr
    or a later failing ``meter()``.
    """
    us = _optional_int(field, value)
    if us is not None and not MIN_US <= us <= MAX_US:
        check_us(us, f"ResourceState {field}")
    return us


def _opened_by(value: object) -> str | None:
    return _state_text("opened_by", value, optional=True)


def _encode(value: object) -> object:
    return encode_value(value)  # nested values too: one mapping for stored descriptions


_STATUSES: Final = ("unknown", "running", "stopped", "deleted")
_EVENT_KINDS: Final = ("start", "update", "stop", "delete")
_SAMPLE_KINDS: Final = ("delta", "counter", "gauge")


def _bad(field: str, value: object, accepted: str) -> RatekitTypeError:
    return RatekitTypeError(
        f"ResourceState {field} must be {accepted}, not {type(value).__name__}: {show(value)}."
    )


def _optional_int(field: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(field, value, "an int (epoch microseconds, or a seq) or None")
    # An exact int; its range is the field's own (an instant's, a seq's), checked by it.
    return int.__index__(value)


def _state_text(field: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise _bad(field, value, "a non-empty string" + (" or None" if optional else ""))
    return check_text(plain_str(value), f"ResourceState {field}")


def _sequence(field: str, value: object) -> Sequence[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise _bad(field, value, "a list")
    return value


#: A reading a state keeps: ``(meter, at_us, value, kind, id, seq)``.
Reading: typing.TypeAlias = tuple[str, int, Decimal, str, str | None, int | None]


def _reading(value: object) -> Reading:
    items = _sequence("readings item", value)
    if len(items) not in {5, 6}:
        accepted = "[meter, at_us, value, kind, id] or [meter, at_us, value, kind, id, seq]"
        raise _bad("readings item", value, accepted)
    meter_name, at_us, amount, kind, record_id, *rest = items
    if kind not in _SAMPLE_KINDS:
        raise _bad("readings item kind", kind, "'delta', 'counter' or 'gauge'")
    reading = to_decimal(amount, "ResourceState readings item value")
    if kind == "counter" and reading < 0:
        raise BadQuantityError(
            f"ResourceState readings item value {show(amount)} is a negative counter "
            "reading; a counter reading must be a number >= 0 (a cumulative counter counts "
            "up from zero)."
        )
    # A reading written before states kept its seq has none. An int (a subclass too) is
    # kept as a plain int; any other seq is refused, naming the resource, by
    # `ratekit._state_consistency.consistent()`, which checks its range too.
    seq = rest[0] if rest else None
    if isinstance(seq, int) and not isinstance(seq, bool):
        seq = int.__index__(seq)
    return (
        typing.cast(str, _state_text("readings item meter", meter_name)),
        typing.cast(int, _optional_instant("readings item at_us", at_us)),
        reading,
        kind,
        _state_text("readings item id", record_id, optional=True),
        typing.cast("int | None", seq),
    )


def _readings(value: object) -> tuple[Reading, ...]:
    out = tuple(_reading(item) for item in _sequence("readings", value))
    if any(item[1] is None for item in out):
        raise _bad("readings item at_us", None, "an int (epoch microseconds)")
    return out


def _applied(value: object) -> tuple[str, ...]:
    items = _sequence("applied", value)
    for item in items:
        if type(item) is not str or not item:
            raise _bad("applied item", item, "a record id (a non-empty string)")
        check_text(item, "ResourceState applied item")
    return tuple(typing.cast("Sequence[str]", items))


def _history(value: object) -> tuple[Event, ...]:
    items = _sequence("history", value)
    for item in items:
        if not isinstance(item, Event):
            raise _bad("history item", item, "an Event")
    return tuple(typing.cast(Sequence[Event], items))


def _status(value: object) -> Literal["unknown", "running", "stopped", "deleted"]:
    if value not in _STATUSES:
        raise _bad("status", value, "'unknown', 'running', 'stopped' or 'deleted'")
    return value


def _state_description(value: object) -> Mapping[str, object]:
    return _attributes(value, "ResourceState description")


def _encode_event(event: Event) -> dict[str, object]:
    return {
        "kind": event.kind,
        "at_us": event.at_us,
        "seq": event.seq,
        "id": event.id,
        "attributes": {key: _encode(value) for key, value in event.attributes.items()},
    }


def _decode_mapping(field: str, value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise _bad(field, value, "a mapping of names to values")
    out: dict[str, object] = {}
    for key, item in value.items():
        if isinstance(item, Mapping) and not (
            len(item) == 1
            and (
                isinstance(item.get("decimal"), str)
                or isinstance(item.get("mapping"), Mapping)
                or isinstance(item.get("list"), list)
            )
        ):
            raise _bad(
                f"{field} {key!r}",
                item,
                'a value, or {"decimal": "<digits>"}, {"mapping": {...}} or {"list": [...]}',
            )
        try:
            out[key] = decode_value(item)
        except RatekitError as error:  # name the field the stored value was read from
            raise type(error)(f"ResourceState {field} {key!r}: {error}") from None
    return out


def _decode_event(account: str, resource: str, value: object) -> Event:
    if not isinstance(value, Mapping):
        raise _bad("history item", value, "a mapping (kind, at_us, seq, id, attributes)")
    kind = value.get("kind")
    if kind not in _EVENT_KINDS:
        raise _bad("history item kind", kind, "'start', 'update', 'stop' or 'delete'")
    at_us = _optional_int("history item at_us", value.get("at_us"))
    if at_us is None:
        raise _bad("history item at_us", None, "an int (epoch microseconds)")
    return Event(
        account,
        resource,
        from_us(at_us),
        _decode_mapping("history item attributes", value.get("attributes", {})),
        kind=typing.cast("EventKind", kind),
        id=_state_text("history item id", value.get("id"), optional=True),
        seq=_optional_int("history item seq", value.get("seq")),
    )


#: No base: the resource was never seen before its history.
