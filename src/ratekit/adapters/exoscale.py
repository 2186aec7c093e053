"""Exoscale / CloudStack usage events, read into [`Event`][ratekit.Event] records.

Seed 000 shows the event Exoscale's metering consumes (written there in EDN; as JSON the
keywords are strings, and a leading ``:`` is accepted and dropped):

    {"type": "usage", "entity": "vm", "action": "create", "time": "2016-12-12T15:48:32Z",
     "template": "ubuntu-16.04", "source": "cloudstack", "account": "geneva-jug",
     "uuid": "7a070a3d-66ff-4658-ab08-fe3cecd7c70f", "version": 1, "offering": "medium"}

`usage_events()` gives one event per record: the ``account`` pays, the resource is
the ``uuid``, and ``action`` says what happens:

==============  =========  ==========================================================
action          kind       why
==============  =========  ==========================================================
``create``      ``start``  a created instance runs ("started instance foo with profile large")
``start``       ``start``  a START with another ``offering`` is a scale
``stop``        ``stop``   it still exists but is not charged by time-based meters
``destroy``     ``delete`` it ends
==============  =========  ==========================================================

A create or start carries the description ``entity`` (``"vm"``, ``"volume"``…),
``offering`` and ``template`` and every other field of the event (``disk_size``,
``zone``, nested ones such as ``tags`` as they are), except the bookkeeping fields
``type``, ``action``, ``time``, ``account``, ``uuid``, ``version`` and ``source``, and
nulls. A field whose name is not a non-empty string (from a feed built in Python: JSON's
names are strings) is refused, never dropped. A stop or destroy carries none. Any
``entity`` is read, but ``"vm"`` or ``"volume"`` garbled by case or blanks around it
(``"VM"``, ``" vm"``) is refused, on every action: kept, it would match no selector
(`INSTANCE_HOURS` selects ``"vm"``) and the instance would run unbilled.

**Identity and order.** The events have no id of their own; ``id`` is
``"<uuid>/<action>/<time>"`` (the time in UTC, to the microsecond), so a redelivered
event is a replay (nothing is billed twice, as the seed asks) and two different events
for one resource, action and instant are a conflict. Events are ordered by ``time``;
with ``order="version"`` the ``version`` field (a per-resource counter, where the
emitter keeps one) is the ``seq`` instead, so the emitter's order wins over its clocks.
A ``version`` is checked whichever the order: a whole number from 0 to 2^63 - 1 (not a
bool); under ``order="time"`` it may be absent or null, under ``order="version"`` not.
Under ``order="version"`` two different events (two ids) of one resource with one
version are refused, naming both and the version: one of them has lost its own, and
ordering them by time would be a guess. The same event sent twice (one id) is a
duplicate, as any record sent twice. Read page by page, pass the events earlier calls
gave as ``previous``: the versions are checked against theirs too.

Errors are [`BadRecordError`][ratekit.BadRecordError] naming the position and field
(``[3].action``), or, inside a field carried into the description, the dotted path
(``[3] attribute 'tags.zone'``).

Examples:
    >>> import ratekit as rk
    >>> from ratekit.adapters import exoscale
    >>> events = exoscale.usage_events([
    ...     {"type": "usage", "entity": "vm", "action": "start", "time": "2017-05-12T12:00:00Z",
    ...      "account": "WAD", "uuid": "foo", "version": 1, "offering": "large"},
    ...     {"type": "usage", "entity": "vm", "action": "stop", "time": "2017-05-12T12:15:00Z",
    ...      "account": "WAD", "uuid": "foo", "version": 2},
    ... ])
    >>> events[0]
    Event('WAD', 'foo', '2017-05-12T12:00:00Z', {'entity': 'vm', 'offering': 'large'}, kind='start', id='foo/start/2017-05-12T12:00:00Z')
    >>> usage = rk.meter(events, [exoscale.INSTANCE_HOURS], span=rk.Span("2017-05-01T00:00:00Z", "2017-06-01T00:00:00Z"),
    ...                  cycle=None, as_of="2017-06-01T00:00:00Z")
    >>> usage.total()  # "started instance foo with profile large at 12:00, stopped at 12:15"
    Decimal('0.25')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from ratekit._caller_objects import read_once
from ratekit._decimals import INT_HIGH
from ratekit._descriptions import plain_str
from ratekit._instants import format_us
from ratekit.errors import BadRecordError, RatekitTypeError
from ratekit.policies import Meter, OnOff
from ratekit.records import Event, EventKind

from . import _reading as r
from ._describe import description

__all__ = ["INSTANCE_HOURS", "usage_events"]

INSTANCE_HOURS: Final = Meter("exoscale.instance.hours", "hour", OnOff(when={"entity": "vm"}))
"""Hours an instance runs; price it per ``offering`` with a selector
(``where={"offering": "medium"}``)."""

_ACTIONS: Final[Mapping[str, EventKind]] = {
    "create": "start",
    "start": "start",
    "stop": "stop",
    "destroy": "delete",
}
_BOOKKEEPING: Final = frozenset({"type", "action", "time", "account", "uuid", "version", "source"})
_WHAT: Final = "Exoscale usage event"
#: The entities the adapter names (`INSTANCE_HOURS` selects ``"vm"``): one of them garbled
#: by case or blanks (``"VM"``) is refused, since no selector would match it.
_ENTITIES: Final = ("vm", "volume")


def _keyword(data: Mapping[str, object], key: str, position: r.Position) -> str:
    value = r.text(data, key, position, _WHAT)
    word = value.removeprefix(":")
    if not word:
        raise BadRecordError(
            f"{_WHAT} {r.at(position, key)} must name something, not {r.show(value)}."
        )
    return word


def _description(item: Mapping[str, object], position: r.Position) -> dict[str, object]:
    attributes: dict[str, object] = {}
    # a key that is no non-empty string is refused, never dropped with its value
    for key, value in description(item, position, _WHAT).items():
        if key in _BOOKKEEPING:
            continue
        if isinstance(value, str) and key == "entity":
            attributes[key] = plain_str(value).removeprefix(":")
        else:
            attributes[key] = value
    # checked here, a float through its repr, so an error names the path in the record
    return r.attributes(attributes, position, _WHAT)


def _version(item: Mapping[str, object], position: r.Position, *, required: bool) -> int | None:
    """The ``version`` (a per-resource counter), checked whichever the order; None if absent.

    Under ``order="time"`` a record may have no ``version`` (or a null one); one it has is
    a whole number from 0 to 2^63 - 1, as under ``order="version"``, where it is the seq.
    """
    if not required and item.get("version") is None:
        return None
    version = r.count(item, "version", position, _WHAT)
    if version > INT_HIGH:  # an Event's seq is a 64-bit int: say so of the version field
        raise BadRecordError(
            f"{_WHAT} {r.at(position, 'version')} {r.show(version)} is out of range; give "
            f"a whole number from 0 to {INT_HIGH}."
        )
    return version


def _event(item: Mapping[str, object], position: r.Position, by_version: bool) -> Event:
    kind_of = _keyword(item, "type", position)
    if kind_of != "usage":
        raise BadRecordError(
            f"{_WHAT} {r.at(position, 'type')} is {r.show(kind_of)}; only 'usage' events are read."
        )
    action = _keyword(item, "action", position)
    if action not in _ACTIONS:
        accepted = ", ".join(repr(name) for name in _ACTIONS)
        raise BadRecordError(
            f"{_WHAT} {r.at(position, 'action')} is {r.show(action)}; expected one of {accepted}."
        )
    kind = _ACTIONS[action]
    at_us = r.instant(item, "time", position, _WHAT)
    account = r.text(item, "account", position, _WHAT)
    uuid = r.text(item, "uuid", position, _WHAT)
    version = _version(item, position, required=by_version)
    seq = version if by_version else None
    entity = _keyword(item, "entity", position)
    r.not_garbled(entity, _ENTITIES, r.at(position, "entity"), _WHAT, "entity", skip=False)
    attributes = _description(item, position) if kind == "start" else {}
    at = format_us(at_us)
    record_id = f"{uuid}/{action}/{at}"
    return r.build(
        position,
        lambda: Event(account, uuid, at, attributes, kind=kind, id=record_id, seq=seq),
    )


def usage_events(
    feed: object,
    *,
    order: Literal["time", "version"] = "time",
    previous: Iterable[Event] | None = (),
) -> list[Event]:
    """Exoscale / CloudStack usage events as events, in the feed's order.

    ``feed`` is a list of events (JSON objects), or any iterable of them, read once. ``order`` is ``"time"`` (the default:
    events are applied in ``time`` order) or ``"version"`` (the ``version`` field is each
    event's ``seq``; two different events of one resource with one version are refused,
    in this call or against ``previous``, the events earlier calls gave: ``None`` or
    nothing, none). See `ratekit.adapters.exoscale` for the mapping and ``id``.
    Errors: [`BadRecordError`][ratekit.BadRecordError] naming the position and field;
    [`RatekitTypeError`][ratekit.RatekitTypeError] for a ``previous`` that is not a list
    of events. Cost: O(n + p).

    Examples:
        >>> from ratekit.adapters import exoscale
        >>> exoscale.usage_events([{"type": ":usage", "entity": ":vm", "action": ":reboot",
        ...                         "time": "2016-12-12T15:48:32Z", "account": "geneva-jug", "uuid": "7a07"}])
        Traceback (most recent call last):
        ...
        ratekit.BadRecordError: Exoscale usage event [0].action is 'reboot'; expected one of 'create', 'start', 'stop', 'destroy'.
    """
    if not isinstance(order, str) or plain_str(order) not in {"time", "version"}:
        raise BadRecordError(f"order must be 'time' or 'version', not {r.show(order)}.")
    by_version = plain_str(order) == "version"
    events: list[Event] = []
    versions = _versions(previous)
    ids = {event.id: (where, event) for (_, _, _), (where, event) in versions.items()}
    for position, item in r.entries(feed, "", _WHAT):
        event = _event(item, position, by_version)
        if event.seq is not None:  # order="version": the version is the seq
            _check_version(event, event.seq, position, versions)
            _check_one_version(event, event.seq, position, ids)
        events.append(event)
    return events


def _check_one_version(
    event: Event, version: int, position: r.Position, ids: dict[str | None, tuple[str, Event]]
) -> None:
    """Under ``order="version"``, ``event`` (by its id) has one version; else raise.

    One event (one resource, action and time) given two versions would be two records of
    one id, and their versions two places in the resource's order: refused here, at the
    second's version, as two events given one version are. ``ids`` holds the events read
    so far by id. O(1).
    """
    where, first = ids.setdefault(event.id, (position, event))
    if first.seq is None or first.seq == version:
        return
    raise BadRecordError(
        f"{_WHAT} {r.at(position, 'version')} is {version}, where {where} gives the same "
        f"event ({r.show(event.id)}: one action of resource {r.show(event.resource)} at one "
        f"time) version {first.seq}. A version is the emitter's per-resource counter, one "
        "per event: give the event once (the same event sent twice keeps its version), or "
        "read them with order='time'."
    )


#: Each version read, by (account, resource, version): where it was read and its event.
Versions = dict[tuple[str, str, int], tuple[r.Position, Event]]
_READ_BEFORE: Final = "an event read before (previous)"


def _versions(previous: object) -> Versions:
    """The versions of ``previous``, the events earlier calls gave, read once. O(p).

    An event read under ``order="time"`` (no ``seq``) has no version to compare.
    """
    if previous is None:
        return {}
    if not isinstance(previous, Iterable) or isinstance(previous, str | bytes | Mapping):
        raise RatekitTypeError(
            f"previous must be the events read before (a list of Event), not {r.show(previous)}."
        )
    given = read_once(
        previous, "previous", type(previous).__name__, "the events read before as a list of Event"
    )
    found: Versions = {}
    for event in given:
        if not isinstance(event, Event):
            raise RatekitTypeError(
                f"previous must hold the events this adapter read before, not {r.show(event)}."
            )
        if event.seq is not None:
            found.setdefault((event.account, event.resource, event.seq), (_READ_BEFORE, event))
    return found


def _check_version(
    event: Event,
    version: int,
    position: r.Position,
    seen: Versions,
) -> None:
    """Under ``order="version"``, ``event``'s version is its resource's own; else raise.

    The version is the emitter's per-resource counter, and the only order of the events
    of a resource: two different events (two ids) with one version would be ordered by
    their clocks, silently, the very order ``order="version"`` is asked not to trust.
    The same event sent twice (one id) is left to metering, which reports a duplicate,
    or a conflict if its fields differ. ``seen`` holds the versions read so far.
    """
    key = (event.account, event.resource, version)
    first = seen.setdefault(key, (position, event))
    if first[1].id == event.id:
        return
    raise BadRecordError(
        f"{_WHAT} {r.at(position, 'version')} is {version}, the version of "
        f"{first[0]} too: {r.show(first[1].id)} and {r.show(event.id)} "
        f"of resource {r.show(event.resource)} (account {r.show(event.account)}) are two "
        "events with one version. A version is the emitter's per-resource counter, so "
        "one of them has lost its own: give each event of a resource its own version "
        "(the same event sent twice, with one action and time, is a duplicate), or read "
        "them with order='time'."
    )
