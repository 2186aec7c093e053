"""A caller's own object that raises when an adapter reads it: a BadRecordError naming where.

"Nothing but a RatekitError escapes, whatever the input": a mapping other than a dict, a
list subclass or a ``str`` subclass runs the caller's code, and whatever that code
raises becomes the adapter's error naming the position, with the caller's error chained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NoReturn

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPEC = cloudevents.Spec({"t": "m"}, quantity="data.q", account="subject", resource="data.r")


class Gone(Mapping[str, object]):
    """A lazy view whose backing store has gone: it lists a key, then fails to read it."""

    def __getitem__(self, key: str) -> NoReturn:
        raise RuntimeError("backing store gone")

    def __iter__(self) -> Iterator[str]:
        return iter(["guid"])

    def __len__(self) -> int:
        return 1


class GoneList(list[object]):
    """A list whose own iteration fails."""

    def __iter__(self) -> NoReturn:
        raise RuntimeError("cursor closed")


class GoneAfterFirst(Sequence[object]):
    """A sequence whose first item reads and whose second fails to load."""

    def __init__(self, first: object) -> None:
        self.first = first

    def __getitem__(self, index: int) -> object:  # type: ignore[override]
        if index == 0:
            return self.first
        raise RuntimeError("page 2 gone")

    def __len__(self) -> int:
        return 2


class Hostile(str):
    """A ``str`` whose own methods raise: only its text may be read."""

    __slots__ = ()

    def __eq__(self, other: object) -> NoReturn:
        raise RuntimeError("eq")

    def __hash__(self) -> NoReturn:
        raise RuntimeError("hash")

    def __format__(self, spec: str) -> NoReturn:
        raise RuntimeError("format")

    def upper(self) -> NoReturn:  # type: ignore[override]
        raise RuntimeError("upper")

    def removeprefix(self, prefix: str) -> NoReturn:  # type: ignore[override]
        raise RuntimeError("removeprefix")


CF_APP = {
    "guid": "e-1",
    "created_at": "2026-03-02T08:00:00Z",
    "state": {"current": "STARTED"},
    "app": {"guid": "app-1"},
    "space": {"guid": "space-1"},
    "organization": {"guid": "org-1"},
    "memory_in_mb_per_instance": {"current": 512},
    "instance_count": {"current": 1},
}
CF_SERVICE = {
    "guid": "s-1",
    "created_at": "2026-03-01T00:00:00Z",
    "state": "CREATED",
    "service_instance": {"guid": "db-1"},
    "space": {"guid": "space-1"},
    "organization": {"guid": "org-1"},
}
EXOSCALE = {
    "type": "usage",
    "entity": "vm",
    "action": "start",
    "time": "2017-05-12T12:00:00Z",
    "account": "WAD",
    "uuid": "foo",
    "offering": "large",
}
BOREL = {
    "customer-id": "21891",
    "quantity": 5,
    "resource": "cpu-usage",
    "resource_id": "r-1",
    "uom": "cpu-ns",
}
CLOUDEVENT = {
    "specversion": "1.0",
    "id": "1",
    "source": "s",
    "type": "t",
    "subject": "c",
    "time": "2026-03-02T08:00:00Z",
    "data": {"q": 1, "r": "x"},
}
CEILOMETER = {
    "counter_name": "cpu",
    "counter_type": "cumulative",
    "counter_unit": "ns",
    "counter_volume": 1,
    "message_id": "m-1",
    "project_id": "p-1",
    "resource_id": "vm-1",
    "timestamp": "2026-03-02T08:00:00Z",
    "resource_metadata": {"flavor": {"name": "m1.small"}, "state": "running"},
}
NOVA = notification(message_id="n-1")

#: Each feed: how it is read, what its records are called, a good record, and the field
#: of that record that holds a nested object read as a mapping (None where none is).
FEEDS: dict[str, tuple[Callable[[object], object], str, dict[str, object], str | None]] = {
    "cf apps": (cloudfoundry.app_usage_events, "Cloud Foundry app usage event", CF_APP, "app"),
    "cf services": (
        cloudfoundry.service_usage_events,
        "Cloud Foundry service usage event",
        CF_SERVICE,
        "space",
    ),
    "exoscale": (exoscale.usage_events, "Exoscale usage event", EXOSCALE, None),
    "borel": (lambda feed: borel.usage_rows(feed, period=MARCH), "Borel row", BOREL, None),
    "cloudevents": (
        lambda feed: cloudevents.usage_events(feed, SPEC),
        "CloudEvent",
        CLOUDEVENT,
        "data",
    ),
    "ceilometer": (
        lambda feed: ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True),
        "Ceilometer sample",
        CEILOMETER,
        "resource_metadata",
    ),
    "nova": (ceilometer.instance_notifications, "Nova notification", NOVA, "payload"),
}
GONE = (
    "could not be read: its mapping (Gone) raised RuntimeError: backing store gone; "
    "give a mapping whose items can be read, such as a dict."
)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_record_mapping_that_raises_is_refused_naming_its_index(name: str) -> None:
    read, what, _, _ = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read([Gone()])
    assert str(caught.value) == f"{what} [0] {GONE}"
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.parametrize("name", sorted(name for name, feed in FEEDS.items() if feed[3]))
def test_a_nested_mapping_that_raises_is_refused_naming_its_field(name: str) -> None:
    read, what, record, field = FEEDS[name]
    assert field is not None
    read([record])  # the record as it is reads
    with pytest.raises(rk.BadRecordError) as caught:
        read([record, {**record, field: Gone()}])
    assert str(caught.value) == f"{what} [1].{field} {GONE}"
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_feed_whose_iteration_raises_is_refused_naming_the_feed(name: str) -> None:
    read, what, record, _ = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read(GoneList([record]))
    assert str(caught.value) == (
        f"{what} the input could not be read: its list (GoneList) raised RuntimeError: "
        "cursor closed; give a list whose items can be read."
    )
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_feed_whose_item_raises_is_refused_naming_its_index(name: str) -> None:
    read, what, record, _ = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read(GoneAfterFirst(record))
    assert str(caught.value) == (
        f"{what} [1] could not be read: its list (GoneAfterFirst) raised RuntimeError: "
        "page 2 gone; give a list whose items can be read."
    )
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.parametrize("name", ["cf apps", "cf services"])
def test_a_page_mapping_that_raises_is_refused_as_the_input(name: str) -> None:
    read, what, _, _ = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read(Gone())
    assert str(caught.value) == f"{what} the input {GONE}"


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_str_subclasses_are_read_as_their_text(name: str) -> None:
    read, _, record, _ = FEEDS[name]
    plain = read([record])
    hostile = {
        key: Hostile(value) if isinstance(value, str) else value for key, value in record.items()
    }
    assert read([hostile]) == plain


def test_exoscale_reads_a_str_subclass_entity_as_its_text() -> None:
    (event,) = exoscale.usage_events([{**EXOSCALE, "entity": Hostile(":vm")}])
    assert event.attributes["entity"] == "vm"
    assert type(event.attributes["entity"]) is str


def test_a_list_in_a_description_that_raises_is_refused_naming_the_attribute() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{**EXOSCALE, "tags": GoneList(["a"])}])
    assert str(caught.value) == (
        "Exoscale usage event [0] attribute 'tags' could not be read: "
        "its list (GoneList) raised RuntimeError: cursor closed; give a list whose items "
        "can be read."
    )
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_a_nested_flavor_that_raises_is_refused_naming_its_field() -> None:
    metadata = {"flavor": Gone()}
    with pytest.raises(rk.BadRecordError) as caught:
        FEEDS["ceilometer"][0]([{**CEILOMETER, "resource_metadata": metadata}])
    assert str(caught.value) == f"Ceilometer sample [0].resource_metadata.flavor {GONE}"


class Touchy(str):
    """Text whose own comparison raises: only its text may be read."""

    def __eq__(self, other: object) -> NoReturn:
        raise RuntimeError("compared")

    def __ne__(self, other: object) -> NoReturn:
        raise RuntimeError("compared")

    __hash__ = str.__hash__


def test_metadata_text_of_a_str_subclass_is_read_as_its_text_when_described() -> None:
    # Described metadata is compared between samples (an update where it changes) and
    # its state read in Nova's words: a str subclass is read as its text first.
    def feed(touchy: bool) -> list[dict[str, object]]:
        text = Touchy if touchy else str
        metadata = {"flavor": {"name": text("m1.small")}, "state": text("running")}
        second = {"flavor": text("m1.large"), "state": text("ACTIVE")}
        return [
            {**CEILOMETER, "resource_metadata": metadata},
            {**CEILOMETER, "message_id": "m-2", "timestamp": "2026-03-02T09:00:00Z",
             "counter_volume": 2, "resource_metadata": second},
        ]  # fmt: skip

    read = ceilometer.samples(feed(True), meters=[ceilometer.CPU_HOURS], describe=True)
    assert read == ceilometer.samples(feed(False), meters=[ceilometer.CPU_HOURS], describe=True)
    assert [type(r.attributes["flavor"]) for r in read if isinstance(r, rk.Event)] == [str, str]


def test_a_cloudevents_data_path_through_a_raising_mapping_is_refused_naming_it() -> None:
    spec = cloudevents.Spec({"t": "m"}, quantity="data.usage.q")
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([{**CLOUDEVENT, "data": {"usage": Gone()}}], spec)
    assert str(caught.value) == (
        "CloudEvent [0].data.usage.q could not be read: an object on its path raised "
        "RuntimeError: backing store gone; give data as json.loads() gives it (dicts and lists)."
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: cloudfoundry.app_usage_events([], previous=GoneList([])),
            (
                "previous could not be read: its GoneList raised RuntimeError: cursor closed; "
                "give the events read before as a list of Event."
            ),
        ),
        (
            lambda: borel.usage_rows([], meters=GoneList([])),
            (
                "usage_rows meters could not be read: its GoneList raised RuntimeError: "
                "cursor closed; give a list of Meter values."
            ),
        ),
        (
            lambda: cloudevents.Spec(Gone(), quantity="data.q"),
            (
                "Spec meters could not be read: its mapping (Gone) raised RuntimeError: backing "
                "store gone; give a mapping whose items can be read, such as a dict."
            ),
        ),
        (
            lambda: cloudevents.Spec({"t": "m"}, quantity=Gone()),
            (
                "Spec quantity could not be read: its mapping (Gone) raised RuntimeError: "
                "backing store gone; give a mapping whose items can be read, such as a dict."
            ),
        ),
        (
            lambda: cloudfoundry.app_usage_events([], account=[]),  # type: ignore[arg-type]
            "account must be 'org' or 'space' (who pays), not [].",
        ),
        (
            lambda: exoscale.usage_events([], order=[]),  # type: ignore[arg-type]
            "order must be 'time' or 'version', not [].",
        ),
        (
            lambda: borel.usage_rows([], unknown=[]),  # type: ignore[arg-type]
            "usage_rows unknown must be 'error' or 'skip', not [].",
        ),
        (
            lambda: cloudevents.Spec({"t": "m"}, quantity="data.q", unknown=[]),  # type: ignore[arg-type]
            "Spec unknown must be 'error' or 'skip', not [].",
        ),
    ],
)
def test_options_that_raise_or_cannot_be_hashed_are_refused_by_name(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(rk.RatekitError) as caught:
        call()
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "call",
    [
        lambda: cloudfoundry.app_usage_events([], account=Hostile("space")),
        lambda: borel.usage_rows([], unknown=Hostile("skip")),
        lambda: exoscale.usage_events([], order=Hostile("version")),
        lambda: cloudevents.Spec({"t": "m"}, quantity="data.q", kind=Hostile("gauge")),
    ],
)
def test_options_given_as_a_str_subclass_are_read_as_their_text(call: Callable[[], object]) -> None:
    # The option's own __eq__ raises: it used to be compared after the check (account,
    # unknown), so its RuntimeError escaped; only its text is read now.
    call()


@pytest.mark.parametrize(
    "read",
    [
        lambda key: exoscale.usage_events([{**EXOSCALE, key("zone"): "ch-gva-2"}]),
        lambda key: exoscale.usage_events(
            [{**{k: v for k, v in EXOSCALE.items() if k != "account"}, key("account"): "WAD"}]
        ),
        lambda key: ceilometer.samples(
            [{**CEILOMETER, "resource_metadata": {key("flavor"): {key("name"): "m1.small"}}}],
            meters=[ceilometer.CPU_HOURS],
            describe=True,
        ),
    ],
    ids=["exoscale field", "exoscale bookkeeping field", "ceilometer metadata"],
)
def test_a_field_named_by_a_str_subclass_is_read_by_its_text(
    read: Callable[[type[str]], list[rk.Event | rk.Sample]],
) -> None:
    # JSON's names are plain strings; a feed built in Python may name a field with a str
    # subclass whose own comparison raises: its name is read as its text, at the door
    assert read(Touchy) == read(str)
