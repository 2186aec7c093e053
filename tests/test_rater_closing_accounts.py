"""A record that moves, undoes or makes an inventory's closing is accounted for, never no_effect.

docs/streaming.md, What a feed and a statement say of each record: ``no_effect`` holds
the records that changed nothing priced. A record whose effect is to move where an
inventory closes a resource (a STOP, an update or a listing at its new last sign of
life under ``close="last_seen"``, a STOP before a closing at the snapshot) changes the
hours billed: a charge's provenance or an anomaly names it, in batch ``rate()`` (its
``reconciled_close`` names the record at the last sign of life) and in the stream (the
closing is said again when a record fed since moves it). The law: for random streams
with inventories, every record fed is named by a charge or an anomaly, or is in
``no_effect``, and rating without the records in ``no_effect`` gives the same lines.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import said_once

import ratekit as rk

UTC = dt.UTC
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [VM, EGRESS]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("s", "vm.hours", rk.PerUnit(1), where={"f": "s"}),
        rk.PriceEntry("m", "vm.hours", rk.PerUnit(2), where={"f": "m"}),
        rk.PriceEntry("gb", "egress", rk.PerUnit("0.5")),
    ],
)
#: The law's plan prices every description (a listing opens a VM described by nothing):
#: 3 an hour, 2 for {'f': 'm'}.
COVERING = rk.Plan(
    "c",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("any", "vm.hours", rk.PerUnit(3)),
        rk.PriceEntry("m", "vm.hours", rk.PerUnit(2), where={"f": "m"}, priority=1),
        rk.PriceEntry("gb", "egress", rk.PerUnit("0.5")),
    ],
)
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
START = "2026-03-01T00:00:00Z"


def at(hour: int, day: int = 1) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def go(hour: int = 0) -> rk.Event:
    return rk.Event("acme", "vm-1", at(hour), {"f": "s"}, kind="start", id="go")


def gone(hour: int) -> rk.Inventory:
    return rk.Inventory(at(hour), [], close="last_seen", id=f"i{hour}")


def listing(hour: int) -> rk.Inventory:
    return rk.Inventory(at(hour), [("acme", "vm-1")], id=f"i{hour}")


def named_by(statements: Iterable[rk.Statement], feeds: Iterable[rk.Feed]) -> set[str]:
    """The ids that the anomalies said and the closing invoices' charges name.

    (Records fed before their cycle closes: a line given before, reversed since, names a
    record that changed nothing in the end.)
    """
    out: set[str] = set()
    for feed in feeds:
        for anomaly in feed.anomalies:
            out.update(anomaly.record_ids)
    for statement in statements:
        for anomaly in statement.anomalies:
            out.update(anomaly.record_ids)
        for invoice in statement.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    out.update(charge.record_ids)
    return out


# --- batch rate(): the record at the last sign of life is named ---------------------------


def test_a_listing_that_is_the_last_sign_of_life_is_named_by_the_closing() -> None:
    records = [go(), listing(6), gone(12)]
    rating = rk.rate(records, PLAN, span=DAY, meters=METERS)
    # closed at the listing of 06:00, its last sign of life: 6 h * 1 = 6
    assert rating.total() == Decimal(6)
    assert [(a.kind, a.record_ids, a.at) for a in rating.anomalies] == [
        ("reconciled_close", ("i12", "go", "i6"), at(6))
    ]
    # it was ('i6', 'confirmed'): yet without it the VM closes at its start, 0 h
    assert rating.no_effect == ()
    assert rk.rate([go(), gone(12)], PLAN, span=DAY, meters=METERS).total() == Decimal(0)


def test_an_update_that_changes_nothing_but_is_the_last_sign_of_life_is_named() -> None:
    same = rk.Event("acme", "vm-1", at(5), {"f": "s"}, kind="update", id="same")
    rating = rk.rate([go(), same, gone(12)], PLAN, span=DAY, meters=METERS)
    # closed at 05:00: 5 h * 1 = 5 (without the update: at 00:00, 0 h)
    assert rating.total() == Decimal(5)
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [
        ("reconciled_close", ("i12", "go", "same"))
    ]
    assert rating.no_effect == ()  # it was (('same', 'no_change'),)


def test_a_stop_replaced_by_the_closing_is_named_by_it_as_before() -> None:
    off = rk.Event("acme", "vm-1", at(9), kind="stop", id="off")
    rating = rk.rate([go(), listing(6), off, gone(12)], PLAN, span=DAY, meters=METERS)
    # closed at the STOP of 09:00: 9 h; the listing of 06:00 changed nothing then
    assert rating.total() == Decimal(9)
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [
        ("reconciled_close", ("i12", "off"))
    ]
    assert rating.no_effect == (("i6", "confirmed"),)


def test_a_closing_at_the_snapshot_names_no_sign_of_life() -> None:
    at_snapshot = rk.Inventory(at(12), [], id="i12")
    rating = rk.rate([go(), listing(6), at_snapshot], PLAN, span=DAY, meters=METERS)
    assert rating.total() == Decimal(12)  # 12 h * 1
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [
        ("reconciled_close", ("i12", "go"))
    ]
    assert rating.no_effect == (("i6", "confirmed"),)


# --- the stream: a record fed since that moves the closing -------------------------------


def _moved(late: rk.Record) -> tuple[rk.Statement, rk.Statement]:
    """START 00:00 closed back at 00:00 by a last_seen inventory of 12:00, then ``late``."""
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([go(), gone(12)])
    first = rater.statement(at(13))
    assert (first.lines, [(a.kind, a.record_ids) for a in first.anomalies]) == (
        (),
        [("reconciled_close", ("i12", "go"))],
    )
    rater.feed([late])
    return rater.statement(at(14)), rater.statement(at(0, day=2))


def test_a_late_update_that_changes_nothing_but_moves_the_closing_is_said() -> None:
    moved, closing = _moved(rk.Event("acme", "vm-1", at(5), {"f": "s"}, kind="update", id="u"))
    # closed at 05:00 now: 5 h * 1 = 5, charged
    assert [(line.role, line.amount) for line in moved.lines] == [("charge", Decimal(5))]
    assert [(a.kind, a.record_ids, a.at) for a in moved.anomalies] == [
        ("reconciled_close", ("u", "i12", "go"), at(5))
    ]
    assert closing.invoices[0].total == Decimal("5.00")
    assert closing.no_effect == ()


def test_a_late_listing_that_moves_the_closing_is_said() -> None:
    moved, closing = _moved(listing(7))
    assert [(line.role, line.amount) for line in moved.lines] == [("charge", Decimal(7))]
    assert [(a.kind, a.record_ids, a.at) for a in moved.anomalies] == [
        ("reconciled_close", ("i7", "i12", "go"), at(7))
    ]
    assert closing.invoices[0].total == Decimal("7.00")
    assert closing.no_effect == ()


def test_a_late_record_that_leaves_the_closing_where_it_is_is_no_effect() -> None:
    # a listing at 03:00, the closing's instant already (the START): the same 0 h,
    # nothing said again, and nothing changes without it
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([go(3), gone(12)])
    rater.statement(at(13))
    rater.feed([listing(3)])
    moved = rater.statement(at(14))
    assert (moved.lines, moved.anomalies) == ((), ())
    assert rater.statement(at(0, day=2)).no_effect == ("i3",)


def test_a_late_stop_before_a_closing_at_the_snapshot_is_named_by_the_correction() -> None:
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([go(), rk.Inventory(at(12), [], id="i12")])
    assert rater.statement(at(13)).total() == Decimal(12)  # 12 h * 1
    rater.feed([rk.Event("acme", "vm-1", at(9), kind="stop", id="off")])
    moved = rater.statement(at(14))
    # stopped at 09:00: -12 + 9
    assert [(line.role, line.amount, line.record_ids) for line in moved.lines] == [
        ("reversal", Decimal(-12), ()),
        ("correction", Decimal(9), ("go", "off")),
    ]
    assert rater.statement(at(0, day=2)).no_effect == ()


def test_a_late_zero_delta_that_moves_a_last_seen_closing_is_not_no_effect() -> None:
    rater = rk.Rater(COVERING, METERS, start=START)
    rater.feed(
        [
            rk.Event("acme", "vm-1", at(0), kind="start", id="go"),
            rk.Sample("acme", "vm-1", "egress", at(4), 1, id="g1"),
            gone(12),
        ]
    )
    # closed at the sample of 04:00: 4 h * 3 = 12; 1 GB * 0.5 = 0.5
    assert rater.statement(at(0, day=2)).invoices[0].total == Decimal("12.50")
    rater.feed([rk.Sample("acme", "vm-1", "egress", at(6), 0, id="g2")])
    moved = rater.statement(at(1, day=2))
    # closed at 06:00 now: -12 + 18, late
    assert [(line.role, line.amount, line.late) for line in moved.lines] == [
        ("reversal", Decimal(-12), True),
        ("correction", Decimal(18), True),
    ]
    assert "g2" not in rater.statement(at(0, day=3)).no_effect


# --- the law ---------------------------------------------------------------------------


def _stream(seed: int) -> list[rk.Record]:
    """One or two VMs of 1 March: events, samples and inventories at random hours."""
    rng = random.Random(seed)
    records: list[rk.Record] = []
    vms = ["vm-1", "vm-2"][: rng.randint(1, 2)]
    for n in range(rng.randint(2, 9)):
        hour = rng.randint(0, 22)
        vm = rng.choice(vms)
        roll = rng.random()
        if roll < 0.5:
            kind = rng.choice(["start", "start", "stop", "update"])
            attributes = {"f": rng.choice("sm")} if kind != "stop" or rng.random() < 0.3 else {}
            records.append(rk.Event("acme", vm, at(hour), attributes, kind=kind, id=f"e{n}"))
        elif roll < 0.7:
            value = rng.choice([0, 1, 2])  # a zero delta too (late, it may move a closing)
            records.append(rk.Sample("acme", vm, "egress", at(hour), value, id=f"g{n}"))
        else:
            listed = [("acme", v) for v in vms if rng.random() < 0.4]
            close = rng.choice(["snapshot", "last_seen", "last_seen"])
            records.append(rk.Inventory(at(hour), listed, close=close, id=f"i{n}"))
    return records


def _lines(records: list[rk.Record]) -> list[rk.InvoiceLine]:
    """The invoice lines of one batch rating (compared without their charges: how rows
    are cut, by a description that changes nothing priced, is no line)."""
    rating = rk.rate(records, COVERING, span=DAY, meters=METERS)
    return [line for invoice in rk.bill(rating.charges) for line in invoice.lines]


def check_every_record_is_accounted_for(seed: int, *, late: bool) -> None:
    """Fed in up to three batches, a statement after each; under ``late``, one record
    more after 1 March closed (kept: late, corrected), and a second closing (of 2 March).

    (One late record: a late record is of no effect when it changes no line, judged
    against the records known when it comes; of several fed late at once, one may take
    the place of what another takes away, leaving every line as it was.)
    """
    records = _stream(seed)
    rng = random.Random(seed ^ 0x5EED)
    order = records[:]
    rng.shuffle(order)
    last = len(order) - 1 if late else len(order)
    cuts = sorted(rng.sample(range(1, last), k=min(2, last - 1)))
    batches = [order[a:b] for a, b in zip([0, *cuts], [*cuts, last], strict=True)]
    if late:
        batches.append(order[last:])
    rater = rk.Rater(COVERING, METERS, start=START)
    feeds: list[rk.Feed] = []
    statements: list[rk.Statement] = []
    watermark = 1
    for batch in batches[:-1] if late else batches:
        feeds.append(rater.feed(batch))
        watermark = rng.randint(watermark, 23)
        statements.append(rater.statement(at(watermark)))
    statements.append(rater.statement(at(0, day=2)))
    unmoved = set(statements[-1].no_effect)
    # those in no_effect change nothing: rating the records known then without them gives
    # the same lines (a late record may give one of them an effect: a last_seen
    # inventory closing a VM that a late START opens)
    known = [r for batch in (batches[:-1] if late else batches) for r in batch]
    assert _lines([r for r in known if r.id not in unmoved]) == _lines(known), seed
    given: set[str] = set()  # the ids the lines given since the late batch name
    if late:
        feeds.append(rater.feed(batches[-1]))
        statements.append(rater.statement(at(1, day=2)))
        given = {i for line in statements[-1].lines for i in line.record_ids}
        statements.append(rater.statement(at(0, day=3)))
        unmoved |= set(statements[-1].no_effect)
        again = set(statements[-1].no_effect)
        assert _lines([r for r in records if r.id not in again]) == _lines(records), seed
    said_once(statements)  # a closing said again is about the record that moved it
    ids = {r.id for r in records if r.id is not None}
    named = named_by(statements, feeds) | given
    # every record: named by a charge, a line or an anomaly, or else in no_effect
    assert ids <= named | unmoved, (seed, ids - named - unmoved)
    # (late: a record of no effect on 1 March may be named by 2 March's charges)
    assert late or not unmoved & named, seed
    if not late:  # the stream bills what batch rate() bills (the other laws: late too)
        rating = rk.rate(records, COVERING, span=DAY, meters=METERS)
        assert [i.total for i in statements[-1].invoices] == [
            i.total for i in rk.bill(rating.charges)
        ]


@settings(max_examples=max(LAWS // 2, 50))
@given(seed=st.integers(0, 2**32), late=st.booleans())
def test_every_record_is_named_or_changes_nothing(seed: int, late: bool) -> None:
    check_every_record_is_accounted_for(seed, late=late)
