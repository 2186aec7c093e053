"""Restore refuses what the feed's doors on prices refuse, in a snapshot altered and resealed.

docs/streaming.md, What a snapshot guards against: usage that no entry prices (a kept
record's description, a listing's attributes, a compacted state's description) and a
kept sample that some price takes out of range would make every statement fail, as the
feed would have refused the batch bringing them; restore refuses them, naming the record
(or the state) and why, the feed's own error chained.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tests._snapshots import resealed

import ratekit as rk

UTC = dt.UTC
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
FLAVORED = rk.Plan(
    "f",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("s", "vm.hours", rk.PerUnit("0.5"), where={"f": "s"}),
        rk.PriceEntry("gb", "egress", rk.PerUnit("100000")),
    ],
)
METERS = [VM, EGRESS]


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def _data() -> dict[str, Any]:
    """vm-1 ({'f': 's'}) from 1 March 01:00, compacted; an inventory of 3 March 01:00
    (fed ahead) listing vm-2 alone, as {'f': 's'}; a sample of 5 GB on 3 March."""
    rater = rk.Rater(FLAVORED, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-1", at(1, 1), {"f": "s"}, kind="start", id="s1"),
            rk.Inventory(at(3, 1), {("acme", "vm-2"): {"f": "s"}}, id="inv"),
            rk.Sample("acme", "vm-1", "egress", at(3, 2), 5, id="g1"),
        ]
    )
    # 1 March: 23 h * 0.5 = 11.5; 2 March: 24 h * 0.5 = 12.0 (1 March compacted at 3 March)
    totals = [invoice.total for invoice in rater.statement(at(3)).invoices]
    assert totals == [Decimal("11.50"), Decimal("12.00")]
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    return data


def _refused(edit: Callable[[dict[str, Any]], None]) -> rk.BadSnapshotError:
    data = _data()
    edit(data["body"])
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), FLAVORED, METERS)
    return caught.value


def test_the_unaltered_snapshot_restores_and_rates() -> None:
    restored = rk.Rater.restore(resealed(_data()), FLAVORED, METERS)
    closing = restored.statement(at(4))
    # 3 March: the inventory lists vm-2 alone and closes vm-1 at 01:00: 1 h + 23 h, 24 h *
    # 0.5 = 12.0; 5 GB * 100,000 = 500,000
    assert [invoice.total for invoice in closing.invoices] == [Decimal("500012.00")]


def test_a_compacted_state_described_so_that_no_entry_prices_it_is_refused() -> None:
    def edit(body: dict[str, Any]) -> None:
        assert body["state"][0]["description"] == {"f": "s"}
        body["state"][0]["description"] = {"f": "S"}

    refused = _refused(edit)
    # 2 March is the kept cycle the compacted state runs into: 24 h described by {'f': 'S'}
    assert str(refused).startswith(
        "Rater snapshot keeps the state of resource 'vm-1' of 'acme' (body.state[0]) "
        "describing it so that every statement would fail to price the usage of account "
        "'acme', as the feed refuses a record doing so: usage of meter 'vm.hours' by "
        "account 'acme' (resource 'vm-1', 24 hour) over "
        "2026-03-02T00:00:00Z..2026-03-03T00:00:00Z has no price in plan 'f'"
    )
    assert isinstance(refused.__cause__, rk.UnpricedUsageError)


def test_a_kept_listing_whose_attributes_no_entry_prices_is_refused_naming_the_inventory() -> None:
    def edit(body: dict[str, Any]) -> None:
        (listing,) = body["records"][0][2]
        assert listing == ["acme", "vm-2", {"f": "s"}]
        listing[2] = {"f": "S"}

    refused = _refused(edit)
    # vm-2 opened at 3 March 01:00: 23 h to the end of the cycle, described by {'f': 'S'}
    assert str(refused).startswith(
        "Rater snapshot keeps a record that the feed refuses: inventory 'inv' stamped "
        "2026-03-03T01:00:00Z would make every statement fail to price the usage of account "
        "'acme': usage of meter 'vm.hours' by account 'acme' (resource 'vm-2', 23 hour) over "
        "2026-03-03T01:00:00Z..2026-03-04T00:00:00Z has no price in plan 'f'"
    )
    assert isinstance(refused.__cause__, rk.UnpricedUsageError)


def test_a_kept_sample_that_a_price_takes_out_of_range_is_refused() -> None:
    data = _data()
    rater = rk.Rater.restore(resealed(copy.deepcopy(data)), FLAVORED, METERS)
    big = rk.Sample("acme", "vm-1", "egress", at(3, 3), "1E+28", id="g2")
    # the feed refuses it: (1E+28 + 5) GB * 100,000 EUR is past 1E+30
    with pytest.raises(rk.BadPriceError, match="outside the amounts ratekit carries"):
        rater.feed([big])
    (group,) = data["body"]["by_resource"]["groups"]
    assert group[5] == "KA"  # 5: its coefficient doubled (10: K), its exponent 0 (A)
    group[5] = "C4B"  # 1E+28: its coefficient 1 doubled (2: C), its exponent 28 doubled (56: 4B)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), FLAVORED, METERS)
    said = str(caught.value)
    # 1E+28 GB * 100,000 = 1E+33 EUR
    assert said.startswith(
        "Rater snapshot keeps a record that the feed refuses: the samples of account "
        "'acme' (the first: sample 'g1' of meter 'egress' stamped 2026-03-03T02:00:00Z) would "
        "make every statement fail to price them: price entry 'gb' of plan 'f' prices "
        "10000000000000000000000000000 GB"
    )
    assert "the batch" not in said
    assert said.endswith("Restore an unaltered copy.")
    assert isinstance(caught.value.__cause__, rk.BadPriceError)


def test_assign_still_says_in_its_own_words_what_a_new_plan_cannot_price() -> None:
    # restore inside assign() leaves the accounts it adds to its own door
    empty = rk.Plan("empty", "EUR", rk.cycles.daily(tz="UTC"), [])
    rater = rk.Rater([rk.Assignment("acme", FLAVORED)], METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", at(1, 1), {"f": "s"}, kind="start", id="s1")])
    rater.statement(at(2))
    with pytest.raises(
        rk.UnpricedUsageError,
        match=r"^Rater.assign: with Assignment\('acme', 'empty', start='2026-03-02T00:00:00Z'\), "
        r"every statement would fail to price the usage of account 'acme'",
    ):
        rater.assign(rk.Assignment("acme", empty, start=at(2)))


def _small(value: object) -> bool:
    return value in {"s", "x"}


def _large(value: object) -> bool:
    return value in {"l", "x"}


def test_a_kept_record_that_two_entries_of_one_priority_both_price_is_refused() -> None:
    tied = rk.Plan(
        "t",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry(
                "s", "vm.hours", rk.PerUnit("0.5"), where={"f": rk.Satisfies(_small, "small")}
            ),
            rk.PriceEntry(
                "l", "vm.hours", rk.PerUnit(2), where={"f": rk.Satisfies(_large, "large")}
            ),
        ],
    )
    rater = rk.Rater(tied, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", at(1, 1), {"f": "s"}, kind="start", id="s1")])
    # the feed refuses {'f': 'x'}, which both entries select
    with pytest.raises(rk.BadPriceError, match="have the same priority 0 and both apply"):
        rater.copy().feed([rk.Event("acme", "vm-1", at(1, 2), {"f": "x"}, id="u1")])
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["by_resource"]["attributes"] == [{"f": "s"}]
    data["body"]["by_resource"]["attributes"] = [{"f": "x"}]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), tied, [VM])
    assert str(caught.value) == (
        "Rater snapshot keeps a record that the feed refuses: event 's1' (start) stamped "
        "2026-03-01T01:00:00Z would make every statement fail to price the usage of account "
        "'acme': price entries 'l' and 's' of meter 'vm.hours' have the same priority 0 and "
        "both apply to a resource described by {'f': 'x'}; give one a higher priority, or "
        "make their spans, windows or selectors exclusive. Restore an unaltered copy."
    )
    assert isinstance(caught.value.__cause__, rk.BadPriceError)
