"""Ceilometer's ``resource_metadata`` as update events, in time order, whatever the feed's order.

A sample's metadata is its resource's whole metadata at the sample's instant. So the
description follows the samples of each resource *in time*: an update comes before the
sample (the earliest in time) whose metadata differs from the one in force before it, and
it carries the new metadata with every key that disappeared set to ``None`` (an update
removes a key set to ``None``), so the description is the metadata itself, never a key
the feed has dropped. Samples of one resource at one instant that disagree about its
metadata are decided by their ids: the one whose ``id`` sorts first describes the
resource from that instant. The feed's order changes nothing: any permutation of a feed
gives the same records. Read in calls, with the records read before (`earlier_updates`,
`earlier_samples`), the calls' records together describe each resource as one call
does, ties included (`updates`, `restated`).

The flavor in the metadata is written as Nova's notifications write it, by its name
(`flavor_by_name`), and so is the instance's ``state``, in Nova's vm_state words
(``_states.nova_state``), so that both feeds describe one instance alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Final

from ratekit._descriptions import _FrozenDict
from ratekit._instants import format_us
from ratekit.errors import BadRecordError, RatekitTypeError
from ratekit.records import Event, Sample

from . import _reading as r

__all__ = [
    "Described",
    "Earlier",
    "description",
    "earlier_samples",
    "earlier_updates",
    "flavor_by_name",
    "restated",
    "updates",
]

#: A sample read, with its resource's metadata (as a description) and where that was read.
Described = tuple[Sample, dict[str, object], r.Position]

_SAMPLE: Final = "Ceilometer sample"
#: The word joining the ids of an update that follows another at one instant.
_THEN: Final = "/then/"


def description(
    value: Mapping[str, object], where: r.Position = "", what: str = _SAMPLE, named: str = ""
) -> dict[str, object]:
    """A description from a feed's object: its fields as sent, top-level nulls left out.

    Nested objects and lists stay nested (read them by dotted paths: ``"image.name"``);
    a top-level ``None`` is left out, since in an event it would remove the key. A key
    that is not a non-empty string (JSON's keys are strings; a Python feed may hold an
    ``int``) raises [`BadRecordError`][ratekit.BadRecordError] naming ``where`` and the
    key: it is never dropped silently. O(size).

    ```pycon
    >>> description({"flavor": {"name": "m1.small", "vcpus": 1}, "tags": ["a"], "host": None})
    {'flavor': {'name': 'm1.small', 'vcpus': 1}, 'tags': ['a']}

    ```
    """
    for key in value:
        if not isinstance(key, str) or not key:
            raise BadRecordError(
                f"{what} {where or 'the input'}{_of(named)} has the key {r.show(key)}; its "
                "keys must be non-empty strings, as JSON's are (write the key as a string)."
            )
    return {key: item for key, item in value.items() if isinstance(key, str) and item is not None}


def _of(named: str) -> str:
    """`` (sample 's-42')``: whose field a message names, when known; else nothing."""
    return f" ({named})" if named else ""


def flavor_by_name(
    metadata: dict[str, object], where: r.Position = "", named: str = ""
) -> dict[str, object]:
    """``metadata`` with its flavor written as Nova's notifications write it: by its name.

    Ceilometer writes the flavor as an object (``{"flavor": {"name": "m1.small", "vcpus": 1}}``,
    or flat in the ``/v2/samples`` listing: ``{"flavor.name": "m1.small"}``), Nova's
    notifications as ``instance_type``, read as ``"flavor": "m1.small"``. Both describe one
    instance, and an update replaces a key: so the flavor's name becomes ``flavor`` and its
    other fields ``flavor_<field>`` (``flavor_vcpus``), where the metadata has no such key
    already. A ``name`` that is not a non-empty string (``5``, ``""``) raises
    [`BadRecordError`][ratekit.BadRecordError] naming its field: kept aside, the instance
    would have no flavor, and no flavor's price would select it (Nova's notifications
    refuse such a name too). A field given both in the object and flat with other values
    (``{"flavor": {"name": "m1"}, "flavor.name": "m2"}``) raises `BadRecordError` naming
    the metadata at ``where``: keeping either would price the instance by a guess. The
    messages name the record, ``named``, when given. O(size).

    Examples:
        >>> flavor_by_name({"flavor": {"id": "2", "name": "m1.small"}, "state": "active"})
        {'flavor_id': '2', 'flavor': 'm1.small', 'state': 'active'}
        >>> flavor_by_name({"flavor.name": "m1.small", "flavor.vcpus": 1})
        {'flavor': 'm1.small', 'flavor_vcpus': 1}
    """

    def flavor_key(key: str, value: object) -> bool:
        return key.startswith("flavor.") or (key == "flavor" and isinstance(value, Mapping))

    if not any(flavor_key(key, value) for key, value in metadata.items()):
        return metadata
    written = {key for key, value in metadata.items() if not flavor_key(key, value)}
    out: dict[str, object] = {}
    given: dict[str, str] = {}  # a flavor field's name -> where the metadata gave it
    for key, value in metadata.items():
        if not flavor_key(key, value):
            out[key] = value
            continue
        nested = isinstance(value, Mapping)
        fields = value.items() if isinstance(value, Mapping) else [(key[len("flavor.") :], value)]
        for field, item in fields:
            name = "flavor" if field == "name" else f"flavor_{field}"
            if item is None or name in written:
                continue
            if name == "flavor" and not (isinstance(item, str) and item):
                at = r.at(where, "flavor.name" if nested else key) if where else key
                raise BadRecordError(
                    f"{_SAMPLE} {at}{_of(named)} is {r.show(item)}, not a flavor's name: "
                    "give it as a non-empty string, as Nova writes it ('m1.small')."
                )
            source = f"'flavor' object's {field!r}" if nested else f"flat key {key!r}"
            if name in given and not r.one_value(out[name], item):
                raise BadRecordError(
                    f"{_SAMPLE} {where or 'metadata'}{_of(named)} gives the flavor's "
                    f"{field!r} twice, {r.show(out[name])} as the {given[name]} and "
                    f"{r.show(item)} as the {source}; give it once (or the same value in both)."
                )
            given.setdefault(name, source)
            out.setdefault(name, item)
    return out


def _event(
    sample: Sample, attributes: dict[str, object], where: r.Position, name: str = ""
) -> Event:
    """The update event that describes ``sample``'s resource from its metadata.

    Its id is ``<name>/metadata``, ``name`` the sample's id unless given.
    """
    update_id = f"{name or sample.id}/metadata"
    return r.build(
        where,
        lambda: Event(
            sample.account, sample.resource, sample.at, attributes, kind="update", id=update_id
        ),
    )


def _same(one: Mapping[str, object], other: Mapping[str, object] | None) -> bool:
    """Whether two metadata are one description: a flag is not the number 1 (``True == 1``)."""
    return other is not None and _FrozenDict(one) == _FrozenDict(other)


def check_id(record_id: str, where: r.Position) -> None:
    """Refuse a described sample's id holding ``/then/`` (found at ``where``). O(len).

    That word names the update that follows another at one instant (see `updates`), and
    the sample an update came from is read back from the update's id.
    """
    if _THEN in record_id:
        raise BadRecordError(
            f"{_SAMPLE} {where} is {r.show(record_id)}, which holds {_THEN!r}: with "
            f"describe=True a sample's id may not hold it (an update that follows another "
            f"at one instant is named '<update id>{_THEN}<sample id>/metadata'); "
            "Ceilometer's message_ids are UUIDs."
        )


def _check_replays(read: list[Described]) -> None:
    """A sample delivered again (same ``id``) must carry the same metadata. O(n)."""
    seen: dict[str, tuple[dict[str, object], r.Position]] = {}
    for sample, attributes, where in read:
        record_id = sample.id or ""
        earlier = seen.setdefault(record_id, (attributes, where))
        if not _same(earlier[0], attributes):
            raise BadRecordError(
                f"{_SAMPLE} {where} differs from {earlier[1]}, whose sample has the same id "
                f"{r.show(record_id)}: a sample delivered again must carry the same metadata."
            )


#: The descriptions that earlier calls' updates put in force, per (account, resource):
#: ``(at_us, description, update)`` in time order.
Point = tuple[int, Mapping[str, object], Event]
Earlier = Mapping[tuple[str, str], list[Point]]


def earlier_updates(previous: Iterable[object]) -> dict[tuple[str, str], list[Point]]:
    """The descriptions in force after the metadata updates among ``previous``, per resource.

    ``previous`` are the records an earlier call gave (samples and events); its updates
    (``kind="update"``, an id ending ``/metadata``) carry the whole metadata, a dropped
    key as ``None``. Errors: [`RatekitTypeError`][ratekit.RatekitTypeError] for anything
    but a `Sample` or `Event`. O(p log p).
    """
    found: dict[tuple[str, str], list[Point]] = {}
    for record in previous:
        if isinstance(record, Sample):
            continue
        if not isinstance(record, Event):
            raise RatekitTypeError(
                "previous must hold the records this adapter read before (its samples and "
                f"events), not {r.show(record)}."
            )
        if record.kind == "update" and (record.id or "").endswith("/metadata"):
            described = {
                key: value for key, value in record.attributes.items() if value is not None
            }
            point = (record.at_us, described, record)
            found.setdefault((record.account, record.resource), []).append(point)
    for points in found.values():
        points.sort(key=lambda point: (point[0], point[2].id or ""))  # as metering applies them
    return found


def earlier_samples(previous: Iterable[object]) -> dict[tuple[str, str], dict[int, str]]:
    """The id that sorts first among ``previous``'s samples at each instant, per resource.

    An earlier call decided the description at such an instant by that sample (taken to
    carry metadata: a `Sample` does not say whether it had any). O(p).
    """
    found: dict[tuple[str, str], dict[int, str]] = {}
    for record in previous:
        if isinstance(record, Sample):
            firsts = found.setdefault((record.account, record.resource), {})
            record_id = record.id or ""
            if record.at_us not in firsts or record_id < firsts[record.at_us]:
                firsts[record.at_us] = record_id
    return found


def _decider(update_id: str) -> str:
    """The id of the sample that made an update: ``s1`` of ``s1/metadata`` and of ``…/then/s1/metadata``."""
    return update_id.removesuffix("/metadata").rpartition(_THEN)[2]


def updates(
    read: list[Described],
    earlier: Earlier | None = None,
    sampled: Mapping[tuple[str, str], Mapping[int, str]] | None = None,
) -> dict[int, Event]:
    """The update events of ``read``, by the index of the sample each comes before.

    Per resource, the samples are walked in ``(at, id)`` order; at each instant the one
    whose id sorts first decides: an update is made where its metadata differs from the
    one in force: the one an earlier sample of ``read`` put in force, or (``earlier``,
    from `earlier_updates`) an earlier call's update before the sample. An earlier
    call's sample at that instant (``sampled``, from `earlier_samples`) whose id sorts
    first decided it already: this call makes no update there. Where this call's sample
    sorts first but an earlier call's updates are at its instant, its update is named
    after them (``<the last one's id>/then/<sample id>/metadata``), so that metering,
    which applies the updates of one instant in id order, applies it last; it sets to
    ``None`` every key in force there that the metadata lacks. Errors:
    [`BadRecordError`][ratekit.BadRecordError] when two samples with one ``id`` disagree
    about the metadata. Cost: O(n log n) plus the size of the metadata compared.

    Examples:
        >>> from ratekit.records import Sample
        >>> def sample(n, at):
        ...     return Sample("p", "vm", "cpu", at, n, kind="counter", id=f"s{n}")
        >>> newest_first = [(sample(2, "2026-03-02T10:00:00Z"), {"flavor": "m1.large"}, "[0]"),
        ...                 (sample(1, "2026-03-02T09:00:00Z"), {"flavor": "m1.small", "gpu": 1}, "[1]")]
        >>> sorted(updates(newest_first).items())
        [(0, Event('p', 'vm', '2026-03-02T10:00:00Z', {'flavor': 'm1.large', 'gpu': None}, kind='update', id='s2/metadata')), (1, Event('p', 'vm', '2026-03-02T09:00:00Z', {'flavor': 'm1.small', 'gpu': 1}, kind='update', id='s1/metadata'))]
    """
    _check_replays(read)
    by_resource: dict[tuple[str, str], list[int]] = {}
    for index, (sample, _, _) in enumerate(read):
        by_resource.setdefault((sample.account, sample.resource), []).append(index)
    found: dict[int, Event] = {}
    for key, indices in by_resource.items():
        indices.sort(key=lambda index: (read[index][0].at_us, read[index][0].id or ""))
        points = earlier.get(key, []) if earlier is not None else []
        firsts = sampled.get(key, {}) if sampled is not None else {}
        found.update(_resource_updates(read, indices, points, firsts))
    return found


class _Theirs:
    """The earlier calls' updates and samples of one resource, walked forward in time.

    An earlier call's sample that made no update is taken to carry the description its
    call had in force there (`restated` makes it anew there after this call's updates).
    """

    __slots__ = ("_next", "_next_sampled", "_points", "_sampled", "in_force", "replayed")

    def __init__(self, points: list[Point], firsts: Mapping[int, str]) -> None:
        self._points = points
        self._sampled = sorted(firsts)  # the instants of the earlier calls' samples
        self._next = 0
        self._next_sampled = 0
        self.in_force: Mapping[str, object] | None = None  # by the earlier calls' updates
        self.replayed: dict[str, Event] = {}  # their updates, by the sample that made them

    def _point_at(self) -> int | None:
        return self._points[self._next][0] if self._next < len(self._points) else None

    def _take(self) -> Point:
        point = self._points[self._next]
        self._next += 1
        self.in_force = point[1]  # by id at an instant: the one applied last
        self.replayed[_decider(point[2].id or "")] = point[2]
        return point

    def before(self, at_us: int, mine: Mapping[str, object] | None) -> Mapping[str, object] | None:
        """The description in force just before ``at_us``, given ``mine``, the one so far."""
        while True:
            at_point = self._point_at()
            sampled = self._sampled
            at_sampled = sampled[self._next_sampled] if self._next_sampled < len(sampled) else None
            if (
                at_point is not None
                and at_point < at_us
                and (at_sampled is None or at_point <= at_sampled)
            ):
                mine = self._take()[1]
            elif at_sampled is not None and at_sampled < at_us:
                mine = self.in_force if self.in_force is not None else mine
                self._next_sampled += 1
            else:
                return mine

    def at(self, at_us: int) -> list[Point]:
        """Their updates at ``at_us``, by id (call `before` first)."""
        here: list[Point] = []
        while self._point_at() == at_us:
            here.append(self._take())
        sampled = self._sampled
        if self._next_sampled < len(sampled) and sampled[self._next_sampled] == at_us:
            self._next_sampled += 1
        return here


def _resource_updates(
    read: list[Described], indices: list[int], points: list[Point], firsts: Mapping[int, str]
) -> dict[int, Event]:
    """`updates` for one resource: its samples' ``indices`` in ``(at, id)`` order."""
    found: dict[int, Event] = {}
    before: Mapping[str, object] | None = None  # in force, as one call would have it
    decided_us: int | None = None  # the last instant this call's samples were decided at
    theirs = _Theirs(points, firsts)
    for index in indices:
        sample, attributes, where = read[index]
        sample_id = sample.id or ""
        before = theirs.before(sample.at_us, before)
        here = theirs.at(sample.at_us)
        again = theirs.replayed.get(sample_id)
        if again is not None and again.at_us == sample.at_us:
            _check_again(again, sample, attributes, where)
            found[index] = again  # a sample read again: its update, again
        if sample.at_us == decided_us:
            continue  # the first at this instant, by id, describes the resource
        decided_us = sample.at_us
        first = firsts.get(sample.at_us)
        if index in found or (first is not None and first <= sample_id):
            # an earlier call's sample decided this instant: their description is in force
            before = theirs.in_force if theirs.in_force is not None else before
            continue
        if here:  # this call's sample sorts first: its update is applied after theirs
            in_force = set(before or ()).union(*(point[1] for point in here))
            removed = dict.fromkeys(sorted(in_force - attributes.keys()))
            last = max(point[2].id or "" for point in here)
            found[index] = _event(
                sample, {**attributes, **removed}, where, f"{last}{_THEN}{sample_id}"
            )
        elif not _same(attributes, before):
            gone = set(before or ()) - attributes.keys()
            found[index] = _event(sample, {**attributes, **dict.fromkeys(sorted(gone))}, where)
        before = attributes
    return found


def _check_again(
    again: Event, sample: Sample, attributes: Mapping[str, object], where: r.Position
) -> None:
    """A sample read again must carry the metadata its update ``again`` carries."""
    metadata = {key: value for key, value in again.attributes.items() if value is not None}
    if not _same(attributes, metadata):
        raise BadRecordError(
            f"{_SAMPLE} {where} differs from the metadata its sample "
            f"{r.show(sample.id)} had when read before (update {r.show(again.id)}): "
            "a sample delivered again must carry the same metadata."
        )


def restated(
    read: list[Described], found: Mapping[int, Event], earlier: Earlier, previous: Iterable[object]
) -> list[Event]:
    """The descriptions of earlier calls made anew where this call's samples come before them.

    An earlier call described its samples against the metadata it knew before them: an
    update (``earlier``) set to ``None`` the keys its metadata no longer had, and a sample
    whose metadata was the one in force made none. A later call whose samples come
    before them in time (a listing read from the newest page) may put in force a key
    that metadata lacks, or another metadata: at the instant of such an update, or of
    such a sample (``previous``, taken to carry the metadata in force at it), a new update
    carries the metadata with those keys set to ``None``, as one call gives it. None where
    an update at that instant removes them already, nor where this call's sample sorts
    first at that instant (its own update or sample describes the resource there).
    O((n + p) log(n + p)) for n samples and p earlier records.
    """
    given = {id(point[2]) for points in earlier.values() for point in points}
    mine: dict[tuple[str, str], list[tuple[int, Mapping[str, object], str]]] = {}
    for index, event in found.items():
        if id(event) in given:
            continue  # an earlier call's update given again: not this call's
        sample, attributes, _ = read[index]
        entry = (sample.at_us, attributes, sample.id or "")
        mine.setdefault((sample.account, sample.resource), []).append(entry)
    sampled: dict[tuple[str, str], list[Sample]] = {}
    for record in previous:
        if isinstance(record, Sample) and (record.account, record.resource) in mine:
            sampled.setdefault((record.account, record.resource), []).append(record)
    earlier_firsts = earlier_samples(previous)
    firsts: dict[tuple[str, str], dict[int, str]] = {}  # this call's first id per instant
    for sample, _, _ in read:
        if (sample.account, sample.resource) in mine:
            at_first = firsts.setdefault((sample.account, sample.resource), {})
            sample_id = sample.id or ""
            at_first[sample.at_us] = min(at_first.get(sample.at_us, sample_id), sample_id)
    out: list[Event] = []
    for key, own in mine.items():
        before = earlier_firsts.get(key, {})
        decided = {
            at_us
            for at_us, first in firsts[key].items()
            if at_us not in before or first < before[at_us]
        }  # the instants at which this call's sample sorts first
        out.extend(_made_anew(key, own, earlier.get(key, []), sampled.get(key, []), decided))
    return out


def _made_anew(
    key: tuple[str, str],
    own: list[tuple[int, Mapping[str, object], str]],
    points: list[Point],
    sampled: list[Sample],
    decided: set[int],
) -> list[Event]:
    """`restated` for one resource: ``own`` updates, earlier ``points`` and samples.

    Nothing is made anew at an instant this call ``decided`` (its sample sorts first there).

    Each update made anew is named by the earlier record's sample and this call's
    (``<sample id>/after/<sample id>/metadata``): the same call read again gives it
    again, another call gives its own. At an instant with updates of several samples
    (a tie decided anew by a later call) it carries the description the last of them
    (by id, as metering applies them) leaves, and is named after that one
    (``<its id>/after/<sample id>/metadata``), so that it is applied after them.
    O(n log n) for n marks.
    """
    removed: dict[int, set[str]] = {}
    heads: dict[int, str] = {}  # per instant, the shortest id of an update there
    last: dict[int, Point] = {}  # per instant, the update applied last (``points`` by id)
    for point in points:
        at_us, _, event = point
        last[at_us] = point
        gone = {name for name, value in event.attributes.items() if value is None}
        removed.setdefault(at_us, set()).update(gone)
        event_id = event.id or ""
        if at_us not in heads or len(event_id) < len(heads[at_us]):
            heads[at_us] = event_id
    # (at_us, 0 for an earlier call's / 1 for this call's, metadata, id, update or None)
    marks: list[tuple[int, int, Mapping[str, object], str, Event | None]] = [
        (at_us, 1, metadata, sample_id, None) for at_us, metadata, sample_id in own
    ]
    marks += [(at_us, 0, metadata, "", update) for at_us, metadata, update in points]
    # an earlier sample with no update at its instant: the metadata in force at it
    instants = [point[0] for point in points]
    for sample in sampled:
        if sample.at_us in removed:
            continue
        before = bisect.bisect_right(instants, sample.at_us)
        if before:
            marks.append((sample.at_us, 0, points[before - 1][1], sample.id or "", None))
    marks.sort(key=lambda mark: mark[:2])
    out: list[Event] = []
    latest = None
    done = set(decided)  # where this call decides, its sample describes the resource
    for mark in marks:
        at_us, mine, metadata, record_id, update = mark
        if not mine and latest is not None and latest[1] and at_us not in done:
            done.add(at_us)
            if update is not None:  # the description the instant's updates leave
                metadata = last[at_us][1]
            dropped = sorted(latest[2].keys() - metadata.keys() - removed.get(at_us, set()))
            if dropped or (update is None and not _same(metadata, latest[2])):
                head = record_id
                if update is not None:  # the update's sample: the shortest id at its instant
                    head = heads[at_us].removesuffix("/metadata")
                    if last[at_us][2].id != update.id:  # several: named after the last one
                        head = last[at_us][2].id or ""
                attributes = {**metadata, **dict.fromkeys(dropped)}
                out.append(
                    Event(
                        key[0],
                        key[1],
                        format_us(at_us),
                        attributes,
                        kind="update",
                        id=f"{head}/after/{latest[3]}/metadata",
                    )
                )
        if latest is None or latest[:2] < mark[:2]:
            latest = mark
    return out
