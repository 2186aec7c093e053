"""An inventory's scope: a listing of part of the platform reconciles only that part.

Seed 000's reconciler lists what exists, but a real listing is one organisation's, one
zone's or one kind of resource's. Each example runs over March 2026 in UTC (744 hours);
the inventory is taken on 11 March at 00:00, 240 hours in.
"""

from __future__ import annotations

import json
import random
import typing
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import batch_sums, sums

import ratekit as rk
from ratekit import _snapshot
from ratekit.adapters import cloudfoundry as cf
from ratekit.adapters import exoscale
from ratekit.records import EventKind

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
T0 = "2026-03-01T00:00:00Z"
AT = "2026-03-11T00:00:00Z"

VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff(when={"entity": "vm"}))
VOLUME = rk.Meter(
    "volume.gb.hours", "GB*hour", rk.Continuous("disk_size", when={"entity": "volume"})
)
APP = rk.Meter("app.memory", "MB*hour", rk.Continuous("memory_mb", when={"entity": "app"}))
METERS = [VM_HOURS, VOLUME, APP]
HOURS = rk.Meter("hours", "hour", rk.OnOff())


def start(account: str, resource: str, record_id: str, **attributes: object) -> rk.Event:
    return rk.Event(account, resource, T0, attributes, kind="start", id=record_id)


FLEET: list[rk.Event | rk.Sample | rk.Inventory] = [
    start("acme", "vm-1", "e1", entity="vm"),
    start("acme", "vm-2", "e2", entity="vm"),
    start("other", "vm-9", "e9", entity="vm"),
    start("acme", "vol-1", "v1", entity="volume", disk_size=50),
    start("org", "app-1", "a1", entity="app", memory_mb=1000),
]


def quantities(usage: rk.Usage) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for row in usage.rows:
        out[row.meter, row.resource] = out.get((row.meter, row.resource), Decimal(0)) + row.quantity
    return out


def metered(
    records: Sequence[rk.Event | rk.Sample | rk.Inventory], meters: Sequence[rk.Meter] = METERS
) -> rk.Usage:
    return rk.meter(records, meters, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)


# -- the finding's three cases ------------------------------------------------------------


def test_a_scoped_listing_leaves_other_accounts_other_kinds_and_other_apps_untouched() -> None:
    listing = rk.Inventory(
        AT,
        {("acme", "vm-1"): {"entity": "vm"}},
        accounts=["acme"],
        where={"entity": "vm"},
        id="acme-vms",
    )
    usage = metered([*FLEET, listing])
    assert quantities(usage) == {
        ("vm.hours", "vm-1"): Decimal(744),  # listed: the whole month
        ("vm.hours", "vm-2"): Decimal(240),  # acme's VM, not listed: closed on the 11th, 10 * 24
        ("vm.hours", "vm-9"): Decimal(744),  # another account's VM: untouched, 31 * 24
        ("volume.gb.hours", "vol-1"): Decimal(37200),  # acme's volume: 50 GB * 744 h
        ("app.memory", "app-1"): Decimal(744000),  # an unrelated app: 1000 MB * 744 h
    }
    closes = [(a.kind, a.record_ids) for a in usage.anomalies]
    assert closes == [("reconciled_close", ("acme-vms", "e2"))]


def test_an_unscoped_listing_still_closes_everything_it_does_not_list() -> None:
    usage = metered([*FLEET, rk.Inventory(AT, {("acme", "vm-1"): {"entity": "vm"}}, id="all")])
    # The default is unchanged: a whole-platform snapshot. 10 days * 24 h = 240 h each;
    # 50 GB * 240 h = 12,000; 1000 MB * 240 h = 240,000.
    assert quantities(usage) == {
        ("vm.hours", "vm-1"): Decimal(744),
        ("vm.hours", "vm-2"): Decimal(240),
        ("vm.hours", "vm-9"): Decimal(240),
        ("volume.gb.hours", "vol-1"): Decimal(12000),
        ("app.memory", "app-1"): Decimal(240000),
    }
    assert sorted(a.record_ids[1] for a in usage.anomalies) == ["a1", "e2", "e9", "v1"]


def test_the_exoscale_listing_of_one_organisation_in_one_call_with_cloud_foundry() -> None:
    # The finding's script, with the listing scoped as Exoscale lists: acme's VMs.
    def ex(
        at: str, uuid: str, account: str = "acme", entity: str = "vm", **kw: object
    ) -> dict[str, object]:
        return {
            "type": "usage",
            "entity": entity,
            "action": "create",
            "time": at,
            "account": account,
            "uuid": uuid,
            **kw,
        }

    events = exoscale.usage_events(
        [
            ex(T0, "vm-1", offering="m"),
            ex(T0, "vol-1", entity="volume", disk_size=50),
            ex(T0, "vm-9", account="other", offering="m"),
        ]
    )
    cf_events = cf.app_usage_events(
        [
            {
                "guid": "c1", "created_at": T0, "state": {"current": "STARTED"}, "app": {"guid": "app-1"},
                "process": {"guid": "app-1", "type": "web"}, "space": {"guid": "s"},
                "organization": {"guid": "org"}, "memory_in_mb_per_instance": {"current": 1024},
                "instance_count": {"current": 1},
            }
        ]
    )  # fmt: skip
    listing = rk.Inventory(
        AT, {("acme", "vm-1"): {"entity": "vm", "offering": "m"}}, accounts=["acme"],
        where={"entity": "vm"}, id="acme-vms-11",
    )  # fmt: skip
    volume = rk.Meter(
        "volume.gb.hours", "GB*hour", rk.Continuous("disk_size", when={"entity": "volume"})
    )
    usage = rk.meter(
        [*events, *cf_events, listing], [exoscale.INSTANCE_HOURS, volume, cf.APP_MEMORY_GB],
        span=MARCH, cycle=MONTHLY, as_of=MARCH.end,
    )  # fmt: skip
    # 744 h each; the volume 50 GB * 744 h = 37,200; the app 1 GiB (CF's 1024 MB) * 744 h = 744.
    assert quantities(usage) == {
        ("exoscale.instance.hours", "vm-1"): Decimal(744),
        ("exoscale.instance.hours", "vm-9"): Decimal(744),
        ("volume.gb.hours", "vol-1"): Decimal(37200),
        ("cf.app.memory", "app-1"): Decimal(744),
    }
    assert usage.anomalies == ()


# -- a description that changes: judged by the one it has at the inventory's instant ------


def moves() -> list[rk.Event]:
    def event(resource: str, at: str, zone: str, record_id: str, kind: str = "update") -> rk.Event:
        return rk.Event("acme", resource, at, {"zone": zone}, kind=kind, id=record_id)  # type: ignore[arg-type]

    return [
        event("vm-3", T0, "fra", "s3", "start"),
        event("vm-3", "2026-03-05T00:00:00Z", "gva", "u3"),  # moves into the zone listed
        event("vm-4", T0, "gva", "s4", "start"),
        event("vm-4", "2026-03-05T00:00:00Z", "fra", "u4"),  # moves out of it
        event("vm-5", T0, "fra", "s5", "start"),
        event("vm-5", AT, "gva", "u5"),  # moves in at the inventory's very instant
        event("vm-6", T0, "gva", "s6", "start"),
        event("vm-6", AT, "fra", "u6"),  # moves out at that instant
    ]


def test_scope_by_description_is_judged_at_the_inventory_instant() -> None:
    listing = rk.Inventory(AT, [], where={"zone": "gva"}, id="gva")
    usage = metered([*moves(), listing], [HOURS])
    # In gva on the 11th (the description from 'at' on counts, so an event stamped at
    # 'at' does too): closed there, 240 h. Elsewhere then: untouched, 744 h.
    assert quantities(usage) == {
        ("hours", "vm-3"): Decimal(240),
        ("hours", "vm-4"): Decimal(744),
        ("hours", "vm-5"): Decimal(240),
        ("hours", "vm-6"): Decimal(744),
    }
    assert listing.covers("acme", "vm-3", {"zone": "gva"})
    assert not listing.covers("acme", "vm-4", {"zone": "fra"})


def test_last_seen_closes_at_the_last_sign_of_life_only_in_scope() -> None:
    listing = rk.Inventory(AT, [], where={"zone": "gva"}, close="last_seen", id="gva")
    usage = metered([*moves(), listing], [HOURS])
    # vm-3's last sign of life is its move on the 5th: 4 days * 24 = 96 h; vm-5's is its
    # move at the inventory's instant: 240 h. vm-4 and vm-6 are outside: 744 h.
    assert quantities(usage) == {
        ("hours", "vm-3"): Decimal(96),
        ("hours", "vm-4"): Decimal(744),
        ("hours", "vm-5"): Decimal(240),
        ("hours", "vm-6"): Decimal(744),
    }


def test_a_listed_resource_is_in_scope_and_opened_when_unknown() -> None:
    # Listed without the selector's attribute: the listing is trusted for it. vm-7 is
    # opened on the 11th: 21 days * 24 = 504 h.
    listing = rk.Inventory(
        AT, [("acme", "vm-7")], accounts=["acme"], where={"zone": "gva"}, id="gva"
    )
    usage = metered([listing], [HOURS])
    assert quantities(usage) == {("hours", "vm-7"): Decimal(504)}
    assert [a.kind for a in usage.anomalies] == ["reconciled_open"]


def test_a_scoped_listing_corrects_what_it_lists() -> None:
    # vm-1 listed with flavor m2 in acme's listing: corrected on the 11th, as unscoped.
    first = rk.Event("acme", "vm-1", T0, {"entity": "vm", "flavor": "m1"}, kind="start", id="e1")
    listing = rk.Inventory(AT, {("acme", "vm-1"): {"flavor": "m2"}}, accounts=["acme"], id="inv")
    usage = metered([first, listing], [HOURS])
    assert [(r.span.start.day, r.description["flavor"], r.quantity) for r in usage.rows] == [
        (1, "m1", Decimal(240)),
        (11, "m2", Decimal(504)),
    ]


# -- the door ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"accounts": []},
            rk.BadRecordError,
            (
                "inventory 'x' accounts is empty: an inventory scoped to no account reconciles "
                "nothing; give the accounts the listing covers, or None for every account."
            ),
        ),
        (
            {"accounts": "acme"},
            rk.RatekitTypeError,
            (
                "inventory 'x' accounts must be None (every account) or an iterable of account "
                "names such as ['acme'], not str: 'acme'."
            ),
        ),
        (
            {"accounts": ["acme", 7]},
            rk.RatekitTypeError,
            "inventory 'x' accounts must hold account names (non-empty strings), not int: 7.",
        ),
        (
            {"accounts": ["acme", ""]},
            rk.RatekitTypeError,
            "inventory 'x' accounts must hold account names (non-empty strings), not str: ''.",
        ),
        (
            {"where": ["entity", "vm"]},
            rk.RatekitTypeError,
            (
                "inventory 'x' where must be None (any description) or a selector: a mapping of "
                "attribute paths to values or conditions such as {'entity': 'vm'} (or the tuple "
                "of (path, condition) pairs an inventory's where gives back), not list: "
                "['entity', 'vm']."
            ),
        ),
        (
            {"where": {"a..b": 1}},
            rk.RatekitTypeError,
            (
                "inventory 'x' where key must be an attribute path: one or more non-empty names "
                "joined by single dots, such as 'flavor' or 'properties.size', not 'a..b' (an "
                "empty name)."
            ),
        ),
        (
            {"where": {"size": float("nan")}},
            rk.BadQuantityError,
            "inventory 'x' where attribute 'size' is nan, not a finite number;",
        ),
        (
            {"where": {"size": rk.Satisfies(lambda v: True, "anything")}},
            rk.RatekitTypeError,
            (
                "inventory 'x' where 'size' is Satisfies('anything'), a function: an inventory is "
                "a record, kept as data (rows, rater snapshots), so its selector holds values and "
                "conditions (AtLeast, Above, AtMost, Below, Between, OneOf), not code."
            ),
        ),
        (
            {"where": {"zone": rk.OneOf([("a", 1)])}},
            rk.RatekitTypeError,
            (
                "inventory 'x' where 'zone' is OneOf(('a', 1)), whose value ('a', 1) is not data "
                "an inventory can keep"
            ),
        ),
    ],
)
def test_the_door_names_the_field(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        rk.Inventory(AT, [], id="x", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_a_listing_outside_its_own_scope_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.Inventory(AT, [("acme", "vm-1"), ("other", "vm-9")], accounts=["acme"], id="x")
    assert str(caught.value) == (
        "inventory 'x' lists ('other', 'vm-9'), but its accounts are ['acme']: a scoped "
        "inventory lists only resources of its accounts; add the account to accounts, or "
        "leave the resource out."
    )
    with pytest.raises(rk.BadRecordError) as caught:
        rk.Inventory(AT, {("acme", "vol-1"): {"entity": "volume"}}, where={"entity": "vm"})
    assert str(caught.value) == (
        "inventory lists ('acme', 'vol-1') with entity='volume', outside its where "
        "{'entity': 'vm'}: a scoped inventory lists only resources its selector matches; "
        "widen where, or leave the resource out."
    )
    size = {("acme", "vm-1"): {"properties": {"size": 10}}}
    with pytest.raises(rk.BadRecordError, match=r"with properties\.size=10, outside its where"):
        rk.Inventory(AT, size, where={"properties.size": rk.AtLeast(64)})
    # A path the listing does not give is the resource's own: trusted.
    assert rk.Inventory(AT, size, where={"entity": "vm"}).resources[0][1] == "vm-1"


def test_the_repr_shows_the_attributes_listed() -> None:
    # Two inventories that list one resource with other attributes are not equal: their
    # reprs differ too (a log of fed records tells them apart), and read back as given.
    one = rk.Inventory(AT, {("a", "v"): {"mb": 1}, ("a", "w"): {}})
    two = rk.Inventory(AT, {("a", "v"): {"mb": 2}, ("a", "w"): {}})
    assert one != two
    assert repr(one) == (
        "Inventory('2026-03-11T00:00:00Z', {('a', 'v'): {'mb': 1}, ('a', 'w'): {}}, "
        "close='snapshot')"
    )
    assert repr(two) != repr(one)
    assert eval(repr(one), {"Inventory": rk.Inventory}) == one
    # Without attributes, the list of (account, resource) as before.
    assert repr(rk.Inventory(AT, [("a", "v")], id="i")) == (
        "Inventory('2026-03-11T00:00:00Z', [('a', 'v')], close='snapshot', id='i')"
    )


def test_accounts_are_sorted_once_and_where_reads_like_a_price_entry() -> None:
    listing = rk.Inventory(
        AT, [], accounts=("b", "a", "b"), where={"size": rk.Between(1, 64), "entity": "vm"}, id="x"
    )
    assert listing.accounts == ("a", "b")
    assert listing.where == (("entity", "vm"), ("size", rk.Between(1, 64)))
    assert repr(listing) == (
        "Inventory('2026-03-11T00:00:00Z', [], close='snapshot', accounts=['a', 'b'], "
        "where={'entity': 'vm', 'size': Between(1, 64)}, id='x')"
    )
    assert repr(rk.Inventory(AT, [])) == "Inventory('2026-03-11T00:00:00Z', [], close='snapshot')"
    assert listing == rk.Inventory(
        AT, [], accounts=["a", "b"], where={"entity": "vm", "size": rk.Between(1, 64)}, id="x"
    )
    assert hash(listing) == hash(
        rk.Inventory(
            AT, [], accounts=["b", "a"], where={"size": rk.Between(1, 64), "entity": "vm"}, id="x"
        )
    )
    assert listing != rk.Inventory(AT, [], accounts=["a"], where={"entity": "vm"}, id="x")
    # An unscoped inventory covers every resource.
    assert rk.Inventory(AT, []).covers("z", "r", {})


def test_rows_carry_the_scope() -> None:
    listing = rk.Inventory(
        AT, [("acme", "vm-1")], accounts=["acme"], where={"entity": "vm", "size": rk.AtLeast(2)}
    )
    row = rk.to_row(listing)
    assert row["accounts"] == ["acme"]
    assert row["where"] == [["entity", "vm"], ["size", {"type": "AtLeast", "bound": "2"}]]
    assert rk.to_row(rk.Inventory(AT, []))["accounts"] is None


# -- the rater's record codec --------------------------------------------------------------


def test_the_snapshot_codec_carries_the_scope_and_reads_old_inventories() -> None:
    scoped = rk.Inventory(
        AT,
        {("acme", "vm-1"): {"entity": "vm"}},
        accounts=["acme"],
        where={"entity": "vm", "size": rk.OneOf([1, "2", Decimal("2.5")]), "tier": rk.Below(3)},
        close="last_seen",
        id="x",
    )
    encoded = json.loads(json.dumps(_snapshot.encode_record(scoped)))
    assert encoded[5:] == [
        ["acme"],
        [
            ["entity", "vm"],
            ["size", {"condition": ["OneOf", [{"decimal": "2.5"}, 1, "2"]]}],
            ["tier", {"condition": ["Below", "3"]}],
        ],
    ]
    assert _snapshot.decode_record(encoded) == scoped
    # An unscoped inventory is written as before (five fields; its digest is unchanged),
    # and one written before scopes reads back unscoped.
    old = ["I", 1773187200000000, [["acme", "vm-1", {}]], "snapshot", "old"]
    assert _snapshot.encode_record(rk.Inventory(AT, [("acme", "vm-1")], id="old")) == old
    assert _snapshot.decode_record(old) == rk.Inventory(AT, [("acme", "vm-1")], id="old")
    with pytest.raises(TypeError, match=r"^an inventory must be .* or \[\.\.\., accounts, where\]"):
        _snapshot.decode_record([*old, ["acme"]])
    with pytest.raises(ValueError, match=r"a stored condition is not one ratekit writes"):
        _snapshot.decode_record([*old, None, [["size", {"condition": ["Satisfies", "x"]}]]])


# -- batch, carried state, the rater: one rule ---------------------------------------------

PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
        rk.PriceEntry("volume", "volume.gb.hours", rk.PerUnit("0.0001")),
        rk.PriceEntry("app", "app.memory", rk.PerUnit("0.00001")),
    ],
)
LISTING = rk.Inventory(
    AT,
    {("acme", "vm-1"): {"entity": "vm"}},
    accounts=["acme"],
    where={"entity": "vm"},
    id="acme-vms",
)


def test_metering_with_carried_state_gives_the_batch_quantities() -> None:
    later = rk.Inventory(
        "2026-03-20T00:00:00Z", {("acme", "vm-1"): {"entity": "vm"}}, accounts=["acme"],
        where={"entity": "vm"}, id="acme-vms-20",
    )  # fmt: skip
    batch = quantities(metered([*FLEET, later]))
    first_half = rk.Span(T0, "2026-03-15T00:00:00Z")
    rest = rk.Span("2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z")
    one = rk.meter(FLEET, METERS, span=first_half, cycle=MONTHLY, as_of=first_half.end)
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in one.state]
    two = rk.meter([later], METERS, span=rest, cycle=MONTHLY, as_of=rest.end, state=state)
    total: dict[tuple[str, str], Decimal] = {}
    for row in (*one.rows, *two.rows):
        total[row.meter, row.resource] = (
            total.get((row.meter, row.resource), Decimal(0)) + row.quantity
        )
    assert total == batch
    # vm-2 alone is closed, on the 20th: 19 days * 24 = 456 h; the rest run 744 h.
    assert batch[("vm.hours", "vm-2")] == Decimal(456)
    assert batch[("vm.hours", "vm-9")] == Decimal(744)
    assert batch[("volume.gb.hours", "vol-1")] == Decimal(37200)
    assert [(a.kind, a.record_ids) for a in two.anomalies] == [
        ("reconciled_close", ("acme-vms-20", "e2"))
    ]


def test_the_rater_fed_a_scoped_listing_late_and_restored_equals_batch() -> None:
    rater = rk.Rater(PLAN, METERS, start=T0)
    rater.feed(FLEET)
    lines = list(rater.statement("2026-03-12T00:00:00Z").lines)
    rater.feed([LISTING])
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    for one in (rater, restored):
        statement = one.statement(MARCH.end)
        batch = rk.rate([*FLEET, LISTING], PLAN, span=MARCH, meters=METERS)
        assert sums([*lines, *statement.lines]) == batch_sums(batch.charges)
        # Only vm-2 is closed: the other account's VM, the volume and the app are not.
        closes = [(a.kind, a.record_ids) for a in statement.anomalies]
        assert closes == [("reconciled_close", ("acme-vms", "e2"))]
    assert restored._inventories == [LISTING]


# -- the law: a scope is the same as metering, per scope, what is in it ---------------------

ACCOUNTS = ("a", "b", "c")


@st.composite
def fleets(draw: st.DrawFn) -> tuple[list[rk.Event], rk.Inventory, int]:
    """Resources of three accounts, VMs and volumes, that start, move zone, stop, delete.

    Then an inventory on a random day with a random scope (some accounts, an entity, a
    zone, or none), listing some resources of its accounts.
    """
    rng = random.Random(draw(st.integers(0, 2**32)))
    events: list[rk.Event] = []
    keys: list[tuple[str, str]] = []
    for number in range(rng.randint(1, 6)):
        account = rng.choice(ACCOUNTS)
        entity = rng.choice(("vm", "volume"))
        resource = f"{entity}-{number}"
        keys.append((account, resource))
        day = rng.randint(1, 6)
        kind: EventKind = "start"
        for step in range(rng.randint(1, 4)):
            attributes: dict[str, object] = {"zone": rng.choice(("x", "y"))}
            if step == 0:
                attributes |= {"entity": entity, "disk_size": rng.randint(1, 9)}
            at = f"2026-03-{day:02d}T{rng.choice((0, 12)):02d}:00:00Z"
            events.append(
                rk.Event(account, resource, at, attributes, kind=kind, id=f"{resource}-{step}")
            )
            kind = rng.choice(("update", "update", "start", "stop", "delete"))
            if kind == "delete":
                events.append(
                    rk.Event(
                        account,
                        resource,
                        f"2026-03-{day + 7:02d}T06:00:00Z",
                        kind="delete",
                        id=f"{resource}-d",
                    )
                )
                break
            day += rng.randint(1, 5)
    accounts = None if rng.random() < 0.3 else sorted(set(rng.sample(ACCOUNTS, rng.randint(1, 2))))
    where = rng.choice(
        (None, {"entity": "vm"}, {"zone": "x"}, {"zone": rk.OneOf(["x"]), "entity": "volume"})
    )
    inventory_day = rng.randint(2, 28)
    listed = [k for k in keys if (accounts is None or k[0] in accounts) and rng.random() < 0.4]
    if rng.random() < 0.3 and accounts is not None:
        listed.append((accounts[0], "fresh"))  # unknown: opened
    close: typing.Literal["snapshot", "last_seen"] = rng.choice(("snapshot", "last_seen"))
    inventory = rk.Inventory(
        f"2026-03-{inventory_day:02d}T06:00:00Z", listed, accounts=accounts, where=where, close=close, id="inv"
    )  # fmt: skip
    return events, inventory, inventory_day


def described_at(events: list[rk.Event], at_us: int) -> dict[str, object]:
    """A resource's description from ``at_us`` on, by brute force (its events in time order).

    A stop of a stopped resource and any event after a delete are ignored, as metering
    ignores them (duplicates); a delete leaves no description.
    """
    description: dict[str, object] = {}
    status = "unknown"
    for event in sorted(events, key=lambda e: e.at_us):
        if event.at_us > at_us:
            break
        if status == "deleted" or (event.kind == "stop" and status == "stopped"):
            continue
        if event.kind == "delete":
            description, status = {}, "deleted"
            continue
        description |= dict(event.attributes)
        if event.kind != "update" or status == "unknown":  # an update keeps a stop
            status = "stopped" if event.kind == "stop" else "running"
    return description


@settings(max_examples=LAWS, deadline=None)
@given(fleets())
def test_a_scoped_inventory_meters_as_its_scope_with_a_whole_one_and_the_rest_with_none(
    drawn: tuple[list[rk.Event], rk.Inventory, int],
) -> None:
    events, inventory, _ = drawn
    by_key: dict[tuple[str, str], list[rk.Event]] = {}
    for event in events:
        by_key.setdefault((event.account, event.resource), []).append(event)
    listed = {(a, r) for a, r, _ in inventory.resources}

    def in_scope(key: tuple[str, str]) -> bool:
        if key in listed:
            return True
        if inventory.accounts is not None and key[0] not in inventory.accounts:
            return False
        description = described_at(by_key[key], inventory.at_us)
        return all(
            path in description
            and (condition.test(description[path]) if isinstance(condition, rk.OneOf) else description[path] == condition)
            for path, condition in inventory.where
        )  # fmt: skip

    inside = [e for e in events if in_scope((e.account, e.resource))]
    outside = [e for e in events if not in_scope((e.account, e.resource))]
    whole = rk.Inventory(
        inventory.at, [(a, r) for a, r, _ in inventory.resources], close=inventory.close, id="inv"
    )
    scoped = metered([*events, inventory])
    apart = [metered([*inside, whole]), metered(outside)]
    assert sorted(scoped.rows, key=repr) == sorted((r for u in apart for r in u.rows), key=repr)
    assert sorted(scoped.anomalies, key=repr) == sorted(
        (a for u in apart for a in u.anomalies), key=repr
    )


# -- the rater's closings into compacted cycles: only in scope ------------------------------

DAILY = rk.Plan(
    "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "hours", rk.PerUnit(1))]
)


def test_a_scoped_last_seen_closing_into_compacted_cycles_is_said_only_in_scope() -> None:
    import datetime as dt

    # Daily cycles, one hour of horizon: on 5 March 06:00, 1 to 3 March are compacted.
    rater = rk.Rater(DAILY, [HOURS], start=T0, horizon=dt.timedelta(hours=1))
    rater.feed(
        [
            rk.Event("acme", "vm-9", "2026-03-01T12:00:00Z", {"entity": "vm"}, kind="start", id="s9"),
            rk.Event("acme", "vol-9", "2026-03-01T12:00:00Z", {"entity": "volume"}, kind="start", id="v9"),
            rk.Event("other", "vm-8", "2026-03-01T12:00:00Z", {"entity": "vm"}, kind="start", id="s8"),
        ]
    )  # fmt: skip
    for day in range(2, 6):
        rater.statement(f"2026-03-0{day}T06:00:00Z")
    # The other account's listing comes first and covers nothing of acme's; acme's VM
    # listing then closes vm-9 alone, back at its start (its last sign of life).
    feed = rater.feed(
        [
            rk.Inventory("2026-03-05T04:00:00Z", [("other", "vm-8")], accounts=["other"], close="last_seen", id="o"),
            rk.Inventory("2026-03-05T05:00:00Z", [], accounts=["acme"], where={"entity": "vm"}, close="last_seen", id="a"),
        ]
    )  # fmt: skip
    # 1 March 12:00 to 4 March 00:00: 12 + 24 + 24 = 60 hours, compacted, stays billed.
    assert [(x.kind, x.record_ids) for x in feed.anomalies] == [("too_late", ("a",))]
    assert "closes 'vm-9' of 'acme'" in feed.anomalies[0].message
    assert "(60 hours running)" in feed.anomalies[0].message
    lines = rater.statement("2026-03-06T06:00:00Z").lines
    net: dict[tuple[str, str], Decimal] = {}
    for x in lines:
        key = (x.key[7], f"{x.cycle.start:%d}")
        net[key] = net.get(key, Decimal(0)) + x.quantity
    # vm-9's kept hours are given back: 24 of 4 March, 6 of 5 March. vol-9 and vm-8 run
    # on: 5 March had 6 h by the last statement, 24 now (+18), and 6 h of 6 March.
    assert net == {
        ("vm-9", "04"): Decimal(-24),
        ("vm-9", "05"): Decimal(-6),
        ("vol-9", "05"): Decimal(18),
        ("vol-9", "06"): Decimal(6),
        ("vm-8", "05"): Decimal(18),
        ("vm-8", "06"): Decimal(6),
    }


@pytest.mark.parametrize(("accounts", "said"), [(["acme"], 1), (["other"], 0)])
def test_a_late_event_moves_a_scoped_closing_only_in_scope(accounts: list[str], said: int) -> None:
    # The streaming page's VM of 1 March 23:45, closed (or not: another account's listing)
    # by an inventory of 3 March, whose stop of 3 March 10:00 comes after 1 March is
    # compacted (daily cycles, no horizon).
    rater = rk.Rater(DAILY, [HOURS], start=T0)
    rater.feed(
        [
            rk.Event("acme", "vm-7", "2026-03-01T23:45:00Z", kind="start", id="s7"),
            rk.Inventory("2026-03-03T12:00:00Z", [], accounts=accounts, close="last_seen", id="inv7"),
        ]
    )  # fmt: skip
    for at in ("2026-03-02T00:00:00Z", "2026-03-03T13:00:00Z"):
        rater.statement(at)
    feed = rater.feed([rk.Event("acme", "vm-7", "2026-03-03T10:00:00Z", kind="stop", id="x7")])
    assert [(a.kind, a.record_ids) for a in feed.anomalies] == [("too_late", ("x7", "inv7"))] * said
    # In scope, the inventory had closed vm-7 at 1 March 23:45 (2 and 3 March billed
    # nothing); the stop moves the closing: 24 h of 2 March (late) + 10 h of 3 March = 34.
    # Out of scope, 2 March was billed 24 h and 3 March 13 h by 13:00; the stop at 10:00
    # takes 3 h back: -3.
    total = sum(x.amount for x in rater.statement("2026-03-04T00:00:00Z").lines)
    assert total == (Decimal(34) if said else Decimal(-3))


@pytest.mark.parametrize(
    "listing",
    [
        rk.Inventory("2026-03-05T00:00:00Z", [("a", "x")], accounts=["a"], id="a-only"),
        rk.Inventory("2026-03-05T00:00:00Z", [], where={"zone": "z9"}, id="nowhere"),
    ],
    ids=["another account", "no description matches"],
)
def test_a_listing_out_of_scope_leaves_the_resources_history_to_reorder(
    listing: rk.Inventory,
) -> None:
    # Account b's VM runs from 1 Mar; an update on 6 Mar; its stop, stamped 4 Mar,
    # arrives in the next call. An inventory settles the history of the resources it
    # covers only: b's state keeps its events, so the late stop is placed before the
    # update, as one call places it: 1 Mar -> 4 Mar = 3 days * 24 = 72 h (the late rows
    # take back 4 Mar -> 10 Mar, 6 * 24 = 144 h). It used to be 120 h: the update was
    # settled, so the stop counted only from it (-96 h), with a false out_of_order.
    start = rk.Event("b", "r2", "2026-03-01T00:00:00Z", {"entity": "vm"}, kind="start", id="b1")
    update = rk.Event(
        "b", "r2", "2026-03-06T00:00:00Z", {"entity": "vm", "size": 2}, kind="update", id="b2"
    )
    stop = rk.Event("b", "r2", "2026-03-04T00:00:00Z", kind="stop", id="b3")
    other = rk.Event("a", "x", "2026-03-01T00:00:00Z", {"entity": "vm"}, kind="start", id="a1")
    first = rk.Span(T0, "2026-03-10T00:00:00Z")
    rest = rk.Span("2026-03-10T00:00:00Z", "2026-04-01T00:00:00Z")
    one = rk.meter(
        [start, update, other, listing], [HOURS], span=first, cycle=MONTHLY, as_of=first.end
    )
    two = rk.meter([stop], [HOURS], span=rest, cycle=MONTHLY, as_of=rest.end, state=one.state)
    b_rows = [row for row in (*one.rows, *two.rows, *two.late) if row.account == "b"]
    assert sum(row.quantity for row in b_rows) == Decimal(72)
    # per description: 4 Mar -> 6 Mar as a plain vm (2 * 24 = 48 h), 6 Mar -> 10 Mar
    # as size 2 (4 * 24 = 96 h), each priced as it was metered
    assert sorted((row.quantity, dict(row.description)) for row in two.late) == [
        (Decimal(-96), {"entity": "vm", "size": 2}),
        (Decimal(-48), {"entity": "vm"}),
    ]
    assert [a.kind for a in two.anomalies] == ["late", "late"]
    batch = rk.meter(
        [start, update, stop, other, listing], [HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end
    )
    assert sum(row.quantity for row in batch.rows if row.account == "b") == Decimal(72)
