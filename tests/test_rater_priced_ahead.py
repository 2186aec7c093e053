"""Unpriced usage a statement withholds: what a record fed ahead of its watermark may take away.

A statement meters the records stamped before its watermark. A ``last_seen`` inventory
fed ahead of it may close a resource back at its last sign of life, and an event fed
ahead may be ordered by its ``seq`` before one the statement reads: what the statement
meters of that resource may be usage batch [`rate()`][ratekit.rate] of the records fed
never makes. Where no entry prices it, the statement neither raises
[`UnpricedUsageError`][ratekit.UnpricedUsageError] nor says an ``"unpriced"`` anomaly:
it withholds it (`ratekit._rater_priced_ahead`), and the statement that reads the
record rates what is left, as batch does. Worked by hand in the comments (daily UTC
cycles from Monday 2 March 2026, prices per hour and per byte).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._priced_records import (
    DAILY,
    METERS,
    MONDAY,
    SA,
    SMALL,
    at,
    batch_refuses,
    event,
    rated,
    sample,
)

import ratekit as rk
from ratekit._decimals import exact_sum

#: Small VMs in zone a cost 1 an hour; a byte of egress 1; nothing else is priced.
ENTRIES = [
    rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where=SA),
    rk.PriceEntry("eg", "eg", rk.PerUnit("1")),
]
ONLY_SA = rk.Plan("p", "EUR", DAILY, ENTRIES)
#: The same, reporting what no entry prices as an "unpriced" anomaly.
REPORTED = rk.Plan("p", "EUR", DAILY, ENTRIES, unpriced="anomaly")


def _closing(hours: float, name: str) -> rk.Inventory:
    """An inventory listing nothing, closing what it does not list at its last sign of life."""
    return rk.Inventory(at(hours), [], close="last_seen", id=name)


def _lines(rater: rk.Rater, hours: float) -> tuple[Decimal, list[str]]:
    """What the statement at ``hours`` adds (its lines, summed), and its unpriced anomalies."""
    statement = rater.statement(at(hours))
    unpriced = [a.message for a in statement.anomalies if a.kind == "unpriced"]
    return exact_sum(line.amount for line in statement.lines), unpriced


def test_a_closing_fed_ahead_takes_back_usage_a_statement_withholds() -> None:
    # A START of v at 00:00 described by nothing, which no entry prices, and an
    # inventory of 02:00 listing nothing that closes v at its last sign of life, 00:00:
    # batch rate() runs v 0 h. The statements at 01:00 and 02:00 (which does not read a
    # record stamped at its watermark) meter v running 00:00..01:00 and 00:00..02:00
    # described by nothing: withheld, 0 each; the one at 03:00 reads the closing, 0.
    both = [event(0, None, "e0"), _closing(2, "i2")]
    assert rated(both, ONLY_SA).charges == ()
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    assert rater.feed(both).accepted == ("e0", "i2")
    assert [_lines(rater, hours) for hours in (1, 2, 3)] == [(Decimal(0), [])] * 3


def test_priced_usage_before_a_closing_fed_ahead_is_billed_and_what_no_entry_prices_withheld() -> (
    None
):
    # v small in zone a from 00:00 (1 an hour), an UPDATE at 00:30 to {'flavor': 'big'}
    # (merged: big in zone a, which no entry prices), an inventory of 02:00 listing
    # nothing: batch closes v at its last sign of life, the UPDATE at 00:30, and bills
    # 0.5 h x 1 = 0.5. The statement at 01:00 bills the priced 00:00..00:30, 0.5, and
    # withholds 00:30..01:00; the one at 03:00 reads the closing: nothing more.
    records = [
        event(0, SA, "e0"),
        event(0.5, {"flavor": "big"}, "u0", "update"),
        _closing(2, "i2"),
    ]
    assert exact_sum(c.amount for c in rated(records, ONLY_SA).charges) == Decimal("0.5")
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    assert rater.feed(records).accepted == ("e0", "u0", "i2")
    assert _lines(rater, 1) == (Decimal("0.5"), [])
    assert _lines(rater, 3) == (Decimal(0), [])
    assert _lines(rater, 24 * 14) == (Decimal(0), [])


def test_withheld_usage_is_said_once_the_closing_is_read_as_batch_says_it() -> None:
    # Reported, not refused: v described by nothing from 00:00, 3 B at 00:30 (a sign of
    # life, 3 B x 1 = 3), an inventory of 02:00 listing nothing. Batch closes v at 00:30
    # and says 0.5 h over 00:00..00:30 unpriced. The statement at 01:00 bills the 3 B and
    # says nothing of v's hour (the closing may take it back, as it takes half of it);
    # the one at 03:00 says batch's words.
    records = [event(0, None, "e0"), sample(0.5, 3, "s0"), _closing(2, "i2")]
    batch = rated(records, REPORTED)
    said = [a.message for a in batch.anomalies if a.kind == "unpriced"]
    assert said == [
        (
            "usage of meter 'vm' by account 'a' (resource 'v', 0.5 hour) over "
            "2026-03-02T00:00:00Z..2026-03-02T00:30:00Z has no price in plan 'p': no entry "
            "of that meter is in effect for a resource described by {}: not charged."
        )
    ]
    rater = rk.Rater(REPORTED, METERS, start=MONDAY)
    assert rater.feed(records).accepted == ("e0", "s0", "i2")
    assert _lines(rater, 1) == (Decimal(3), [])
    assert _lines(rater, 3) == (Decimal(0), said)
    assert _lines(rater, 24 * 14) == (Decimal(0), [])


def test_an_event_fed_ahead_ordered_first_takes_back_usage_a_statement_withholds() -> None:
    # A START of v at 00:00 (seq 2) as {'flavor': 'small'}, which no entry prices, and an
    # UPDATE of 02:00 (seq 1) to zone a: batch applies the UPDATE first, and the START
    # takes effect at 02:00, no sooner, merged into small in zone a: 22 h x 1 = 22 on 2
    # March. The statements at 01:00 and 02:00 meter v small from 00:00: withheld, 0;
    # the one at 03:00 bills 02:00..03:00, 1; the rest of the day 21.
    records = [
        event(0, SMALL, "e0", seq=2),
        event(2, {"zone": "a"}, "u2", "update", seq=1),
    ]
    day = [c.amount for c in rated(records, ONLY_SA).charges if c.cycle.start == MONDAY]
    assert day == [Decimal(22)]
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    assert rater.feed(records).accepted == ("e0", "u2")
    assert [_lines(rater, hours)[0] for hours in (1, 2, 3, 24)] == [0, 0, 1, 21]


def test_an_unpriced_stretch_before_an_update_fed_ahead_is_refused_at_the_feed() -> None:
    # Not withheld: v as {'flavor': 'small'} from 00:00 and an UPDATE of 02:00 to zone a
    # (no seq): batch rate() runs v small 00:00..02:00, which no entry prices, before the
    # UPDATE prices it, and refuses both. The feed refuses them too (the UPDATE alone
    # would open v as {'zone': 'a'}, unpriced as well): no statement meets the stretch.
    start, update = event(0, SMALL, "e0"), event(2, {"zone": "a"}, "u2", "update")
    with pytest.raises(rk.UnpricedUsageError, match=r"'v', 2 hour\) over 2026-03-02T00:00:00Z"):
        rated([start, update], ONLY_SA)
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([start, update])
    message = str(caught.value)
    assert message.startswith("Rater.feed: records[0]: event 'e0' (start) stamped ")
    assert "(resource 'v', 2 hour) over 2026-03-02T00:00:00Z..2026-03-02T02:00:00Z" in message
    assert "described by {'flavor': 'small'}" in message


def test_a_closing_fed_ahead_that_cannot_close_the_resource_withholds_nothing() -> None:
    # An inventory of 02:00 that lists v, or whose scope is another account, closes
    # nothing of v: v described by nothing from 00:00 runs unpriced whatever comes, 24 h
    # a day, and the feed refuses it with either, as batch rate() refuses it.
    for inventory in (
        rk.Inventory(at(2), [("a", "v")], close="last_seen", id="i2"),
        rk.Inventory(at(2), [], close="last_seen", accounts=["b"], id="i2"),
    ):
        records = [event(0, None, "e0"), inventory]
        assert batch_refuses(records, ONLY_SA)
        rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
        with pytest.raises(rk.UnpricedUsageError, match=r"described by \{\}"):
            rater.feed(records)


_ATTRIBUTES: list[dict[str, object] | None] = [
    None,
    SMALL,
    {"flavor": "big"},
    {"zone": "a"},
    SA,
]
_KINDS = ["start", "start", "update", "stop", "delete"]
_HOURS = st.sampled_from([0, 1, 2, 3, 4])
_RESOURCES = st.sampled_from(["v", "v", "w"])
_RECORDS = st.one_of(
    st.tuples(
        st.just("event"),
        _HOURS,
        _RESOURCES,
        st.sampled_from(_KINDS),
        st.sampled_from(range(len(_ATTRIBUTES))),
        st.one_of(st.none(), st.integers(0, 4)),
    ),
    st.tuples(st.just("sample"), _HOURS, _RESOURCES, st.integers(1, 5)),
    st.tuples(
        st.just("inventory"),
        _HOURS,
        st.sampled_from([(), (), ("v",), ("w",)]),
        st.sampled_from(["last_seen", "last_seen", "snapshot"]),
        st.sampled_from([None, None, ("b",)]),  # its scope: every account, or another
    ),
)


def _record(spec: tuple[Any, ...], number: int) -> rk.Event | rk.Sample | rk.Inventory:
    kind, hours = spec[0], spec[1]
    if kind == "event":
        _, _, resource, what, attributes, seq = spec
        return event(hours, _ATTRIBUTES[attributes], f"e{number}", what, seq, resource)
    if kind == "sample":
        return sample(hours, spec[3], f"s{number}", spec[2])
    listed = [("a", resource) for resource in spec[2]] if spec[4] is None else []
    return rk.Inventory(at(hours), listed, close=spec[3], accounts=spec[4], id=f"i{number}")


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    reported=st.booleans(),
    batches=st.lists(
        st.tuples(
            st.lists(_RECORDS, min_size=1, max_size=4), st.one_of(st.none(), st.integers(0, 5))
        ),
        min_size=1,
        max_size=5,
    ),
)
@example(  # a late START describes usage said unpriced under {} anew: said again
    reported=True,
    batches=[
        (
            [
                ("event", 1, "w", "start", 2, None),
                ("inventory", 0, ("w",), "last_seen", None),
                ("event", 0, "v", "start", 0, None),
            ],
            1,
        ),
        (
            [
                ("event", 0, "v", "start", 0, None),
                ("event", 0, "v", "start", 0, None),
                ("event", 0, "w", "start", 1, None),
            ],
            None,
        ),
    ],
)
def test_statements_before_records_fed_ahead_meet_no_unpriced_usage(
    reported: bool, batches: list[tuple[list[tuple[Any, ...]], int | None]]
) -> None:
    """No statement fails on usage batch rate() of the records taken does not refuse.

    Two resources' events (with a ``seq`` or not), samples and inventories (``last_seen``
    mostly, of every account or of another) over five hours, fed in random batches with
    statements between, so that many come before records fed ahead that close a
    resource back or reorder its events; a copy restored before each statement says
    what the rater says.
    Oracle: batch rate() over two weeks of the records taken (and the batch offered):
    the feed refuses a batch exactly when batch refuses it (unpriced usage an error); no
    statement raises; the statements' lines add up to batch's charges at a watermark
    past every record; and each ``"unpriced"`` anomaly batch says (reported) was said by
    the stream, in batch's words.
    """
    plan = REPORTED if reported else ONLY_SA
    rater = rk.Rater(plan, METERS, start=MONDAY)
    taken: list[rk.Event | rk.Sample | rk.Inventory] = []
    billed: list[Decimal] = []
    said: set[str] = set()
    number, reached = 0, 0
    for specs, watermark in batches:
        batch = []
        for spec in specs:
            batch.append(_record(spec, number))
            number += 1
        refused = batch_refuses([*taken, *batch], plan)
        try:
            feed = rater.feed(batch)
        except rk.UnpricedUsageError:
            assert refused, f"the door refused {batch!r}, which batch rate() prices"
            continue
        assert not refused, f"the door took {batch!r}, which batch rate() refuses"
        said.update(a.message for a in feed.anomalies if a.kind == "unpriced")
        taken += batch
        if watermark is not None:
            reached = max(reached, watermark)
            restored = rk.Rater.restore(rater.snapshot(), plan, METERS)
            amount, words = _lines(rater, reached)
            assert _lines(restored, reached) == (amount, words)
            billed.append(amount)
            said.update(words)
    amount, words = _lines(rater, 24 * 14)
    billed.append(amount)
    said.update(words)
    whole = rated(taken, plan)
    assert exact_sum(billed) == exact_sum(c.amount for c in whole.charges)
    # in batch's words but the span's end (the watermark the stream said it at) and the
    # note of a figure said again (docs/streaming.md: said again only as its figure changes)
    assert {_unended(a.message) for a in whole.anomalies if a.kind == "unpriced"} <= {
        _unended(message) for message in said
    }


def _unended(message: str) -> str:
    """An unpriced anomaly's words without its span's end nor the note said again with it."""
    message = re.sub(r" Said of this usage before: .*\Z", "", message)
    return re.sub(r"(\) over \S+\.\.)\S+( has no )", r"\1\2", message, count=1)


def test_unpriced_usage_described_anew_by_a_late_start_is_said_again() -> None:
    """An inventory opens ``w`` described by nothing at 00:00 (unpriced: said at 01:00
    with its 1 hour); a START of 00:00 fed late describes it ``{'flavor': 'small'}``,
    still unpriced, still 1 hour: the stream says it again in batch's words, with a note
    of what it said before (docs/streaming.md: said again as its figure or reason
    changes)."""
    rater = rk.Rater(REPORTED, METERS, start=MONDAY)
    rater.feed([rk.Inventory(at(0), [("a", "w")], close="last_seen", id="i1")])
    first = [a for a in rater.statement(at(1)).anomalies if a.kind == "unpriced"]
    assert [a.message.endswith("described by {}: not charged.") for a in first] == [True]
    rater.feed([event(0, SMALL, "e1", "start", None, "w")])
    again = [a for a in rater.statement(at(1)).anomalies if a.kind == "unpriced"]
    assert [a.message for a in again] == [
        (
            "usage of meter 'vm' by account 'a' (resource 'w', 1 hour) over "
            "2026-03-02T00:00:00Z..2026-03-02T01:00:00Z has no price in plan 'p': no entry "
            "of that meter is in effect for a resource described by {'flavor': 'small'}: "
            "not charged. Said of this usage before: 1 hour; by 2026-03-02T01:00:00Z it "
            "comes to 1 hour."
        )
    ]
