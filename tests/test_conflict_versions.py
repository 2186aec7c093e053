"""Of two versions of one id, the one kept never depends on the order they are listed in.

``meter(..., conflicts="anomaly")`` keeps one version of an id and reports the others as
``"conflict"`` anomalies. Which one stands is a fixed rule (``ratekit._versions``): an
event before a sample, of two events the greater ``seq``, of two samples the earlier,
otherwise the smaller content digest. The streaming rater judges one batch's records in
the same order, so the two agree. Worked by hand in the comments; a property permutes the
records.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._versions import content

DAY = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
MEMORY = rk.Meter("mem", "MiB*hour", rk.Continuous("memory_mb", unit="MiB"))
EGRESS = rk.Meter("eg", "B", rk.Discrete())


def _start(memory: int, *, seq: int | None = None, at: str = "2026-03-02T10:00:00Z") -> rk.Event:
    return rk.Event("a", "r", at, {"memory_mb": memory}, kind="start", id="x", seq=seq)


ONE, TWO = _start(1), _start(2)


def _metered(records: list[rk.Event | rk.Sample], meters: list[rk.Meter]) -> rk.Usage:
    return rk.meter(records, meters, span=DAY, cycle=None, as_of=DAY.end, conflicts="anomaly")


def test_two_versions_of_one_start_bill_the_same_in_either_order() -> None:
    # Both versions start at 10:00 without a seq: the content digest decides. ONE's is
    # 008827c8..., TWO's 71aba98b..., so ONE stands: 1 MiB x 14 h (10:00 -> 24:00) =
    # 14 MiB*h in both orders (before: 14 listed first, 28 listed second).
    assert content(ONE).startswith("008827c8")
    assert content(TWO).startswith("71aba98b")
    for records in ([ONE, TWO], [TWO, ONE]):
        usage = _metered(list(records), [MEMORY])
        assert usage.total() == Decimal(14)
        (anomaly,) = usage.anomalies
        assert anomaly.kind == "conflict"
        assert anomaly.record_ids == ("x",)
        assert anomaly.message == (
            f"event 'x' was given in versions with other content: {ONE!r} is kept, {TWO!r} "
            "is ignored; Of the versions given together, an event stands before a sample, of "
            "two events the greater seq, of two samples the earlier, otherwise the smaller "
            "content digest, whatever the order they are listed in. Give a corrected record a "
            "new id."
        )


def test_of_two_sequenced_versions_the_greater_seq_stands() -> None:
    # seq 5 (memory 1) against seq 3 (memory 2): the greater seq is judged first and
    # stands: 1 MiB x 14 h = 14 MiB*h, whatever the order.
    five, three = _start(1, seq=5), _start(2, seq=3)
    for records in ([five, three], [three, five]):
        assert _metered(list(records), [MEMORY]).total() == Decimal(14)


def test_of_two_sample_versions_the_earlier_stands() -> None:
    # A delta of 100 B at 08:00 and one of 999 B at 09:00, both id "s": the earlier
    # stands, 100 B in either order.
    early = rk.Sample("a", "r", "eg", "2026-03-02T08:00:00Z", 100, id="s")
    late = rk.Sample("a", "r", "eg", "2026-03-02T09:00:00Z", 999, id="s")
    for records in ([early, late], [late, early]):
        usage = _metered(list(records), [EGRESS])
        assert usage.total() == Decimal(100)
        assert [a.kind for a in usage.anomalies] == ["conflict"]


def test_three_copies_two_versions_every_order_the_same() -> None:
    # TWO, ONE and a replay of TWO: ONE stands (14 MiB*h); the two copies of TWO are each
    # a conflict, in every one of the 6 orders (before: a replay of the first listed was a
    # "duplicate" and the other version a "conflict", by order).
    results = {
        (_metered(list(p), [MEMORY]).total(), _metered(list(p), [MEMORY]).anomalies)
        for p in itertools.permutations([ONE, TWO, _start(2)])
    }
    assert len(results) == 1
    ((total, anomalies),) = results
    assert total == Decimal(14)
    assert [a.kind for a in anomalies] == ["conflict", "conflict"]


def test_a_replay_written_otherwise_does_not_change_which_version_stands() -> None:
    # Decimal("1.0") is 1: equal records, one content digest. ONE, TWO and ONE written 1.0 keep
    # ONE (14 MiB*h) and report TWO once as a conflict and the replay as a duplicate.
    written = rk.Event(
        "a", "r", "2026-03-02T10:00:00Z", {"memory_mb": Decimal("1.0")}, kind="start", id="x"
    )
    assert written == ONE
    assert content(written) == content(ONE)
    for p in itertools.permutations([ONE, TWO, written]):
        usage = _metered(list(p), [MEMORY])
        assert usage.total() == Decimal(14)
        assert sorted(a.kind for a in usage.anomalies) == ["conflict", "duplicate"]


def test_raising_names_the_same_two_versions_in_either_order() -> None:
    messages = set()
    for records in ([ONE, TWO], [TWO, ONE]):
        with pytest.raises(rk.ConflictingRecordError) as caught:
            rk.meter(records, [MEMORY], span=DAY, cycle=None, as_of=DAY.end)
        messages.add(str(caught.value))
    (message,) = messages
    assert message.startswith(f"two records share the id 'x' but differ: {ONE!r} and {TWO!r};")


def test_the_rater_keeps_the_version_metering_keeps() -> None:
    plan = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("m", "mem", rk.PerUnit(1))])  # fmt: skip
    for records in ([ONE, TWO], [TWO, ONE]):
        rater = rk.Rater(plan, [MEMORY], start=DAY.start)
        feed = rater.feed(records)
        assert feed.conflicting == ("x",)
        (line,) = rater.statement(DAY.end).lines
        assert line.quantity == Decimal(14)  # as metering: ONE stands


_AT = st.sampled_from(["2026-03-02T06:00:00Z", "2026-03-02T10:00:00Z", "2026-03-02T18:00:00Z"])
_EVENT = st.builds(
    lambda at, memory, seq, kind, rid: rk.Event(
        "a", "r", at, {"memory_mb": memory} if kind != "stop" else {}, kind=kind, id=rid, seq=seq
    ),
    _AT,
    st.integers(1, 3),
    st.none() | st.integers(1, 3),
    st.sampled_from(["start", "stop"]),
    st.sampled_from(["e1", "e2", "e3"]),
)
_SAMPLE = st.builds(
    lambda at, value, rid: rk.Sample("a", "r", "eg", at, value, id=rid),
    _AT,
    st.integers(-2, 5),
    st.sampled_from(["s1", "s2", "e1"]),
)


@settings(max_examples=LAWS)
@given(st.lists(_EVENT | _SAMPLE, max_size=6), st.randoms(use_true_random=False))
def test_any_permutation_of_the_records_meters_alike(
    records: list[rk.Event | rk.Sample], random: object
) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    one = _metered(records, [MEMORY, EGRESS])
    two = _metered(shuffled, [MEMORY, EGRESS])
    assert one.rows == two.rows
    assert one.anomalies == two.anomalies
    assert one.total("mem") == two.total("mem")
