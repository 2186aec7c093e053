"""Values whose hashes collide do not make ratekit's tables quadratic.

CPython hashes an int to itself modulo 2**61 - 1: every multiple of it hashes to 0, and a
Decimal or float to the hash of the number it equals. A table keyed by such values is a
list. Each table keyed by what a record holds is checked here without timing: the keys
of many records whose values all hash alike have as many distinct hashes as there are
keys (the strings they are made of hash apart: randomised). The timings are in
``benchmarks/hash_flood_bench.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit._batch_columns import Descriptions as Frozen
from ratekit._descriptions import _attributes, _FrozenList
from ratekit._hash_keys import safe_key
from ratekit._regimes import _Regimes
from ratekit._timeline_descriptions import _merged, _shared

M = 2**61 - 1
N = 64
COLLIDING = [k * M for k in range(1, N + 1)]  # hash(k * M) == 0 for every k


def distinct_hashes(keys: object) -> int:
    return len({hash(key) for key in keys})  # type: ignore[attr-defined]


def test_the_values_do_collide() -> None:
    # what the tests below rely on: the values, as Python hashes them, all hash to 0
    assert {hash(value) for value in COLLIDING} == {0}
    assert {hash(Decimal(value)) for value in COLLIDING} == {0}
    assert {hash((value, value)) for value in COLLIDING} == {hash((0, 0))}


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("m1", "m1"),
        (None, None),
        (True, True),
        (5, 5),
        (Decimal("5.00"), 5),  # equal numbers, equal keys
        (-1, -1),
        (M, ("#", "2305843009213693951")),
        (Decimal(M), ("#", "2305843009213693951")),
        (Decimal("0.5"), ("#", "1/2")),
        (0.5, ("#", "1/2")),
        (Decimal("-2.50"), ("#", "-5/2")),
        (Decimal("1E+2"), 100),
    ],
)
def test_safe_key_is_equal_for_equal_numbers(value: object, key: object) -> None:
    assert safe_key(value) == key
    assert type(safe_key(value)) is type(key)


def test_a_description_hashes_its_values_by_their_text() -> None:
    descriptions = [_attributes({"tag": value}, "event") for value in COLLIDING]
    assert distinct_hashes(descriptions) == N
    lists = [_FrozenList([value, Decimal(value) / 4]) for value in COLLIDING]
    assert distinct_hashes(lists) == N
    nested = [_attributes({"tags": {"size": value}}, "event") for value in COLLIDING]
    assert distinct_hashes(nested) == N
    # equal descriptions still hash alike (1 == Decimal("1.0"): one description)
    assert hash(_attributes({"a": 1, "b": [2]}, "e")) == hash(
        _attributes({"a": Decimal("1.0"), "b": [Decimal("2.00")]}, "e")
    )
    assert hash(_FrozenList([M])) == hash(_FrozenList([Decimal(M)]))


def test_records_hash_apart_by_their_values() -> None:
    # replays without ids are known by their content: records are hashed
    samples = [rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", v) for v in COLLIDING]
    assert distinct_hashes(samples) == N
    events = [
        rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", {"tag": v}, kind="update")
        for v in COLLIDING
    ]
    assert distinct_hashes(events) == N
    one = rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", "2.50")
    other = rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", Decimal("2.5"))
    assert one == other
    assert hash(one) == hash(other)
    assert one != rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", "2.6")


def test_the_lean_paths_table_of_plain_attributes_is_keyed_by_strings() -> None:
    frozen = Frozen("event")
    made = [frozen.freeze({"tag": value}, index, None) for index, value in enumerate(COLLIDING)]
    assert made == [{"tag": value} for value in COLLIDING]
    (table,) = (shared for shared in frozen._shared.values() if shared is not None)
    assert len(table) == N
    assert all(type(part) is str for key in table for part in key)
    assert distinct_hashes(table) == N
    # equal content is still shared: one frozen description
    assert frozen.freeze({"tag": COLLIDING[0]}, N, None) is made[0]


def test_metering_shares_descriptions_through_a_table_keyed_by_strings() -> None:
    table: dict[tuple[object, ...], object] = {}
    base = _attributes({"flavor": "m1"}, "event")
    merged = [_merged(base, {"tag": value}, table) for value in COLLIDING]  # type: ignore[arg-type]
    assert merged == [{"flavor": "m1", "tag": value} for value in COLLIDING]
    keys = [key for key in table if not all(type(part) is int for part in key)]
    assert len(keys) == 2 * N  # each update (by the description's id), each result
    assert distinct_hashes(keys) == 2 * N
    assert _shared(_attributes({"flavor": "m1", "tag": M}, "e"), table) is merged[0]  # type: ignore[arg-type]


def test_rating_caches_winners_by_a_key_hashed_apart() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("big", "vm.hours", rk.PerUnit("0.20"), where={"tag": M}, priority=1),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        ],
    )
    regimes = _Regimes(plan, "vm.hours", 1772323200000000, 1775001600000000)
    winners = [regimes.winner_in(0, {"tag": value}) for value in COLLIDING]
    assert [entry.id for entry in winners if entry is not None] == ["big"] + ["vm"] * (N - 1)
    assert distinct_hashes(regimes.winners) == N
    # a Decimal equal to the selected int is another key (a Satisfies function may tell
    # an int from a Decimal), hashed apart too, with the same winner (M == Decimal(M))
    assert regimes.winner_in(0, {"tag": Decimal(M)}) is winners[0]
    assert len(regimes.winners) == N + 1
    assert distinct_hashes(regimes.winners) == N + 1


def test_colliding_values_meter_and_rate_as_any_others() -> None:
    # 64 VMs started on 1 Mar 00:00, each tagged with a colliding value, and the replay of
    # one VM's start (the same content, no id): a duplicate. The VM tagged M is priced
    # 0.20 an hour, the others 0.10: 744 h x (0.20 + 63 x 0.10) = 744 x 6.50 = 4836.00
    rows = [("acme", f"vm-{k}", 1772323200000000, "start", {"tag": v}) for k, v in enumerate(COLLIDING)]  # fmt: skip
    rows.append(rows[3])
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("big", "vm.hours", rk.PerUnit("0.20"), where={"tag": M}, priority=1),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        ],
    )
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    rating = rk.rate(rk.RecordBatch.from_tuples(events=rows), plan, span=march, meters=meters)
    assert [a.kind for a in rating.anomalies] == ["duplicate"]
    assert rk.bill(rating)[0].total == Decimal("4836.00")


def test_an_int_too_long_to_write_is_refused_by_the_door_not_the_table() -> None:
    # str() of an int of more than 4,300 digits raises ValueError: the door names it
    with pytest.raises(rk.BadQuantityError) as error:
        rk.RecordBatch.from_tuples(events=[("a", "r", 1772323200000000, "start", {"x": 10**5000})])
    assert str(error.value).startswith(
        "events[0]: attribute 'x' <an integer of 5001 digits> lies outside the numbers "
        "ratekit represents exactly"
    )
