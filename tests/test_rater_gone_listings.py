"""The listings that covered forgotten resources: one table per snapshot, shared by every account.

docs/streaming.md (Deleted resources): a tombstone keeps the inventories that covered
the resource last. The snapshot writes each distinct such listings once, in one table
(``body.gone_listings``: the listings' instants as Base64 VLQ steps, then each one's
inventories as a state writes them), and each account's tombstones name theirs by an
index (0: none). A snapshot written when each account wrote its own table
(``[[listings, ...], indices]`` in ``body.gone``) restores as it was. A table or an index
altered by hand is refused naming what is wrong and what a snapshot holds.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import typing
from pathlib import Path

import hypothesis
import pytest
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._snapshots import resealed
from tests.test_network_newcomer_churn import _run
from tests.test_network_newcomer_stream import DAILY, METERS

import ratekit as rk
from ratekit import _rater_gone, _vlq
from ratekit._state_doors import listings_door

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
T0_US = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR_US = 3600 * 10**6
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
HOURS = [rk.Meter("vm.hours", "hour", rk.OnOff())]
OLD = Path(__file__).parent / "data" / "snapshots" / "rater_v4_gone_tables.json"


def _two_accounts() -> rk.Rater:
    """Accounts a and b each delete a VM on 1 March; one whole-platform listing covers both."""
    rater = rk.Rater(PLAN, HOURS, start=T0)
    rater.feed(
        [
            rk.Event("a", "keep", T0, kind="start", id="k"),
            rk.Event("a", "vm-a", T0 + HOUR, kind="start", id="sa"),
            rk.Event("b", "vm-b", T0 + HOUR, kind="start", id="sb"),
            rk.Event("a", "vm-a", T0 + 5 * HOUR, kind="delete", id="da"),
            rk.Event("b", "vm-b", T0 + 6 * HOUR, kind="delete", id="db"),
            rk.Inventory(T0 + 7 * HOUR, [("a", "keep")], id="i7"),
        ]
    )
    rater.statement(T0 + 3 * 24 * HOUR)  # compacts 1 March: vm-a and vm-b are forgotten
    return rater


def _refusal(data: dict[str, typing.Any], plan: object = PLAN, meters: object = HOURS) -> str:
    with pytest.raises(rk.BadSnapshotError) as error:
        rk.Rater.restore(resealed(data), plan, meters)  # type: ignore[arg-type]
    return str(error.value)


def test_the_accounts_tombstones_share_one_listing_of_the_snapshot() -> None:
    rater = _two_accounts()
    data = json.loads(json.dumps(rater.snapshot()))
    body = data["body"]
    # One listing (i7 at 07:00, 1772348400000000 us) for the two accounts' tombstones,
    # each naming it by index 1 ('B': 1 as unsigned Base64 VLQ); each deletion is the
    # only one of its account, its clock the deletion's instant (a step of 0, 'A').
    assert body["gone_listings"] == [
        _vlq.encode([T0_US + 7 * HOUR_US]),
        [[["i7", None, "snapshot"]]],
    ]
    assert body["gone"] == [
        ["a", ["vm-a"], _vlq.encode([T0_US + 5 * HOUR_US]), ["da"], "A", "B"],
        ["b", ["vm-b"], _vlq.encode([T0_US + 6 * HOUR_US]), ["db"], "A", "B"],
    ]
    restored = rk.Rater.restore(data, PLAN, HOURS)
    assert restored.snapshot() == rater.snapshot()
    # Each tombstone keeps the listing as the state kept it: i7 at 07:00 covered it.
    assert restored._gone[("b", "vm-b")][3] == (T0_US + 7 * HOUR_US, (("i7", None, "snapshot"),))
    # A START of vm-b on 4 March (its id reused) is after its deletion, on both raters.
    for each in (rater, restored):
        each.feed([rk.Event("b", "vm-b", T0 + 3 * 24 * HOUR + HOUR, kind="start", id="sb2")])
        statement = each.statement(T0 + 4 * 24 * HOUR)
        assert [(a.kind, a.record_ids) for a in statement.anomalies] == [
            ("after_delete", ("sb2", "db"))
        ]
    assert restored.snapshot() == rater.snapshot()


def test_a_snapshot_written_with_a_table_per_account_still_restores() -> None:
    # Written before the table was shared: the network newcomer's churn after 4 days
    # (tests/test_network_newcomer_churn.py), each account with its own table.
    old = json.loads(OLD.read_text())
    assert old["version"] == 4
    assert "gone_listings" not in old["body"]
    assert all(len(account[5]) == 2 for account in old["body"]["gone"])
    restored = rk.Rater.restore(old, DAILY, METERS)
    restored._check()
    # The same state as a rater fed the same stream now: one table, 1 and 2 March's
    # 23:00 listings, for the three accounts' 10 tombstones.
    fed = _run(4)[0]
    assert restored.snapshot() == fed.snapshot()
    assert len(restored.snapshot()["body"]["gone_listings"][1]) == 2
    assert sum(len(account[1]) for account in restored.snapshot()["body"]["gone"]) == 10


def test_an_old_table_per_account_altered_by_hand_is_refused() -> None:
    old = json.loads(OLD.read_text())
    beyond = copy.deepcopy(old)
    account = beyond["body"]["gone"][0]
    resources, listed = len(account[1]), len(account[5][0])
    assert (resources, listed) == (3, 2)  # 1 and 2 March's 23:00 listings
    account[5][1] = _vlq.encode([3] * resources, signed=False)
    assert _refusal(beyond, DAILY, METERS) == (
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources of "
        "'acct-0' give 3 listings' indices for 3 resources, each 0 (none) to 2 (the "
        "table's listings): one each, within the table); restore an unaltered copy."
    )


def test_the_listings_table_altered_by_hand_is_refused_naming_what_is_wrong() -> None:
    data = json.loads(json.dumps(_two_accounts().snapshot()))
    at = _vlq.encode([T0_US + 7 * HOUR_US])
    shape = "[instants, [[[id or null, attributes or null, close], ...], ...]]"

    def refused(table: object) -> str:
        altered = copy.deepcopy(data)
        altered["body"]["gone_listings"] = table
        return _refusal(altered)

    assert refused({"at": 1}) == (
        "Rater snapshot body is malformed (at body.gone_listings: the tombstones' listings "
        f"must be {shape}, not {{'at': 1}}); restore an unaltered copy."
    )
    assert refused([at + "C", [[["i7", None, "snapshot"]]]]) == (
        "Rater snapshot body is malformed (at body.gone_listings: the tombstones' listings "
        f"give 2 instants for 1 listings: one each, and at least one ({shape})); restore "
        "an unaltered copy."
    )
    assert refused(["", []]) == (
        "Rater snapshot body is malformed (at body.gone_listings: the tombstones' listings "
        f"give 0 instants for 0 listings: one each, and at least one ({shape})); restore "
        "an unaltered copy."
    )
    # an instant after 9999-12-31 (the listings' first instant counts from 0)
    assert refused([_vlq.encode([2**70]), [[["i7", None, "snapshot"]]]]) == (
        "Rater snapshot body is malformed (at body.gone_listings: the tombstones' listings "
        f"give the instant {2**70}, outside the instants ratekit represents "
        "(-62135596800000000 to 253402300799999999 µs, that is 0001-01-01 to 9999-12-31 in "
        "UTC)); restore an unaltered copy."
    )
    assert refused(["-1", [[["i7", None, "snapshot"]]]]) == (
        "Rater snapshot body is malformed (at body.gone_listings: the listings' instants "
        "must be Base64 VLQ integers (A-Z, a-z, 0-9, + and /, each number ended by one of "
        "A to f), not '-1' at character 0); restore an unaltered copy."
    )
    assert refused([at, [[["i7", None, "sometimes"]]]]) == (
        "Rater snapshot body is malformed (at body.gone_listings: ResourceState listings "
        "must be None or (at_us, ((id or None, listed attributes or None, 'snapshot' or "
        "'last_seen'), ...)), as ResourceState.listings gives it, not tuple: "
        f"({T0_US + 7 * HOUR_US}, [('i7', None, 'sometimes')]).); restore an unaltered copy."
    )
    # A listing that no tombstone names: the table lists only those they name.
    two = _vlq.encode([T0_US + 7 * HOUR_US, HOUR_US])
    assert refused([two, [[["i7", None, "snapshot"]], [["i8", None, "snapshot"]]]]) == (
        "Rater snapshot body.gone_listings lists 2 listings, and listing 2 covers no "
        "tombstone of body.gone; the table lists only the listings its tombstones name, "
        "each once: restore an unaltered copy."
    )
    # The table dropped, its indices left: none is within a table of none.
    dropped = copy.deepcopy(data)
    del dropped["body"]["gone_listings"]
    assert _refusal(dropped) == (
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources of 'a' give "
        "1 listings' indices for 1 resources, each 0 (none) to 0 (body.gone_listings' "
        "listings): one each, within the table); restore an unaltered copy."
    )
    # The tombstones dropped, the table left.
    alone = copy.deepcopy(data)
    del alone["body"]["gone"]
    assert _refusal(alone) == (
        "Rater snapshot body.gone_listings lists 1 listings, and listing 1 covers no "
        "tombstone of body.gone; the table lists only the listings its tombstones name, "
        "each once: restore an unaltered copy."
    )
    # Unaltered, it restores.
    assert rk.Rater.restore(data, PLAN, HOURS).snapshot() == data


_LISTINGS = st.lists(
    st.tuples(
        # around 1 March 2026, or before 1970 (a negative instant, the first step from 0)
        st.one_of(
            st.integers(T0_US - 10 * HOUR_US, T0_US + 10 * HOUR_US),
            st.integers(-10 * HOUR_US, 0),
        ),
        st.lists(
            st.tuples(
                st.sampled_from(["i1", "i2", None]),
                st.sampled_from([None, {"flavor": "m1"}]),
                st.sampled_from(["snapshot", "last_seen"]),
            ),
            min_size=1,
            max_size=2,
        ),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.property
@hypothesis.settings(max_examples=LAWS, deadline=None)
@hypothesis.given(
    pool=_LISTINGS,
    stones=st.dictionaries(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["r1", "r2", "r3", "r4"])),
        st.tuples(
            st.integers(T0_US - 100 * HOUR_US, T0_US),
            st.sampled_from(["d1", "d2", None]),
            st.integers(0, 50 * HOUR_US),
            st.one_of(st.none(), st.integers(0, 3)),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_the_tombstones_read_back_as_written_each_listings_once(
    pool: list[tuple[int, list[tuple[str | None, dict[str, str] | None, str]]]],
    stones: dict[tuple[str, str], tuple[int, str | None, int, int | None]],
) -> None:
    # Oracle: the tombstones themselves, each listings through its door (as a state keeps it).
    listings = [listings_door(entry) for entry in pool]
    gone: _rater_gone.Gone = {
        key: (
            deleted,
            opened,
            deleted + after,
            None if pick is None else listings[pick % len(listings)],
        )
        for key, (deleted, opened, after, pick) in stones.items()
    }
    accounts, table = _rater_gone.encode(gone)
    written = json.loads(json.dumps([accounts, table]))
    used = {stone[3] for stone in gone.values() if stone[3] is not None}
    if table is None:
        assert not used
        decoded_table: list[typing.Any] = []
    else:
        decoded_table = _rater_gone.decode_table(written[1])
        # each distinct listings once, in order of their instants
        assert sorted(used, key=repr) == sorted(decoded_table, key=repr)
        assert len(decoded_table) == len(used)
        assert [entry[0] for entry in decoded_table] == sorted(entry[0] for entry in used)
    back: dict[tuple[str, str], typing.Any] = {}
    for item in written[0]:
        account, group, _ = _rater_gone.decode(item, decoded_table)
        assert all(key[0] == account for key, _ in group)
        back.update(group)
    assert back == gone
