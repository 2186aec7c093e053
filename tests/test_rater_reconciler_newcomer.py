"""A reconciler's stream as a newcomer writes one: inventories fed ahead, lost deletes, DST.

Daily and monthly cycles in Europe/Zurich across the change of 29 March 2026 (a day of 23
hours: local midnights at 2026-03-27T23:00Z, 03-28T23:00Z, 03-29T22:00Z, 03-30T22:00Z),
horizons of 0 and 3 hours, ``unpriced="error"`` and ``"anomaly"``, a restore through
JSON before every call. The oracle is one batch ``rk.rate()`` over the records the
stream took, as of its last watermark: the statements' lines add up to its charges per
account, cycle and line, and the last ``"unpriced"`` anomaly the stream said of a piece
of usage is batch's. The VM price: the first 10 hours of a cycle at 1, the rest at 0.5,
for VMs in zone a only (anything else is usage no entry prices).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

Record = rk.Event | rk.Sample | rk.Inventory
Step = tuple[str, object]
METERS = [rk.Meter("vm", "hour", rk.OnOff())]
ZURICH_DAILY = rk.cycles.daily(tz="Europe/Zurich")
ZURICH_MONTHLY = rk.cycles.monthly(tz="Europe/Zurich")
UTC_DAILY = rk.cycles.daily(tz="UTC")
DAY0 = "2026-03-27T23:00:00Z"  # local midnight of 28 March in Zurich
HOUR_US = 3_600_000_000
ZONE_A = {"zone": "a"}
ZONE_B = {"zone": "b"}


def plan(cycle: rk.cycles.Cycle, unpriced: str = "error") -> rk.Plan:
    """VMs of zone a: the first 10 hours of a cycle at 1, the rest at 0.5."""
    tiers = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    entry = rk.PriceEntry("vm", "vm", tiers, where=ZONE_A)
    return rk.Plan("p", "EUR", cycle, [entry], unpriced=unpriced)  # type: ignore[arg-type]


def start(resource: str, at: str, attributes: dict[str, str], record_id: str) -> rk.Event:
    return rk.Event("acme", resource, at, attributes, kind="start", id=record_id)


def gone_at(at: str, listed: object = (), **scope: object) -> rk.Inventory:
    """A ``last_seen`` inventory (scope and id in ``scope``)."""
    return rk.Inventory(at, listed, close="last_seen", **scope)  # type: ignore[arg-type]


def restored(rater: rk.Rater, the_plan: rk.Plan) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), the_plan, METERS)


class Run:
    """A stream fed and stated in ``steps``, restored through JSON before every call.

    ``strict``: no feed may call a record too late (every record is fed before the
    watermark passes it).
    """

    def __init__(
        self,
        the_plan: rk.Plan,
        first: str,
        steps: Sequence[Step],
        horizon_h: float = 0,
        *,
        strict: bool = True,
    ) -> None:
        self.plan, self.first = the_plan, first
        rater = rk.Rater(the_plan, METERS, start=first, horizon=dt.timedelta(hours=horizon_h))
        self.records: list[Record] = []
        self.statements: list[rk.Statement] = []
        self.anomalies: list[rk.Anomaly] = []
        self.last = first
        for kind, argument in steps:
            rater = restored(rater, the_plan)
            if kind == "feed":
                batch = list(typing_records(argument))
                feed = rater.feed(batch)
                assert feed.too_late == () or not strict
                self.records += batch
                self.anomalies += feed.anomalies
            else:
                statement = rater.statement(str(argument))
                self.statements.append(statement)
                self.anomalies += statement.anomalies
                self.last = str(argument)

    def totals(self) -> list[Decimal]:
        return [statement.total() for statement in self.statements]

    def line_sums(self) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
        """Quantity and amount per account, cycle, meter, resource and kind of line."""
        lines = [line for statement in self.statements for line in statement.lines]
        return _sums(
            (ln.account, ln.cycle.start_us, ln.meter, ln.resource, ln.kind, ln.quantity, ln.amount)
            for ln in lines
        )

    def batch(self) -> rk.Rating:
        span = rk.Span(self.first, self.last)
        return rk.rate(self.records, self.plan, span=span, meters=METERS, as_of=self.last)

    def check_law(self) -> rk.Rating:
        """The statements' lines add up to batch's charges; batch's unpriced words said."""
        batch = self.batch()
        assert self.line_sums() == charge_sums(batch)
        said = _unpriced(self.anomalies)
        assert {key: said.get(key) for key in _unpriced(batch.anomalies)} == _unpriced(
            batch.anomalies
        )
        return batch


def charge_sums(batch: rk.Rating) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
    """Batch's charges summed as `Run.line_sums` sums the statements' lines."""
    return _sums(
        (c.account, c.cycle.start_us, c.meter, c.resource, c.kind, c.quantity, c.amount)
        for c in batch.charges
    )


def typing_records(argument: object) -> list[Record]:
    assert isinstance(argument, list)
    return argument


def _sums(
    rows: object,
) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
    out: dict[tuple[object, ...], tuple[Fraction, Fraction]] = {}
    for *key, quantity, amount in rows:  # type: ignore[attr-defined]
        was = out.get(tuple(key), (Fraction(0), Fraction(0)))
        out[tuple(key)] = (was[0] + Fraction(quantity), was[1] + Fraction(amount))
    return {key: value for key, value in out.items() if value != (0, 0)}


_OVER = re.compile(r"over (\S+?)\.\.")


def _unpriced(anomalies: Sequence[rk.Anomaly]) -> dict[tuple[object, ...], str]:
    """The last ``"unpriced"`` message per account, resource and start of its span."""
    out: dict[tuple[object, ...], str] = {}
    for anomaly in anomalies:
        if anomaly.kind == "unpriced":
            found = _OVER.search(anomaly.message)
            assert found is not None
            out[anomaly.account, anomaly.resource, found.group(1)] = anomaly.message
    return out


# -- a lost delete found by a last_seen inventory fed ahead, across the DST change -----------

LOST = [
    (
        "feed",
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_A, "s1"),
            gone_at("2026-03-30T08:00:00Z", id="inv"),
        ],
    ),
    *[
        ("st", at)
        for at in (
            "2026-03-29T00:30:00Z",
            "2026-03-29T01:00:00Z",
            "2026-03-29T22:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-03-30T08:00:00Z",
            "2026-03-30T09:00:00Z",
            "2026-03-30T22:00:00Z",
        )
    ],
]


@pytest.mark.parametrize("horizon_h", [0, 3])
def test_a_lost_delete_found_ahead_is_billed_then_taken_back_whole_across_dst(
    horizon_h: int,
) -> None:
    # vm1 runs from 28 March 12:00Z; the inventory of 30 March 08:00 does not list it:
    # closed at 12:00 on 28 March, its last sign of life. Until a statement reads it:
    # 29 Mar 00:30: 28 March (23:00Z to 23:00Z) 11 h -> 10 x 1 + 1 x 0.5 = 10.5;
    #   29 March from 23:00Z, 1.5 h at 1 -> 1.5: 12.0.
    # 01:00Z (the change, 03:00 local): +0.5 h at 1.
    # 29 Mar 22:00Z: 29 March has 23 hours: 10 + 13 x 0.5 = 16.5, so +14.5.
    # 30 Mar 07:00Z: 9 h of 30 March at 1; 08:00Z, at the inventory, not read: +1.
    # 09:00Z reads it: -10.5 - 16.5 - 10 = -37.0 (the kept cycles back to 28 March).
    run = Run(plan(ZURICH_DAILY), DAY0, LOST, horizon_h)
    assert run.totals() == [
        Decimal("12.0"),
        Decimal("0.5"),
        Decimal("14.5"),
        Decimal(9),
        Decimal(1),
        Decimal("-37.0"),
        Decimal(0),
    ]
    reversals = [
        (f"{line.cycle.start:%d %H}", line.quantity, line.late) for line in run.statements[5].lines
    ]
    assert reversals == [("27 23", -11, True), ("28 23", -23, True), ("29 22", -10, False)]
    assert [a.kind for a in run.anomalies] == ["late", "reconciled_close"]
    assert run.check_law().total() == 0


@pytest.mark.parametrize("unpriced", ["error", "anomaly"])
@pytest.mark.parametrize("horizon_h", [0, 3])
@pytest.mark.parametrize("cycle", ["daily", "monthly"])
def test_unpriced_usage_closed_back_by_an_inventory_fed_ahead_is_withheld(
    unpriced: str, horizon_h: int, cycle: str
) -> None:
    # vm1 runs in zone b (no entry prices it) from 28 March 12:00Z; a last_seen
    # inventory of 30 March 08:00 fed with it closes it at 12:00: batch makes no usage.
    # Statements before, at and after the DST change and the inventory neither fail nor
    # say "unpriced"; nothing is charged; the closing is said once.
    the_plan = plan(ZURICH_DAILY if cycle == "daily" else ZURICH_MONTHLY, unpriced)
    first = DAY0 if cycle == "daily" else "2026-02-28T23:00:00Z"
    end = "2026-03-30T22:00:00Z" if cycle == "daily" else "2026-03-31T22:00:00Z"
    steps: list[Step] = [
        (
            "feed",
            [
                start("vm1", "2026-03-28T12:00:00Z", ZONE_B, "s1"),
                gone_at("2026-03-30T08:00:00Z", id="inv"),
            ],
        ),
        *[
            ("st", at)
            for at in ("2026-03-29T01:00:00Z", "2026-03-30T07:59:00Z", "2026-03-30T08:00:00Z", end)
        ],
    ]
    run = Run(the_plan, first, steps, horizon_h)
    assert run.totals() == [0, 0, 0, 0]
    assert [a.kind for a in run.anomalies] == ["reconciled_close"]
    assert run.check_law().total() == 0


# -- what the feed refuses: usage batch refuses, judged with the inventories -----------------

REFUSED = {
    # listed without attributes: opened at 08:00 described by nothing, 14 h to 22:00Z
    "listed bare": (
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_A, "s1"),
            gone_at("2026-03-30T08:00:00Z", [("acme", "vm2")], id="inv"),
        ],
        "records[1]: inventory 'inv' stamped 2026-03-30T08:00:00Z",
        "'vm2', 14 hour",
    ),
    # listed in zone b: described anew from 08:00, 14 h unpriced
    "listed in zone b": (
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_A, "s1"),
            rk.Inventory("2026-03-30T08:00:00Z", {("acme", "vm1"): ZONE_B}, id="inv"),
        ],
        "records[1]: inventory 'inv' stamped 2026-03-30T08:00:00Z",
        "'vm1', 14 hour",
    ),
    # scoped to another account: vm1 runs on in zone b, 11 h of 28 March
    "scoped elsewhere": (
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_B, "s1"),
            gone_at("2026-03-30T08:00:00Z", accounts=["other"], id="inv"),
        ],
        "records[0]: event 's1' (start) stamped 2026-03-28T12:00:00Z",
        "'vm1', 11 hour",
    ),
    # listed by a scoped inventory at the instant of one that closes: present, runs on
    "two at one instant": (
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_B, "s1"),
            gone_at("2026-03-30T08:00:00Z", id="i2"),
            rk.Inventory("2026-03-30T08:00:00Z", [("acme", "vm1")], accounts=["acme"], id="i1"),
        ],
        "records[0]: event 's1' (start) stamped 2026-03-28T12:00:00Z",
        "'vm1', 11 hour",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_feed_refuses_what_batch_refuses_and_takes_the_rest_after(name: str) -> None:
    records, which, figure = REFUSED[name]
    the_plan = plan(ZURICH_DAILY)
    span = rk.Span(DAY0, "2026-03-30T22:00:00Z")
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate(records, the_plan, span=span, meters=METERS, as_of=span.end)
    rater = rk.Rater(the_plan, METERS, start=DAY0)
    with pytest.raises(rk.UnpricedUsageError) as refused:
        rater.feed(records)
    message = str(refused.value)
    assert message.startswith(f"Rater.feed: {which} would make every statement fail")
    assert figure in message
    assert "no entry of that meter is in effect" in message
    assert "unpriced='anomaly'" in message  # what would be accepted
    assert rater.statement("2026-03-30T22:00:00Z").lines == ()  # left as it was


# -- laws over hostile shapes, with exact figures where they are short ------------------------

SHAPES: dict[str, list[Record] | list[list[Record]]] = {
    # the inventory lists vm1 in zone a (b before): priced from 08:00
    "two at one instant, attributes": [
        start("vm1", "2026-03-28T12:00:00Z", ZONE_B, "s1"),
        rk.Inventory("2026-03-30T08:00:00Z", {("acme", "vm1"): ZONE_A}, accounts=["acme"], id="i1"),
        gone_at("2026-03-30T08:00:00Z", id="i2"),
    ],
    # a STOP seq 1 fed ahead orders itself before the START seq 5, which then takes
    # effect no sooner than the STOP: vm1 runs from 30 March 08:00Z
    "seq ahead": [
        rk.Event("acme", "vm1", "2026-03-28T12:00:00Z", ZONE_A, kind="start", id="s1", seq=5),
        rk.Event("acme", "vm1", "2026-03-30T08:00:00Z", kind="stop", id="x1", seq=1),
    ],
    # the DELETE lost, then found and fed before the watermark passes it
    "delete found": [
        [
            start("vm1", "2026-03-28T12:00:00Z", ZONE_A, "s1"),
            gone_at("2026-03-30T08:00:00Z", id="inv"),
        ],
        [rk.Event("acme", "vm1", "2026-03-29T00:00:00Z", kind="delete", id="d1")],
    ],
    # listed bare by a last_seen inventory: a sign of life, no new description
    "listed bare": [
        start("vm1", "2026-03-28T12:00:00Z", ZONE_A, "s1"),
        gone_at("2026-03-30T08:00:00Z", [("acme", "vm1")], id="inv"),
    ],
    "scoped to the account": [
        start("vm1", "2026-03-28T12:00:00Z", ZONE_B, "s1"),
        gone_at("2026-03-30T08:00:00Z", accounts=["acme"], id="inv"),
    ],
}
WATERMARKS = (
    "2026-03-29T00:30:00Z",
    "2026-03-30T07:00:00Z",
    "2026-03-30T08:00:00Z",
    "2026-03-30T22:00:00Z",
)
#: What batch bills each shape over 28 to 30 March (Zurich days).
BILLED = {
    # 30 March 08:00Z to 22:00Z, 14 h in zone a: 10 x 1 + 4 x 0.5 = 12
    "two at one instant, attributes": Decimal(12),
    # 30 March 08:00Z to 22:00Z, 14 h: 10 x 1 + 4 x 0.5 = 12
    "seq ahead": Decimal(12),
    # 28 March 12:00 to 29 March 00:00Z: 11 h on 28 March (10.5), 1 h on 29 March (1)
    "delete found": Decimal("11.5"),
    # 28 March: 11 h, 10.5; 29 March: 23 h, 16.5; 30 March: 24 h, 17
    "listed bare": Decimal("44.0"),
    "scoped to the account": Decimal(0),
}


@pytest.mark.parametrize("unpriced", ["error", "anomaly"])
@pytest.mark.parametrize("horizon_h", [0, 3])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_hostile_shapes_bill_as_batch(name: str, horizon_h: int, unpriced: str) -> None:
    shape = SHAPES[name]
    batches = shape if isinstance(shape[0], list) else [shape]
    steps: list[Step] = [("feed", batches[0]), ("st", WATERMARKS[0])]
    steps += [("feed", batch) for batch in batches[1:]]
    steps += [("st", at) for at in WATERMARKS[1:]]
    if name == "two at one instant, attributes" and unpriced == "error":
        # zone b from 12:00 on 28 March: batch refuses, and so does the feed
        with pytest.raises(rk.UnpricedUsageError):
            Run(plan(ZURICH_DAILY, unpriced), DAY0, steps, horizon_h)
        return
    run = Run(plan(ZURICH_DAILY, unpriced), DAY0, steps, horizon_h)
    assert run.check_law().total() == BILLED[name]
    assert sum(run.totals()) == BILLED[name]


# -- faults: unpriced usage withheld, then compacted unsaid -----------------------------------


def test_unpriced_usage_withheld_for_an_inventory_of_another_kind_is_said() -> None:
    # Daily UTC cycles, no horizon, unpriced="anomaly". vm1 runs in zone b from 1 March
    # 12:00; a last_seen inventory of the zone-a VMs at 3 March 08:00, fed with it, does
    # not cover it. Batch: 12 h unpriced over 1 March, 24 h over 2 March, 9 h to 09:00.
    # The statement at 3 March 07:00 says 1 and 2 March, which it compacts, and 3 March's
    # 7 h so far (an anomaly said at a watermark stays said, as for any open cycle); the
    # one at 09:00 says 3 March's 9 h. (It once withheld vm1 for the inventory whatever
    # its where, compacted 1 March and never said its 12 h.)
    steps: list[Step] = [
        (
            "feed",
            [
                start("vm1", "2026-03-01T12:00:00Z", ZONE_B, "s1"),
                gone_at("2026-03-03T08:00:00Z", where=ZONE_A, id="inv"),
            ],
        ),
        ("st", "2026-03-03T07:00:00Z"),
        ("st", "2026-03-03T09:00:00Z"),
    ]
    run = Run(plan(UTC_DAILY, "anomaly"), "2026-03-01T00:00:00Z", steps)
    said = [a.message.split(" has no")[0] for a in run.anomalies if a.kind == "unpriced"]
    over = [
        "(resource 'vm1', 12 hour) over 2026-03-01T12:00:00Z..2026-03-02T00:00:00Z",
        "(resource 'vm1', 24 hour) over 2026-03-02T00:00:00Z..2026-03-03T00:00:00Z",
        "(resource 'vm1', 7 hour) over 2026-03-03T00:00:00Z..2026-03-03T07:00:00Z",
        "(resource 'vm1', 9 hour) over 2026-03-03T00:00:00Z..2026-03-03T09:00:00Z",
    ]
    assert said == [f"usage of meter 'vm' by account 'acme' {text}" for text in over]


def test_unpriced_usage_withheld_before_a_listing_is_said() -> None:
    # Daily UTC cycles, no horizon, unpriced="anomaly". vm1 starts described by nothing
    # at 1 March 02:00; an inventory of 2 March 12:00 lists it in zone a (priced from
    # then); a last_seen inventory of 3 March 08:00 does not list it: closed at 2 March
    # 12:00. Batch: 22 h unpriced over 1 March, 12 h over 2 March, nothing charged.
    steps: list[Step] = [
        (
            "feed",
            [
                start("vm1", "2026-03-01T02:00:00Z", {}, "s1"),
                rk.Inventory("2026-03-02T12:00:00Z", {("acme", "vm1"): ZONE_A}, id="i1"),
                gone_at("2026-03-03T08:00:00Z", id="i2"),
            ],
        ),
        ("st", "2026-03-03T07:00:00Z"),
        ("st", "2026-03-04T00:00:00Z"),
    ]
    run = Run(plan(UTC_DAILY, "anomaly"), "2026-03-01T00:00:00Z", steps)
    assert sum(run.totals()) == 0
    run.check_law()
    # The statement at 3 March 07:00 says 1 March's 22 h, which it compacts, and 2
    # March's 12 h before the listing (up to the closing's reach, nothing withheld); 2
    # March is kept for the closing and said again when it is rated again. (It once
    # withheld both for the inventory fed ahead and never said 1 March's 22 h.)
    said = {a.message.split(" has no")[0] for a in run.anomalies if a.kind == "unpriced"}
    over = {
        "(resource 'vm1', 22 hour) over 2026-03-01T02:00:00Z..2026-03-02T00:00:00Z",
        "(resource 'vm1', 12 hour) over 2026-03-02T00:00:00Z..2026-03-02T12:00:00Z",
    }
    assert said == {f"usage of meter 'vm' by account 'acme' {text}" for text in over}


# -- random reconciler streams against batch ---------------------------------------------------

T0 = to_us(DAY0)
QUARTERS = 4 * 24 * 5  # 28 March to 1 April (local days), in quarter hours
LAST = T0 + 5 * 24 * HOUR_US - HOUR_US  # local midnight of 2 April: 23 h on 29 March


def reconciler_stream(rng: random.Random) -> tuple[list[Record], list[int]]:
    """Events (some with ``seq``), inventories of both closes, scoped or not, some tied."""

    def instant() -> int:
        return T0 + rng.randrange(QUARTERS - 5) * HOUR_US // 4  # before LAST

    records: list[Record] = [
        rk.Event(
            "acme",
            rng.choice(["vm1", "vm2"]),
            format_us(instant()),
            rng.choice([ZONE_A, ZONE_A, ZONE_B, {}]),
            kind=rng.choice(["start", "start", "stop", "delete", "update"]),
            id=f"e{n}",
            seq=rng.choice([None, None, rng.randrange(9)]),
        )
        for n in range(rng.randrange(1, 6))
    ]
    for n in range(rng.randrange(3)):
        at = format_us(instant())
        listed = {
            ("acme", r): rng.choice([ZONE_A, ZONE_B]) for r in ("vm1", "vm2") if rng.random() < 0.4
        }
        close = rng.choice(["snapshot", "last_seen"])
        accounts = rng.choice([None, ["acme"], ["other"]])
        if accounts == ["other"]:
            listed = {}  # a listing of another account's resources: none of acme's
        records.append(rk.Inventory(at, listed, close=close, id=f"i{n}", accounts=accounts))
        if rng.random() < 0.3:
            records.append(gone_at(at, id=f"j{n}", accounts=["acme"]))
    watermarks = sorted(
        {T0 + rng.randrange(1, QUARTERS - 4) * HOUR_US // 4 for _ in range(rng.randrange(1, 4))}
    )
    return records, [*watermarks, LAST]


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 20), deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([0, 3]))
def test_random_reconciler_streams_bill_as_batch(seed: int, horizon_h: int) -> None:
    # Every record fed before the watermark passes it (some far ahead); unpriced="anomaly"
    # so no batch is refused. A stream whose last_seen closing reaches cycles compacted
    # before its feed, or whose event a seq orders before compacted events, says so
    # ("too_late", documented limits) and is left out.
    rng = random.Random(seed)
    records, watermarks = reconciler_stream(rng)
    steps: list[Step] = []
    rest = list(records)
    for watermark in watermarks:
        batch = [r for r in rest if to_us(r.at) < watermark or rng.random() < 0.3]
        rest = [r for r in rest if r not in batch]
        if batch:
            steps.append(("feed", batch))
        steps.append(("st", format_us(watermark)))
    run = Run(plan(ZURICH_DAILY, "anomaly"), DAY0, steps, horizon_h, strict=False)
    if any(a.kind == "too_late" for a in run.anomalies):
        return
    assert run.line_sums() == charge_sums(run.batch())


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 20), deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([0, 3]))
def test_random_reconciler_streams_refuse_at_the_feed_what_batch_refuses(
    seed: int, horizon_h: int
) -> None:
    # unpriced="error": each record fed alone, restored before each call; the feed
    # refuses what would leave usage no entry prices in batch, and the rater stays as it
    # was. No statement fails, batch over the records taken does not refuse them, and
    # the statements add up to it; each anomaly but "unpriced" and "late" is said once.
    rng = random.Random(seed)
    records, watermarks = reconciler_stream(rng)
    the_plan = plan(ZURICH_DAILY)
    rater = rk.Rater(the_plan, METERS, start=DAY0, horizon=dt.timedelta(hours=horizon_h))
    taken: list[Record] = []
    lines: list[rk.StatementLine] = []
    said: list[rk.Anomaly] = []
    rest = list(records)
    for watermark in watermarks:
        batch = [r for r in rest if to_us(r.at) < watermark or rng.random() < 0.3]
        rest = [r for r in rest if r not in batch]
        for record in batch:
            rater = restored(rater, the_plan)
            try:
                said += rater.feed([record]).anomalies
            except rk.UnpricedUsageError:
                continue
            taken.append(record)
        rater = restored(rater, the_plan)
        statement = rater.statement(format_us(watermark))
        lines += statement.lines
        said += statement.anomalies
    if any(a.kind == "too_late" for a in said):
        return
    last = format_us(watermarks[-1])
    batch_rating = rk.rate(taken, the_plan, span=rk.Span(DAY0, last), meters=METERS, as_of=last)
    assert _sums(
        (ln.account, ln.cycle.start_us, ln.meter, ln.resource, ln.kind, ln.quantity, ln.amount)
        for ln in lines
    ) == charge_sums(batch_rating)
    told = [
        (a.kind, a.record_ids[:1], a.account, a.resource)
        for a in said
        if a.kind not in ("unpriced", "late")
    ]
    assert len(told) == len(set(told))
