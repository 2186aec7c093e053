"""What a newcomer's gauge and counter streams found, pinned with their concrete input.

Each is a strict expected failure: it passes once the fault is fixed, and the suite
then says so.
"""

from __future__ import annotations

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
METERS = [
    rk.Meter("peak", "user", rk.Max()),
    rk.Meter("eg", "B", rk.Counter()),
    rk.Meter("calls", "call", rk.Discrete()),
]
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in METERS])


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a too-late sample without an id is named by its meter, value and instant alone: "
        "'sample (peak, 7 at 2026-03-01T12:00:00Z) is stamped before every cycle ...', "
        "'sample stamped 2026-03-01T12:00:00Z is older than ...', neither its resource "
        "nor its account (an event without an id is: \"event (stop) of 'app-2' of "
        "'beta' ...\"), so of two resources reading one meter the message cannot tell "
        "which record it is about"
    ),
)
@pytest.mark.parametrize(
    "sample",
    [
        rk.Sample("beta", "app-2", "peak", "2026-03-01T12:00:00Z", 7, kind="gauge"),
        rk.Sample("beta", "app-2", "calls", "2026-03-01T12:00:00Z", 3),
        rk.Sample("beta", "app-2", "eg", "2026-03-01T12:00:00Z", 150, kind="counter"),
        rk.Sample("beta", "app-2", "eg", "2026-03-02T18:00:00Z", 400, kind="counter"),
    ],
    ids=["gauge-placed", "delta", "counter-placed", "counter-reaching-back"],
)
def test_a_too_late_sample_without_an_id_is_named_by_its_resource_and_account(
    sample: rk.Sample,
) -> None:
    # A counter read 100 at 1 March 06:00 ('c0'); no horizon: the statement at 3 March
    # closes 1 and 2 March and compacts 1 March. Then one sample without an id: of 1
    # March 12:00, too late (a peak placed in the compacted state; 3 calls not applied;
    # a counter reading of 150 placed after the 100, its 50 B on 1 March not applied), or
    # a reading of 400 at 2 March 18:00, late, counting from the 100 (300 B over 36 hours,
    # the 18 hours on 1 March, 150 B, too late). Each anomaly carries the resource and the
    # account as fields; its message names neither.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Sample("beta", "app-2", "eg", "2026-03-01T06:00:00Z", 100, kind="counter", id="c0")]
    )
    rater.statement("2026-03-03T00:00:00Z")
    feed = rater.feed([sample])
    assert feed.counts["too_late"] == 1
    [anomaly] = [a for a in feed.anomalies if a.kind == "too_late"]
    assert (anomaly.account, anomaly.resource, anomaly.record_ids) == ("beta", "app-2", ())
    assert "'app-2'" in anomaly.message
    assert "'beta'" in anomaly.message


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a sample without an id that comes after its resource's delete is named "
        "\"sample (gauge of 'peak' of 'r1' at 2026-03-01T12:00:00Z, no id) measures 'r1' "
        "...\": its resource, not its account, where two accounts each have an 'r1'"
    ),
)
def test_a_sample_without_an_id_after_a_delete_is_named_by_its_account() -> None:
    # Accounts a and b each run an 'r1'; b's is deleted at 06:00, and a peak of 7 is read
    # on it at 12:00, without an id: an after_delete anomaly (counted, with no
    # description: 7 users at 1 EUR). Its message names 'r1', which both accounts have.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([
        rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="a-on"),
        rk.Event("b", "r1", "2026-03-01T00:00:00Z", kind="start", id="b-on"),
        rk.Event("b", "r1", "2026-03-01T06:00:00Z", kind="delete", id="b-off"),
        rk.Sample("b", "r1", "peak", "2026-03-01T12:00:00Z", 7, kind="gauge"),
    ])  # fmt: skip
    statement = rater.statement("2026-03-02T00:00:00Z")
    assert statement.total() == 7
    [anomaly] = statement.anomalies
    assert (anomaly.kind, anomaly.account, anomaly.resource) == ("after_delete", "b", "r1")
    assert "'b'" in anomaly.message
