"""ratekit's public calls pause the cycle collector while they run, and restore it after.

They build many objects and no reference cycles: the collector's walks over a growing
heap cost a third of their time (`ratekit._collector`). Whatever the call does, raises
included, the collector is left as the caller had it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import ratekit as rk
from ratekit import _collector, rating

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])
VM = rk.Meter("vm", "hour", rk.OnOff())
RECORDS = [
    rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
    rk.Event("a", "vm-1", "2026-03-01T02:00:00Z", kind="stop", id="e2"),
]


@pytest.fixture
def collector_on() -> Iterator[None]:
    # The objects the test collection left frozen (tests/conftest.py) are a host's
    # freeze, which the library leaves alone: these tests start from none, and the
    # collection's are frozen again after.
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()
    if frozen:
        gc.freeze()


@pytest.fixture
def collector_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_paused_turns_the_collector_off_and_back_on(collector_on: None) -> None:
    with _collector.paused():
        assert not gc.isenabled()
        with _collector.paused():  # nested: left off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_turns_it_back_on_when_the_block_raises(collector_on: None) -> None:
    with pytest.raises(KeyError), _collector.paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_paused_leaves_a_collector_the_host_turned_off_off(collector_off: None) -> None:
    with _collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_rate_runs_with_the_collector_off_and_restores_it(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    rated = rating._rated

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return rated(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rating, "_rated", spy)
    # 2 h x 1 = 2.
    assert rk.rate(RECORDS, PLAN, span=MARCH, meters=[VM]).total() == 2
    assert seen == [False]
    assert gc.isenabled()


def test_a_refused_call_restores_the_collector(collector_on: None) -> None:
    with pytest.raises(rk.RatekitTypeError, match="rate span must be a Span"):
        rk.rate(RECORDS, PLAN, span="March", meters=[VM])  # type: ignore[arg-type]
    assert gc.isenabled()
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="goes back before the last watermark"):
        rater.statement("2026-03-04T00:00:00Z")
    assert gc.isenabled()


def test_the_streaming_rater_leaves_a_collector_turned_off_off(collector_off: None) -> None:
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed(RECORDS)
    statement = rater.statement("2026-03-02T00:00:00Z")
    # 2 h x 1 = 2.
    assert [line.amount for line in statement.lines] == [2]
    rk.Rater.restore(rater.snapshot(), PLAN, [VM])
    assert not gc.isenabled()


def _in_generation(thing: object, generation: int) -> bool:
    return any(found is thing for found in gc.get_objects(generation=generation))


def test_a_call_that_leaves_many_objects_has_them_promoted_not_walked(collector_on: None) -> None:
    # 20,000 records, each a tracked container: more than PROMOTED_FROM (10,000), so
    # they go to the oldest generation when the call returns, and no young collection
    # is left pending (the young count starts again from nothing).
    batch = rk.RecordBatch.from_tuples(
        samples=[("a", f"ip-{i}", "egress", 1772323200000000 + i, 1) for i in range(20_000)]
    )
    assert gc.get_count()[0] < _collector.PROMOTED_FROM
    assert _in_generation(batch[0], 2)
    assert _in_generation(batch[-1], 2)
    assert gc.isenabled()


def test_a_call_that_leaves_few_objects_leaves_them_young(collector_on: None) -> None:
    with _collector.paused():
        made = [[i] for i in range(10)]  # 11 containers: collected as usual after
    assert _in_generation(made, 0)


def test_objects_the_host_froze_stay_frozen(collector_on: None) -> None:
    host = [["the host's"]]
    gc.freeze()
    try:
        with _collector.paused():
            made = [[i] for i in range(2 * _collector.PROMOTED_FROM)]
        # Not unfrozen by the call: still in no generation (unfrozen, it would be in the
        # oldest). Not told by the freeze count, which drops when frozen objects die.
        assert not any(_in_generation(host, generation) for generation in range(3))
        assert not _in_generation(made, 2)  # not promoted: collected young, as before
    finally:
        gc.unfreeze()
