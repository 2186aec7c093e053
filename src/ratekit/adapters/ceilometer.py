"""OpenStack Ceilometer samples and Nova instance notifications, read into records.

**Samples** (`samples()`), in the shape Ceilometer publishes and its v2 API lists them:

    {"message_id": "6f0e…", "counter_name": "cpu", "counter_type": "cumulative",
     "counter_unit": "ns", "counter_volume": 1800000000000, "project_id": "p-1",
     "resource_id": "vm-1", "user_id": "u-1", "timestamp": "2026-03-02T10:00:00Z",
     "resource_metadata": {"flavor": {"name": "m1.small"}, …}}

(the API's ``name``/``meter``, ``type``, ``unit``, ``volume``, ``id`` and ``metadata``
are read too, as in seed 001's ``image.size`` sample and the ``/v2/samples`` listing,
whose ``metadata`` is flat: ``{"flavor.name": "m1.small"}``). Each becomes a [`Sample`][ratekit.Sample] of the
project (the account) and resource; its kind follows ``counter_type``: ``gauge`` ->
``"gauge"``, ``delta`` -> ``"delta"``, ``cumulative`` -> ``"counter"`` (metering turns
consecutive readings into deltas, apportions them across cycle boundaries and reports
resets); a kind the meter's policy does not take (a ``gauge`` for a
[`Counter`][ratekit.Counter]) is refused at ``counter_type``. The meter is the one named ``counter_name`` among ``meters``; the value is
converted exactly from ``counter_unit`` to that meter's unit (``ns``, ``B``, ``B/s``
and ``%``, a hundredth, are ratekit units; OpenStack's ``KB``, ``MB``, ``GB`` and ``TB``
are binary, as Nova's ``memory_mb`` and ``root_gb`` are, so they are read as ``KiB``,
``MiB``, ``GiB`` and ``TiB``, wherever they appear in the unit: ``MB/s`` is ``MiB/s``,
as its ``MB`` is a MiB (Ceilometer's own rates are in ``B/s``, read as written); a name ratekit does not know, such as ``instance`` or
``vcpu``, converts only to itself). The ``id`` is the ``message_id``.

Gnocchi's shapes are not read: its measures (``[timestamp, granularity, value]``, or
``{"timestamp": ..., "value": ...}``) carry no project, resource or unit, and its
aggregates and resources are not samples. Such a shape is refused with a message that
says so; read Ceilometer's samples (as its publisher sends them, or ``/v2/samples``).

``resource_metadata`` describes the resource, not the sample: it is the resource's whole
metadata at the sample's instant. With ``describe=True`` the samples of each resource are
taken *in time order* (whatever the feed's order: ``/v2/samples`` lists newest first),
and each sample whose metadata differs from the one in force before it is preceded by an
``"update"`` [`Event`][ratekit.Event] carrying it as the feed sends it, nested (levels
and conditions read it by dotted paths, ``"image.name"``; top-level nulls are left out;
the flavor is written by its name, as Nova's notifications write it: ``"flavor":
"m1.small"``, its other fields as ``flavor_<field>``, ``flavor_vcpus``; the ``state`` in
Nova's vm_state words, ``running`` as ``active``, ``shutoff`` as ``stopped``; a state word
its service does not write is refused: an instance's ``state`` that is no vm_state or
libvirt power state, its ``status`` that is no Nova server status, the ``status`` of a
``volume`` or ``volume.size`` sample that is none of Cinder's volume statuses; which
resource a sample describes is told by its meter, then its metadata, never by a ``state``
key alone: a vNIC's or disk device's sample carries its instance's metadata, whose
``state`` and ``status`` are written ``instance_state`` and ``instance_status``, so the
ready meters never bill a vNIC as an instance; another service's ``state``, a Heat
stack's ``CREATE_COMPLETE``, is kept as written),
with each key the previous metadata had and this one has not set to ``None``, which
removes it: the description is the metadata, never a key the feed dropped. Samples of one
resource at one instant that disagree about the metadata: the one whose ``id`` sorts
first describes the resource from that instant (the others make no update); a sample
delivered again (same ``id``) with other metadata is refused. So any order of one feed
gives the same records. Metadata are compared as descriptions are: ``true`` is not ``1``.
A feed read call by call passes the records read before as ``previous``: each call then
compares with the description their updates put in force, so a key dropped in a later
call is removed; a call whose samples come before an earlier call's adds the updates
one call gives where that call's metadata follows them, and a call whose sample sorts
first at an instant an earlier call's update describes adds an update named after that
one (``<its id>/then/<sample id>/metadata``), which metering applies after it; so pages
read in any order (a newest-first listing) give the descriptions of one call, ties at
one instant included. A sample without metadata (``resource_metadata`` absent or
null) says nothing of its resource and makes no update (an empty one, ``{}``, empties the
description). An update of a resource never seen opens it: use it for
resources that exist while they are sampled (instances, volumes, images).

**Instance notifications** (`instance_notifications()`): Nova's
``compute.instance.*`` notifications become events of the ``payload``'s ``tenant_id``
and ``instance_id``, whose description carries ``flavor`` (``instance_type``),
``vcpus``, ``memory_mb``, ``root_gb``, ``ephemeral_gb``, ``disk_gb``, ``state`` and the
rest of the payload (nested objects such as ``image_meta`` kept nested), except
those that change with every notification (``audit_period_*``, ``bandwidth``,
``progress``, the task states, ``deleted_at``):

=========================================================  ==========
event_type                                                 kind
=========================================================  ==========
``create.end``                                              ``start``
``power_on.end``, ``unpause.end``, ``resume.end``,          ``update``
``power_off.end``, ``shutdown.end``, ``suspend.end``,
``pause.end``, ``create.error``, ``finish_resize.end``,
``resize.confirm.end``, ``resize.revert.end``,
``rebuild.end``, ``exists``, ``update``, ``reboot.end``,
``rescue.end``, ``unrescue.end``, ``shelve.end``,
``shelve_offload.end``, ``unshelve.end``,
``soft_delete.end``, ``restore.end``, ``snapshot.end``,
``live_migration._post.end``,
``live_migration.post.dest.end``, ``volume.attach``,
``volume.detach`` (the payload's ``state`` says whether
the instance runs: `RUNNING_STATES`; the instance exists
from its creation to its deletion, so a meter of your
own can count a stopped instance's disk, and a reboot,
rescue or unshelve of a stopped instance runs it again)
``delete.end``                                              ``delete``
``*.start`` (an announcement; the ``.end`` records it)      (skipped)
``resize.prep.end``, ``resize.end``, ``create_ip.end``,     (skipped)
``delete_ip.end``, ``live_migration.pre.end``,
``live_migration._rollback.end``,
``live_migration.rollback.dest.end``,
``live_migration.abort.end``, ``volume.swap.end``,
``trigger_crash_dump.end``, ``rebuild.scheduled``,
``evacuate``, ``interface_attach``, ``interface_detach``
(a step that changes nothing billed: the resize is
billed from ``finish_resize.end``, a migration from
``live_migration._post.end``)
=========================================================  ==========

Any other type raises, unless ``unknown="skip"``. The ``id`` is the ``message_id``.

Ceilometer and Nova often write UTC instants without an offset
(``"2026-03-02 08:00:00.000000"``); ratekit refuses to guess, so pass
``naive_utc=True`` to read them as UTC.

Errors are [`BadRecordError`][ratekit.BadRecordError] naming the position and field
(``[3].counter_volume``); a unit or state word refused names the sample by its id too
(``[3].counter_unit (sample 'm3') is 'B', not a unit meter 'cpu' in 'hour' can take``).

Examples:
    >>> import ratekit as rk
    >>> from ratekit.adapters import ceilometer
    >>> readings = [{"message_id": f"m{n}", "counter_name": "cpu", "counter_type": "cumulative",
    ...              "counter_unit": "ns", "counter_volume": volume, "project_id": "p-1",
    ...              "resource_id": "vm-1", "timestamp": at, "resource_metadata": {}}
    ...             for n, (at, volume) in enumerate([("2026-03-02T08:00:00Z", 0),
    ...                                               ("2026-03-02T10:00:00Z", 5400000000000)])]
    >>> records = ceilometer.samples(readings, meters=[ceilometer.CPU_HOURS])
    >>> records[1]
    Sample('p-1', 'vm-1', 'cpu', '2026-03-02T10:00:00Z', '1.5', kind='counter', id='m1')
    >>> rk.meter(records, [ceilometer.CPU_HOURS], span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ...          cycle=None, as_of="2026-04-01T00:00:00Z").total()  # 5.4e12 ns of CPU time = 1.5 h
    Decimal('1.5')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from ratekit._caller_objects import read_once
from ratekit._entry_points import plain_text
from ratekit._instants import format_us
from ratekit._paths import lookup
from ratekit._values import switch
from ratekit.errors import BadRecordError, RatekitTypeError
from ratekit.metering import accepted_kinds
from ratekit.policies import Continuous, Counter, Meter, OnOff
from ratekit.records import Event, Sample, SampleKind

from . import _reading as r
from ._describe import (
    Described,
    check_id,
    description,
    earlier_samples,
    earlier_updates,
    flavor_by_name,
    restated,
    updates,
)
from ._nova import instance_notifications
from ._states import known_states
from ._units import feed_unit, in_meter_unit, openstack_binary

__all__ = [
    "CPU_HOURS",
    "INSTANCE_HOURS",
    "MEMORY_MB_HOURS",
    "NETWORK_IN",
    "NETWORK_OUT",
    "ROOT_DISK_GB_HOURS",
    "RUNNING_STATES",
    "VCPU_HOURS",
    "instance_notifications",
    "samples",
]

RUNNING_STATES: Final = ("active", "rescued", "resized")
"""Nova's vm_states in which the instance runs, and which the ready meters bill.

``active`` (running), ``rescued`` (running from a rescue image, the instance's disks
attached) and ``resized`` (running at its new size, until the user confirms or reverts:
Nova's ``resize_confirm_window`` is 0 by default, so it can last for days). Not
``building``, ``paused``, ``suspended``, ``stopped``, ``shelved``, ``shelved_offloaded``,
``soft_deleted``, ``deleted`` or ``error``."""


class _Running:
    """The ready meters' condition: the description's ``state`` is one of `RUNNING_STATES`.

    A module-level class, not a closure, so that the meters pickle; equal instances are
    equal, so that meters built twice are equal.
    """

    __slots__ = ()

    def __call__(self, description: Mapping[str, object]) -> bool:
        return lookup(description, "state") in RUNNING_STATES

    def __eq__(self, other: object) -> bool:
        return type(other) is _Running

    def __hash__(self) -> int:
        return hash(_Running)

    @plain_text
    def __repr__(self) -> str:
        return "{'state': OneOf(" + ", ".join(map(repr, RUNNING_STATES)) + ")}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_Running, ())


_ACTIVE: Final = _Running()

CPU_HOURS: Final = Meter("cpu", "hour", Counter())
"""CPU time from the cumulative ``cpu`` counter (ns), in hours; resets are reported.

The first reading of an instance is the baseline, so CPU time used before the feed began
is never charged; with the instance's notifications at hand,
``Meter("cpu", "hour", Counter(from_zero=True))`` also counts the first reading, from the
instance's start."""
NETWORK_IN: Final = Meter("network.incoming.bytes", "GB", Counter())
"""Bytes received by an interface, from its cumulative counter (B), in GB."""
NETWORK_OUT: Final = Meter("network.outgoing.bytes", "GB", Counter())
"""Bytes sent by an interface, from its cumulative counter (B), in GB."""
INSTANCE_HOURS: Final = Meter("instance.hours", "hour", OnOff(when=_ACTIVE))
"""Hours an instance runs (its ``state`` one of `RUNNING_STATES`: ``active``, ``rescued``,
``resized``; from notifications); price it per ``flavor``."""
VCPU_HOURS: Final = Meter("vcpu.hours", "hour", Continuous("vcpus", when=_ACTIVE))
"""vCPUs x hours while the instance runs (`RUNNING_STATES`; from notifications)."""
MEMORY_MB_HOURS: Final = Meter(
    "memory.hours", "MiB*hour", Continuous("memory_mb", unit="MiB", when=_ACTIVE)
)
"""Memory x hours while the instance runs (`RUNNING_STATES`; from notifications). Nova's ``memory_mb`` is in MiB
(a 2 GB flavor is 2048 of them), so the level is read as ``"MiB"`` and the unit is
``"MiB*hour"``; a price per GB-hour in Nova's sense is ``unit="GiB*hour"`` on the price
entry."""

ROOT_DISK_GB_HOURS: Final = Meter(
    "disk.root.hours", "GiB*hour", Continuous("root_gb", unit="GiB", when=_ACTIVE)
)
"""Root disk x hours while the instance runs (`RUNNING_STATES`; from notifications). Nova's ``root_gb`` is in GiB
(Nova sizes the root disk ``root_gb`` x 2^30 bytes), so the level is read as ``"GiB"``;
a price per GB-hour in Nova's sense is per ``"GiB*hour"``. ``ephemeral_gb`` and
``disk_gb`` are GiB too: read them with ``unit="GiB"``."""

_KINDS: Final[Mapping[str, SampleKind]] = {
    "gauge": "gauge",
    "delta": "delta",
    "cumulative": "counter",
}
_SAMPLE: Final = "Ceilometer sample"


def _one_of(
    item: Mapping[str, object], keys: tuple[str, ...], position: r.Position, what: str
) -> str:
    found = [key for key in keys if key in item]
    if not found:
        names = " or ".join(repr(key) for key in keys)
        raise BadRecordError(f"{what} {position or 'the input'} has no {names}.")
    first = item[found[0]]
    for other in found[1:]:
        value = item[other]
        if not r.one_value(first, value):
            # the shapes' names of one field (the publisher's and the API's) with other
            # values: reading either would drop what the other says, without a word
            raise BadRecordError(
                f"{what} {position or 'the input'} gives {r.show(first)} as {found[0]!r} and "
                f"{r.show(value)} as {other!r}, two names of one field in the shapes ratekit "
                "reads; give one of them (or the same value in both)."
            )
    return found[0]


def _check_kind(
    counter_type: str, where: r.Position, meter: Meter, accepted: Mapping[str, frozenset[str]]
) -> None:
    """The meter's policy takes the sample's kind; else raise naming ``where`` (``[i].counter_type``).

    Metering would refuse the sample too, but far from the feed, without its position.
    """
    kinds = accepted.get(meter.name, frozenset())
    if _KINDS[counter_type] in kinds:
        return
    takes = (
        " or ".join(repr(name) for name, kind in _KINDS.items() if kind in kinds)
        or "no samples (it is time-based)"
    )
    raise BadRecordError(
        f"{_SAMPLE} {where} is {r.show(counter_type)}, which meter {meter.name!r} does not "
        f"take: its policy takes {takes}."
    )


def _sample(
    item: Mapping[str, object],
    position: r.Position,
    meters: Mapping[str, Meter],
    skip: bool,
    naive_utc: bool,
    *,
    accepted: Mapping[str, frozenset[str]],
) -> Sample | None:
    name_key = _one_of(item, ("counter_name", "name", "meter"), position, _SAMPLE)
    name = r.text(item, name_key, position, _SAMPLE)
    meter = r.meter_named(meters, name, r.at(position, name_key), _SAMPLE, skip=skip)
    if meter is None:
        return None
    type_key = _one_of(item, ("counter_type", "type"), position, _SAMPLE)
    counter_type = r.text(item, type_key, position, _SAMPLE)
    if counter_type not in _KINDS:
        raise BadRecordError(
            f"{_SAMPLE} {r.at(position, type_key)} is {r.show(counter_type)}; expected one of "
            "'gauge', 'delta', 'cumulative'."
        )
    _check_kind(counter_type, r.at(position, type_key), meter, accepted)
    id_key = _one_of(item, ("message_id", "id"), position, _SAMPLE)
    record_id = r.text(item, id_key, position, _SAMPLE)
    record = f"sample {r.show(record_id)}"  # as the refusals of its metadata name it
    unit_key = _one_of(item, ("counter_unit", "unit"), position, _SAMPLE)
    written = r.text(item, unit_key, position, _SAMPLE)
    unit_at = r.at(position, unit_key)
    unit = openstack_binary(feed_unit(written, unit_at, _SAMPLE, record))
    volume_key = _one_of(item, ("counter_volume", "volume"), position, _SAMPLE)
    volume = r.number(item, volume_key, position, _SAMPLE)
    if counter_type == "cumulative":
        volume = r.reading(volume, r.at(position, volume_key), _SAMPLE)
    value = in_meter_unit(
        volume, unit, meter, where=unit_at, what=_SAMPLE, written=written, record=record
    )
    account = r.text(item, "project_id", position, _SAMPLE)
    resource = r.text(item, "resource_id", position, _SAMPLE)
    at = format_us(r.instant(item, "timestamp", position, _SAMPLE, naive_utc=naive_utc))
    kind = _KINDS[counter_type]
    return r.build(
        position,
        lambda: Sample(account, resource, meter.name, at, value, kind=kind, id=record_id),
    )


def _metadata(metadata: object, where: r.Position, sample: Sample) -> dict[str, object]:
    """A sample's resource metadata (found at ``where``) as a description, in Nova's words.

    Its state words are checked for the sample's resource (`known_states`: an instance's
    ``state`` is a vm_state, a volume's ``status`` one of Cinder's), by ``sample``'s meter.

    Its ``flavor`` object is read here too (`flavor_by_name` reads its fields), so a
    caller's own mapping that raises when it is read is refused naming its position.
    Its values are read as an event's attributes are (a ``str`` subclass as its text),
    before they are compared: a caller's own ``__eq__`` is never run.
    """
    named = f"sample {r.show(sample.id)}"
    described = description(r.mapping(metadata, where, _SAMPLE), where, _SAMPLE, named)
    flavor = described.get("flavor")
    if isinstance(flavor, Mapping):
        described["flavor"] = r.mapping(flavor, r.at(where, "flavor"), _SAMPLE)
    flavored = flavor_by_name(r.attributes(described, where, _SAMPLE), where, named)
    return known_states(flavored, sample, where)


_GNOCCHI: Final = (
    "Gnocchi's measures, aggregates and resources are not read (a measure carries no "
    "project, resource or unit); read Ceilometer's samples instead, as its publisher sends "
    "them or its /v2/samples API lists them."
)
_SAMPLE_NAMES: Final = ("counter_name", "name", "meter")
#: The length of a Gnocchi measure: ``[timestamp, granularity, value]``.
_MEASURE: Final = 3


def _gnocchi_shape(item: object) -> str | None:
    """What Gnocchi shape ``item`` is (a measure, a resource), or None."""
    if (type(item) is list or type(item) is tuple) and len(item) == _MEASURE:
        return "measure [timestamp, granularity, value]"
    if type(item) is not dict or any(name in item for name in _SAMPLE_NAMES):
        return None
    if "granularity" in item or ("timestamp" in item and "value" in item):
        return "measure {'timestamp': ..., 'value': ...}"
    if "metrics" in item:
        return "resource (with 'metrics')"
    return None


def _refuse_gnocchi(feed: object) -> None:
    """Raise naming Gnocchi if ``feed`` (or one of its items) is in one of its shapes. O(n).

    Only plain JSON (dicts, lists, tuples) is looked at: a caller's own mapping or list
    subclass runs its own code, so it is left to `r.entries`, which refuses what cannot be
    read by its position.
    """
    if type(feed) is dict:
        if "measures" in feed:
            raise BadRecordError(f"{_SAMPLE} feed is Gnocchi's aggregates ('measures'): {_GNOCCHI}")
        return
    if type(feed) is list or type(feed) is tuple:
        for index, item in enumerate(feed):
            _refuse_gnocchi_item(item, index)


def _refuse_gnocchi_item(item: object, index: int) -> None:
    """Raise naming Gnocchi if ``item``, at ``index`` of the feed, is in one of its shapes."""
    shape = _gnocchi_shape(item)
    if shape is not None:
        raise BadRecordError(f"{_SAMPLE} {r.at('', index)} is a Gnocchi {shape}: {_GNOCCHI}")


def _previous(previous: object) -> list[object]:
    """The records read before (``None`` or nothing: none), read once."""
    if previous is None:
        return []
    if not isinstance(previous, Iterable) or isinstance(previous, str | bytes | Mapping):
        raise RatekitTypeError(
            f"previous must be the records read before (a list of Sample and Event), "
            f"not {r.show(previous)}."
        )
    return list(
        read_once(
            previous,
            "previous",
            type(previous).__name__,
            "the records read before as a list of Sample and Event",
        )
    )


def samples(
    feed: object,
    *,
    meters: Iterable[Meter],
    unknown: Literal["error", "skip"] = "error",
    describe: bool = False,
    naive_utc: bool = False,
    previous: Iterable[Sample | Event] | None = (),
) -> list[Sample | Event]:
    """Ceilometer samples as samples of the meters named by ``counter_name``, in the feed's order.

    ``feed`` is a list of samples (or any iterable of them, read once). ``meters`` are the meters to read (a sample whose
    ``counter_name`` no meter names raises, unless ``unknown="skip"``); each value is
    converted exactly from ``counter_unit`` to its meter's unit. ``describe`` adds the
    ``resource_metadata`` events, ``naive_utc`` reads instants without an offset as UTC
    (see `ratekit.adapters.ceilometer`). ``previous`` are the records earlier calls gave
    (``None`` or nothing: none): with ``describe``, a sample's metadata is compared with
    the description their updates put in force, so a key dropped in a later call is
    removed, a feed read forward in time gives the same records in any cut into calls,
    and pages read in any order describe each resource as one call (ties by id included). Errors: [`BadRecordError`][ratekit.BadRecordError]
    naming the position and field. Cost: O(n) (O(n log n + n·m) with ``describe``, m the
    size of the metadata).

    Examples:
        >>> import ratekit as rk
        >>> from ratekit.adapters import ceilometer
        >>> image = {"id": "68d4a944", "name": "image.size", "project_id": "2293", "resource_id": "8725",
        ...          "resource_metadata": {"name": "openstack-client-vm", "properties": {"size": "2361393152"}},
        ...          "source": "openstack", "timestamp": "2014-11-22T08:34:44Z", "type": "gauge",
        ...          "unit": "B", "user_id": None, "volume": 0}
        >>> sizes = rk.Meter("image.size", "GB", rk.Max())
        >>> ceilometer.samples([image], meters=[sizes], describe=True)
        [Event('2293', '8725', '2014-11-22T08:34:44Z', {'name': 'openstack-client-vm', 'properties': {'size': '2361393152'}}, kind='update', id='68d4a944/metadata'), Sample('2293', '8725', 'image.size', '2014-11-22T08:34:44Z', '0', kind='gauge', id='68d4a944')]
    """
    describe = switch(describe, "ceilometer.samples describe")
    naive_utc = switch(naive_utc, "ceilometer.samples naive_utc")
    by_name = r.meters_by_name(meters, "samples meters")
    skip = r.skipping(unknown, "unknown")
    accepted = accepted_kinds(by_name)
    given = _previous(previous)
    earlier = earlier_updates(given)
    _refuse_gnocchi(feed)  # a list's items, all first; an iterable's, one by one below
    listed = type(feed) is list or type(feed) is tuple
    read: list[Sample] = []
    described: list[Described] = []
    places: list[int] = []  # the index in ``read`` of each sample in ``described``
    for index, (position, item) in enumerate(r.entries(feed, "", _SAMPLE)):
        if not listed:
            _refuse_gnocchi_item(item, index)
        sample = _sample(item, position, by_name, skip, naive_utc, accepted=accepted)
        if sample is None:
            continue
        read.append(sample)
        # the v2 API's /v2/samples calls it "metadata" (flat: {"flavor.name": ...})
        meta_key = (
            _one_of(item, ("resource_metadata", "metadata"), position, _SAMPLE)
            if ("resource_metadata" in item or "metadata" in item)
            else "resource_metadata"
        )
        metadata = item.get(meta_key) if describe else None
        if metadata is not None:
            id_key = "message_id" if "message_id" in item else "id"
            check_id(sample.id or "", r.at(position, id_key))
            # a sample without metadata (absent or null) says nothing of its resource:
            # read as an empty one, it would remove every key (the state: no billing)
            where = r.at(position, meta_key)
            places.append(len(read) - 1)
            described.append((sample, _metadata(metadata, where, sample), where))
    made = updates(described, earlier, earlier_samples(given))
    found = {places[index]: event for index, event in made.items()}
    records: list[Sample | Event] = []
    for index, sample in enumerate(read):
        if index in found:
            records.append(found[index])
        records.append(sample)
    # an earlier call's update that this call's samples come before, made anew
    records.extend(restated(described, made, earlier, given))
    return records
