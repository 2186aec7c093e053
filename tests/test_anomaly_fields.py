"""Anomaly's account, resource and at: whom and when an anomaly is about, as values.

Each kind that metering, rating and the rater report carries the account and resource of
the records it names and the instant its rule applied (see the Anomaly docstring for the
rule per kind); the constructor takes them by keyword and refuses bad ones by name; the
rater's snapshot, rows and the scale-out wire form keep them, and a snapshot written
before them still restores.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._rater_streams import CYCLE, T0, records, run
from tests._rater_streams import METERS as STREAM_METERS

import ratekit as rk
from ratekit import _wire
from ratekit._instants import to_us

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
CTR = rk.Meter("ctr", "GB", rk.Counter())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
DAILY_PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07"))]
)

Placed = tuple[str, tuple[str, ...], "str | None", "str | None", "str | None"]


def _placed(anomalies: typing.Iterable[rk.Anomaly]) -> list[Placed]:
    return [
        (a.kind, a.record_ids, a.account, a.resource, None if a.at is None else a.at.isoformat())
        for a in anomalies
    ]


# -- the door ------------------------------------------------------------------------------


def test_the_fields_are_optional_and_the_old_constructor_still_works() -> None:
    anomaly = rk.Anomaly("duplicate", "event 'e1' seen twice.", ("e1",))
    assert (anomaly.account, anomaly.resource, anomaly.at_us, anomaly.at) == (
        None,
        None,
        None,
        None,
    )
    assert repr(anomaly) == "Anomaly('duplicate', \"event 'e1' seen twice.\", record_ids=('e1',))"


def test_the_fields_are_kept_and_shown() -> None:
    # 2026-03-01T10:00:00+01:00 is 09:00 UTC: 1772355600 s after the epoch.
    anomaly = rk.Anomaly(
        "orphan_stop", "m", ("e1",), account="acme", resource="vm-1", at="2026-03-01T10:00:00+01:00"
    )
    assert anomaly.at_us == 1_772_355_600_000_000
    assert anomaly.at == dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    assert repr(anomaly) == (
        "Anomaly('orphan_stop', 'm', record_ids=('e1',), account='acme', resource='vm-1', "
        "at='2026-03-01T09:00:00Z')"
    )
    # Only what is set is shown.
    assert repr(rk.Anomaly("tie", "m", resource="vm-1")) == "Anomaly('tie', 'm', resource='vm-1')"
    # The same instant given otherwise is the same anomaly; another account is another.
    again = rk.Anomaly(
        "orphan_stop",
        "m",
        ("e1",),
        account="acme",
        resource="vm-1",
        at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    )
    assert again == anomaly
    assert hash(again) == hash(anomaly)
    assert rk.Anomaly("orphan_stop", "m", ("e1",), account="other", resource="vm-1") != anomaly


def test_the_fields_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        rk.Anomaly("tie", "m", (), "acme")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"account": ""},
            rk.RatekitTypeError,
            "Anomaly account must be a non-empty string or None, not str: ''.",
        ),
        (
            {"account": 7},
            rk.RatekitTypeError,
            "Anomaly account must be a non-empty string or None, not int: 7.",
        ),
        (
            {"resource": ("vm",)},
            rk.RatekitTypeError,
            "Anomaly resource must be a non-empty string or None, not tuple: ('vm',).",
        ),
        (
            {"at": 1_772_355_600_000_000},
            rk.RatekitTypeError,
            (
                "Anomaly at must be an aware datetime or an ISO-8601 string with an offset, "
                "not int: 1772355600000000; for an epoch time n, give datetime(1970, 1, 1, "
                "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) "
                "for microseconds. attrs.evolve gives an anomaly's at_us (epoch microseconds) "
                "back as at: give the instant with the changes, attrs.evolve(anomaly, ..., "
                "at=anomaly.at)."
            ),
        ),
        (
            {"at": "2026-03-01T10:00:00"},
            rk.BadTimeError,
            (
                "Anomaly at '2026-03-01T10:00:00' has no UTC offset; ratekit compares instants, "
                "so write it with an offset or 'Z', e.g. '2026-03-01T10:00:00Z'."
            ),
        ),
        (
            {"at": dt.datetime(2026, 3, 1, 10)},  # noqa: DTZ001 - the naive datetime refused
            rk.BadTimeError,
            (
                "Anomaly at '2026-03-01T10:00:00' is a naive datetime; ratekit compares instants, "
                "so give it a timezone, e.g. datetime(..., tzinfo=datetime.UTC) or "
                "pendulum.datetime(..., tz='Europe/Zurich')."
            ),
        ),
    ],
)
def test_a_bad_field_is_refused_by_name(
    kwargs: dict[str, object], error: type[rk.RatekitError], message: str
) -> None:
    with pytest.raises(error) as caught:
        rk.Anomaly("tie", "m", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


# -- each kind, from metering, rating and the rater -----------------------------------------

# Hand-written: each record makes one anomaly, at an instant of its own.
MESSY = [
    rk.Event("a1", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),
    rk.Event("a1", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),  # replay
    rk.Event("a1", "vm-1", "2026-03-02T08:30:00Z", kind="start", id="e1"),  # other content
    rk.Event("a1", "vm-1", "2026-03-02T09:00:00Z", kind="start", id="e2"),  # running already
    rk.Event("a1", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="e3"),
    rk.Event("a1", "vm-1", "2026-03-02T11:00:00Z", kind="stop", id="e4"),  # stopped already
    rk.Event("a2", "vm-2", "2026-03-02T12:00:00Z", kind="stop", id="e5"),  # never started
    rk.Event("a1", "vm-3", "2026-03-02T13:00:00Z", kind="start", id="e6", seq=1),
    rk.Event("a1", "vm-3", "2026-03-02T12:30:00Z", kind="stop", id="e7", seq=2),  # stamped before
    rk.Event("a1", "vm-4", "2026-03-02T14:00:00Z", kind="start", id="e8"),
    rk.Event("a1", "vm-4", "2026-03-02T15:00:00Z", kind="delete", id="e9"),
    rk.Event("a1", "vm-4", "2026-03-02T16:00:00Z", {"flavor": "x"}, id="e10"),  # after delete
    rk.Sample("a1", "ip-1", "ctr", "2026-03-03T00:00:00Z", 100, kind="counter", id="c1"),
    rk.Sample("a1", "ip-1", "ctr", "2026-03-03T01:00:00Z", 40, kind="counter", id="c2"),  # reset
    rk.Event("a1", "vm-5", "2026-03-04T00:00:00Z", kind="start", id="e11"),
    rk.Event("a1", "vm-5", "2026-03-04T00:00:00Z", kind="stop", id="e12"),  # tie, no seq
    rk.Event("a3", "vm-7", "2026-03-04T12:00:00Z", {"flavor": "s"}, kind="start", id="e13"),
    rk.Event("a3", "vm-8", "2026-03-04T12:00:00Z", kind="start", id="e14"),
    # i1 (scope a3) opens vm-6, corrects vm-7's flavor, closes vm-8; it is replayed.
    rk.Inventory(
        "2026-03-05T00:00:00Z",
        {("a3", "vm-6"): {}, ("a3", "vm-7"): {"flavor": "l"}},
        accounts=["a3"],
        id="i1",
    ),
    rk.Inventory(
        "2026-03-05T00:00:00Z",
        {("a3", "vm-6"): {}, ("a3", "vm-7"): {"flavor": "l"}},
        accounts=["a3"],
        id="i1",
    ),
    # vm-9's last sign of life is s1 at 09:00: i2 closes it there, not at its 6 March.
    rk.Event("a4", "vm-9", "2026-03-05T06:00:00Z", kind="start", id="e15"),
    rk.Sample("a4", "vm-9", "egress", "2026-03-05T09:00:00Z", 3, id="s1"),
    rk.Inventory("2026-03-06T00:00:00Z", [], close="last_seen", accounts=["a4"], id="i2"),
    # s2 spreads 6 GB over 28 Feb 23:00 .. 1 March 01:00: half of it before March.
    rk.Sample(
        "a1", "ip-2", "egress", "2026-03-01T01:00:00Z", 6, since="2026-02-28T23:00:00Z", id="s2"
    ),
]


def test_metering_names_the_account_resource_and_instant_of_each_kind() -> None:
    usage = rk.meter(
        MESSY,
        [VM, CTR, EGRESS],
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-04-01T00:00:00Z",
        conflicts="anomaly",
    )
    assert _placed(usage.anomalies) == [
        # before_span: at the span's start, where the part not billed ends.
        ("before_span", ("s2",), "a1", "ip-2", "2026-03-01T00:00:00+00:00"),
        # conflict: the instant of the copy ignored. Of e1's versions the 08:30 start
        # stands (content digest 0755fbc2... < 336cea6e... of the 08:00 one, whatever the
        # order listed), so each 08:00 copy is a conflict (before: the first listed, 08:00,
        # stood; its replay was a duplicate and the 08:30 start the conflict).
        ("conflict", ("e1",), "a1", "vm-1", "2026-03-02T08:00:00+00:00"),
        ("conflict", ("e1",), "a1", "vm-1", "2026-03-02T08:00:00+00:00"),
        ("duplicate_start", ("e2", "e1"), "a1", "vm-1", "2026-03-02T09:00:00+00:00"),
        ("duplicate_stop", ("e4", "e3"), "a1", "vm-1", "2026-03-02T11:00:00+00:00"),
        ("orphan_stop", ("e5",), "a2", "vm-2", "2026-03-02T12:00:00+00:00"),
        # out_of_order: stamped 12:30, it takes effect at 13:00, e6's instant.
        ("out_of_order", ("e7", "e6"), "a1", "vm-3", "2026-03-02T13:00:00+00:00"),
        ("after_delete", ("e10", "e9"), "a1", "vm-4", "2026-03-02T16:00:00+00:00"),
        # counter_reset: the latest reading involved, c2.
        ("counter_reset", ("c2", "c1"), "a1", "ip-1", "2026-03-03T01:00:00+00:00"),
        ("tie", ("e11", "e12"), "a1", "vm-5", "2026-03-04T00:00:00+00:00"),
        # An inventory's own replay is about no one account.
        ("duplicate", ("i1",), None, None, "2026-03-05T00:00:00+00:00"),
        ("reconciled_open", ("i1",), "a3", "vm-6", "2026-03-05T00:00:00+00:00"),
        ("reconciled_update", ("i1", "e13"), "a3", "vm-7", "2026-03-05T00:00:00+00:00"),
        ("reconciled_close", ("i1", "e14"), "a3", "vm-8", "2026-03-05T00:00:00+00:00"),
        # reconciled_close at the last sign of life: 5 March 09:00, not the inventory's 6th.
        ("reconciled_close", ("i2", "e15"), "a4", "vm-9", "2026-03-05T09:00:00+00:00"),
    ]


def test_a_late_record_is_about_the_start_of_the_span_it_changes() -> None:
    # vm-1 started 2 March 08:00 and was metered up to 3 March 00:00 running; e2 stops it
    # at 10:00, late: it takes back 10:00 .. 00:00, 14 hours, from that instant on.
    first = rk.meter(
        [rk.Event("a1", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1")],
        [VM],
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-03-03T00:00:00Z",
    )
    second = rk.meter(
        [rk.Event("a1", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="e2")],
        [VM],
        span=rk.Span("2026-03-03T00:00:00Z", MARCH.end),  # from the first call's clock
        cycle=MONTHLY,
        as_of="2026-03-04T00:00:00Z",
        state=first.state,
    )
    assert [str(row.quantity) for row in second.late] == ["-14"]
    assert _placed(second.anomalies) == [
        ("late", ("e2",), "a1", "vm-1", "2026-03-02T10:00:00+00:00")
    ]


def test_a_reset_found_again_from_a_state_has_the_instant_metering_at_once_gives() -> None:
    # c1 (100 at 00:00) and c3 (150 at 02:00) were metered; c2 (40 at 01:00) comes later,
    # between them: 40 < 100 is a reset at c2, 01:00, as when all three come at once
    # (not the second call's span start).
    c1, c2, c3 = (
        rk.Sample("a1", "ip-1", "ctr", f"2026-03-03T0{hour}:00:00Z", value, kind="counter", id=i)
        for hour, value, i in ((0, 100, "c1"), (1, 40, "c2"), (2, 150, "c3"))
    )
    first = rk.meter([c1, c3], [CTR], span=MARCH, cycle=MONTHLY, as_of="2026-03-03T12:00:00Z")
    second = rk.meter(
        [c2],
        [CTR],
        span=rk.Span("2026-03-03T12:00:00Z", MARCH.end),  # from the first call's clock
        cycle=MONTHLY,
        as_of="2026-03-04T00:00:00Z",
        state=first.state,
    )
    once = rk.meter([c1, c2, c3], [CTR], span=MARCH, cycle=MONTHLY, as_of="2026-03-04T00:00:00Z")
    expected = [("counter_reset", ("c2", "c1"), "a1", "ip-1", "2026-03-03T01:00:00+00:00")]
    assert _placed(once.anomalies) == expected
    # In calls, c2 is late too (before the clock, 12:00): at once the counter counts 40 +
    # 110 = 150, the first call 50, so +100 late, changed from c1's instant on.
    assert _placed(second.anomalies) == [
        ("late", ("c1", "c2", "c3"), "a1", "ip-1", "2026-03-03T00:00:00+00:00"),
        *expected,
    ]
    assert [row.quantity for row in second.late] == [100]


def test_unpriced_usage_is_about_its_row_from_the_start_of_what_is_not_priced() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [], unpriced="anomaly")
    usage = rk.meter(
        [
            rk.Event("a1", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),
            rk.Event("a1", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="e2"),
        ],
        [VM],
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-04-01T00:00:00Z",
    )
    rating = rk.rate(usage.rows, plan, span=MARCH)
    assert _placed(rating.anomalies) == [
        ("unpriced", ("e1", "e2"), "a1", "vm-1", "2026-03-02T08:00:00+00:00")
    ]


def test_the_rater_names_the_account_resource_and_instant_too() -> None:
    rater = rk.Rater(DAILY_PLAN, [VM], start="2026-03-01T00:00:00Z")
    feed = rater.feed(
        [
            rk.Event("a1", "vm-0", "2026-02-27T08:00:00Z", kind="start", id="e0"),  # before start
            rk.Event("a1", "vm-1", "2026-03-01T08:00:00Z", kind="start", id="e1"),
            rk.Event("a1", "vm-1", "2026-03-01T09:00:00Z", kind="stop", id="e2"),
            rk.Event("a1", "vm-1", "2026-03-01T10:00:00Z", kind="stop", id="e3"),
            rk.Inventory("2026-02-27T00:00:00Z", [], id="i0"),  # before start, of no one
        ]
    )
    # The inventory is not reconciled with vm-0, whose state (placed by e0) has a sign of
    # life after it: its anomaly names vm-0.
    assert _placed(feed.anomalies) == [
        ("too_late", ("e0",), "a1", "vm-0", "2026-02-27T08:00:00+00:00"),
        ("too_late", ("i0",), "a1", "vm-0", "2026-02-27T00:00:00+00:00"),
    ]
    statement = rater.statement("2026-03-02T00:00:00Z")  # the feed said the too_late ones
    assert _placed(statement.anomalies) == [
        ("duplicate_stop", ("e3", "e2"), "a1", "vm-1", "2026-03-01T10:00:00+00:00")
    ]


def test_the_rater_says_the_same_anomaly_of_two_accounts_resources_of_one_name() -> None:
    # a1 and a2 each have a resource named "vm", and events without ids: each stops it
    # twice, at the same instants. Metering gives two duplicate_stop anomalies, one per
    # account; the rater says both (it once took them for one, the same message).
    stream = [
        rk.Event(account, "vm", at, kind=kind)
        for account in ("a1", "a2")
        for at, kind in (
            ("2026-03-01T08:00:00Z", "start"),
            ("2026-03-01T09:00:00Z", "stop"),
            ("2026-03-01T10:00:00Z", "stop"),
        )
    ]
    batch = rk.meter(
        stream, [VM], span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"), cycle=None,
        as_of="2026-03-02T00:00:00Z",
    )  # fmt: skip
    rater = rk.Rater(DAILY_PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed(stream)
    said = rater.statement("2026-03-02T00:00:00Z").anomalies
    expected = [
        ("duplicate_stop", (), "a1", "vm", "2026-03-01T10:00:00+00:00"),
        ("duplicate_stop", (), "a2", "vm", "2026-03-01T10:00:00+00:00"),
    ]
    assert _placed(batch.anomalies) == expected
    assert sorted(_placed(said), key=repr) == expected


# -- kept: snapshot, rows, wire -------------------------------------------------------------


def test_a_snapshot_keeps_the_fields_and_one_written_before_them_restores() -> None:
    rater = rk.Rater(DAILY_PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a1", "vm-1", "2026-03-01T08:00:00Z", kind="start", id="e1"),
            rk.Event("a1", "vm-1", "2026-03-01T09:00:00Z", kind="stop", id="e2"),
            rk.Event("a1", "vm-1", "2026-03-01T10:00:00Z", kind="stop", id="e3"),
        ]
    )
    said = rater.statement("2026-03-01T12:00:00Z").anomalies
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["anomalies"] == [
        [
            "duplicate_stop",
            said[0].message,
            ["e3", "e2"],
            "a1",
            "vm-1",
            to_us("2026-03-01T10:00:00Z"),
        ]
    ]
    restored = rk.Rater.restore(data, DAILY_PLAN, [VM])
    assert restored.snapshot() == data
    # A snapshot written before anomalies had these fields: [kind, message, ids] only.
    # It restores, its anomaly with none; said already, it is not said again.
    old = json.loads(json.dumps(data))
    old["body"]["anomalies"] = [item[:3] for item in old["body"]["anomalies"]]
    resealed = _resealed(old)
    back = rk.Rater.restore(resealed, DAILY_PLAN, [VM])
    assert back.snapshot()["body"]["anomalies"] == [
        ["duplicate_stop", said[0].message, ["e3", "e2"], None, None, None]
    ]
    assert back.statement("2026-03-01T13:00:00Z").anomalies == ()
    assert rater.statement("2026-03-01T13:00:00Z").anomalies == ()


def _resealed(data: dict[str, typing.Any]) -> dict[str, typing.Any]:
    from ratekit import _snapshot

    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    return data


@pytest.mark.parametrize(
    ("item", "why"),
    [
        (
            ["tie", "m", [], "a1", "vm"],
            (
                "an anomaly must be [kind, message, [record id, ...], account, resource, at_us, "
                "meter, quantity] (or its first three or six), not ['tie', 'm', [], 'a1', 'vm']"
            ),
        ),
        (
            ["tie", "m", [], "", None, None],
            "Anomaly account must be a non-empty string or None, not str: ''.",
        ),
        (
            ["tie", "m", [], None, None, 1.5],
            "an anomaly's at_us must be an int of microseconds since the epoch, not float: 1.5.",
        ),
    ],
)
def test_a_snapshot_refuses_a_malformed_anomaly_naming_it(item: list[object], why: str) -> None:
    rater = rk.Rater(DAILY_PLAN, [VM], start="2026-03-01T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["anomalies"] = [item]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), DAILY_PLAN, [VM])
    assert str(caught.value) == (
        f"Rater snapshot body is malformed (at body.anomalies[0]: {why}); restore an "
        "unaltered copy."
    )


def test_rows_carry_the_fields_and_come_back() -> None:
    anomaly = rk.Anomaly(
        "orphan_stop", "m", ("e1",), account="acme", resource="vm-1", at="2026-03-01T09:00:00Z"
    )
    row = rk.to_row(anomaly)
    assert row == {
        "kind": "orphan_stop",
        "message": "m",
        "record_ids": ["e1"],
        "account": "acme",
        "resource": "vm-1",
        "at": "2026-03-01T09:00:00Z",
        "meter": None,
        "quantity": None,
    }
    assert rk.from_row(rk.Anomaly, json.loads(json.dumps(row))) == anomaly
    # A row written before the fields (no such keys) comes back with none.
    assert rk.from_row(rk.Anomaly, {"kind": "tie", "message": "m", "record_ids": []}) == (
        rk.Anomaly("tie", "m")
    )
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Anomaly, {**row, "at": "2026-03-01T09:00:00"}, path="anomalies[0]")
    assert str(caught.value).startswith("anomalies[0].at: instant '2026-03-01T09:00:00' has no UTC")


def test_the_scale_out_wire_form_carries_the_fields() -> None:
    placed = rk.Anomaly(
        "unpriced", "m", ("e1",), account="acme", resource="vm-1", at="2026-03-01T09:00:00Z"
    )
    bare = rk.Anomaly("policy", "a note")
    rating = rk.Rating((), [placed, bare], ())
    back = _wire.decode(_wire.encode((rating, (), frozenset({"acme"}), {})))
    assert back[0].anomalies == (placed, bare)
    assert _placed(back[0].anomalies) == _placed([placed, bare])


# -- the law: an anomaly is about the records it names ---------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), anonymous=st.booleans(), last_seen=st.booleans())
def test_an_anomaly_names_the_account_and_resource_of_its_first_record(
    seed: int, anonymous: bool, last_seen: bool
) -> None:
    rng = random.Random(seed)
    stream = records(rng, anonymous=anonymous, last_seen=last_seen, sequenced=rng.random() < 0.5)
    span = rk.Span.from_us(T0, T0 + 4 * 86_400_000_000)
    usage = rk.meter(
        stream, STREAM_METERS, span=span, cycle=CYCLE, as_of=span.end, conflicts="anomaly"
    )
    # The oracle: each record looked up by id, by brute force.
    events_and_samples = [r for r in stream if not isinstance(r, rk.Inventory)]
    inventories = {r.id for r in stream if isinstance(r, rk.Inventory)}
    for anomaly in usage.anomalies:
        assert anomaly.at_us is not None
        if not anomaly.record_ids:
            continue
        first = anomaly.record_ids[0]
        if first in inventories:
            # An inventory reconciles resources it names (or not): one of its accounts'.
            assert (anomaly.account is None) == (anomaly.kind in {"duplicate", "conflict"})
            continue
        owners = {(r.account, r.resource) for r in events_and_samples if r.id == first}
        assert owners == {(anomaly.account, anomaly.resource)}, anomaly


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), last_seen=st.booleans())
def test_the_rater_names_the_account_and_resource_of_the_first_record_too(
    seed: int, last_seen: bool
) -> None:
    # The same oracle over what a rater's feeds and statements say, the stream cut in
    # batches, at random watermarks, with compaction and snapshot -> JSON -> restore.
    rng = random.Random(seed)
    stream = records(rng, anonymous=True, last_seen=last_seen, early=rng.random() < 0.5)
    statements, feeds, _, _ = run(rng, stream, horizon_h=24, late_ok=True)
    owners: dict[str, set[tuple[str | None, str | None]]] = {}
    for record in stream:
        if record.id is not None:
            where = (
                (None, None)
                if isinstance(record, rk.Inventory)
                else (
                    record.account,
                    record.resource,
                )
            )
            owners.setdefault(record.id, set()).add(where)
    for anomaly in (
        *(a for f in feeds for a in f.anomalies),
        *(a for s in statements for a in s.anomalies),
    ):
        assert anomaly.at_us is not None, anomaly
        if not anomaly.record_ids or owners[anomaly.record_ids[0]] == {(None, None)}:
            continue  # an inventory's: see the law above
        assert owners[anomaly.record_ids[0]] == {(anomaly.account, anomaly.resource)}, anomaly


def test_a_snapshot_keeps_an_anomalys_meter_and_quantity() -> None:
    # A too-late anomaly's meter and quantity travel through the snapshot's JSON and back:
    # what a restored rater remembers is what it said. Older snapshots' entries (the
    # first three or six fields) still read, with no meter nor quantity.
    from ratekit._snapshot_entries import anomaly, encode_anomaly

    said = rk.Anomaly("too_late", "m", ("e1",), account="a", resource="vm", at="2026-03-01T00:00:00Z",
                      meter="hours", quantity=Decimal("-38.5"))  # fmt: skip
    back = anomaly(json.loads(json.dumps(encode_anomaly(said))))
    assert back == said
    assert (back.meter, back.quantity) == ("hours", Decimal("-38.5"))
    older = anomaly(["too_late", "m", ["e1"], "a", "vm", said.at_us])
    assert (older.account, older.meter, older.quantity) == ("a", None, None)
    with pytest.raises(TypeError) as caught:
        anomaly(["too_late", "m", ["e1"], "a", "vm", said.at_us, "hours", 5])
    assert str(caught.value) == "an anomaly's quantity is a Decimal's text or null, not 5"


@pytest.mark.parametrize(
    ("quantity", "error", "message"),
    [
        ("NaN", rk.BadQuantityError, "Anomaly quantity must be a finite number, not 'NaN'."),
        (
            "Infinity",
            rk.BadQuantityError,
            "Anomaly quantity must be a finite number, not 'Infinity'.",
        ),
        (
            " 5",
            rk.BadQuantityError,
            (
                "Anomaly quantity ' 5' is not written plainly: write it in plain ASCII decimal "
                "text, like '12.5', '-3' or '1e9' (no spaces, underscores or other scripts' digits)."
            ),
        ),
        (
            [1],
            rk.RatekitTypeError,
            "Anomaly quantity must be a number (int, str, Decimal or float), not list: [1].",
        ),
    ],
)
def test_the_anomaly_quantity_door_speaks_as_the_charge_s(
    quantity: object, error: type[Exception], message: str
) -> None:
    # The same door and words as Charge's (which names "Charge quantity").
    with pytest.raises(error) as raised:
        rk.Anomaly("too_late", "x", ("i",), meter="m", quantity=quantity)  # type: ignore[arg-type]
    assert str(raised.value) == message
    span = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with pytest.raises(error) as raised:
        rk.Charge("a", "m", "r", span, span, quantity, "GB", 1, "EUR", "p", "e", 1)  # type: ignore[arg-type]
    assert str(raised.value) == message.replace("Anomaly", "Charge")


def test_the_anomaly_quantity_takes_what_a_charge_takes() -> None:
    # A float is read by its shortest repr, as a Charge reads it: 0.1 is Decimal('0.1').
    assert rk.Anomaly("too_late", "x", ("i",), meter="m", quantity=0.1).quantity == Decimal("0.1")
    assert rk.Anomaly("too_late", "x", ("i",), meter="m", quantity="1e9").quantity == Decimal(10**9)
