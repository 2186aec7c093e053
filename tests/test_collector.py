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
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


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
