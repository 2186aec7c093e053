"""A record that makes its account known before the kept cycles: its dues there are too late.

Under one plan, an account owes its fees, bases and minimums from the cycle of its first
record, in batch ``rate()`` as in the rater. A record stamped in a compacted cycle (or a
delta whose span starts there) that is its account's first, or earlier than its first,
moves that cycle back: batch charges the plan's dues in the compacted cycles from there,
the stream cannot. The feed says so in a ``"too_late"`` anomaly naming the cycles, after
the record's own; the kept cycles are charged as batch charges them. Worked by hand in
the comments: daily cycles, a fee of 5 and a minimum of 20 a day, 1 EUR a call.
"""

from __future__ import annotations

import json
from decimal import Decimal

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
API = rk.Meter("api", "call", rk.Discrete())
ENTRY = rk.PriceEntry("api", "api", rk.PerUnit(1))
PLAN = rk.Plan("p", "EUR", DAILY, [ENTRY], fees=[rk.Fee("base", 5)], minimums=[rk.Minimum(20)])
START = "2026-03-01T00:00:00Z"
ACME = rk.Sample("acme", "x", "api", "2026-03-01T10:00:00Z", 3, id="a")


def _compacted_to_the_3rd(plan: rk.Plan = PLAN) -> rk.Rater:
    """1 and 2 March compacted, 3 March closed but kept (no horizon): base 3 March."""
    rater = rk.Rater(plan, [API], start=START)
    rater.feed([ACME])
    rater.statement("2026-03-04T00:00:00Z")
    return rater


def _dues_words(feed: rk.Feed) -> list[str]:
    return [a.message for a in feed.anomalies if "known from" in a.message]


#: What the dues anomaly says of a minimum (the plan has one): it is no extra charge.
_TOPPED = (
    "a minimum there tops up the lines it counts, the usage said too late among them: it is "
    "not due on top of that usage"
)


def _words(  # noqa: PLR0917 - the message's parts, in its order
    what: str, account: str, known: str, start: str, end: str, minimum: bool = True
) -> str:
    """The dues anomaly's message; the kept cycles start on 3 March.

    ``minimum``: whether the plan has one (the words then say how it is due).
    """
    topped = f"; {_TOPPED}" if minimum else ""
    return (
        f"{what} makes account {account!r} known from {known}, before the cycles the rater "
        f"keeps (from 2026-03-03T00:00:00Z): what plan 'p' has due for it from {start} to "
        f"{end} (its fees, bases and minimums, which batch rate() charges from the cycle of "
        f"an account's first record{topped}) is not charged; the rater charges it from "
        f"{end} on."
    )


def test_a_new_accounts_first_record_too_late_names_the_compacted_cycles_dues() -> None:
    rater = _compacted_to_the_3rd()
    beta = rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")
    feed = rater.feed([beta])
    assert feed.too_late == ("b",)
    assert [a.kind for a in feed.anomalies] == ["too_late", "too_late"]
    assert "its quantity 3 call (api) is not applied" in feed.anomalies[0].message  # its own
    assert feed.anomalies[1].message == (
        "sample 'b' makes account 'beta' known from 2026-03-01T10:00:00Z, before the cycles "
        "the rater keeps (from 2026-03-03T00:00:00Z): what plan 'p' has due for it from "
        "2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z (its fees, bases and minimums, which "
        "batch rate() charges from the cycle of an account's first record; a minimum there "
        "tops up the lines it counts, the usage said too late among them: it is not due on "
        "top of that usage) is not charged; the rater charges it from 2026-03-03T00:00:00Z on."
    )  # written out once in full
    named = feed.anomalies[1]
    assert (named.account, named.resource, named.record_ids) == ("beta", "y", ("b",))
    assert named.at_us == rk.Span("2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z").start_us
    # The kept cycles owe it: 3 March (late, closed) and 4 March, each fee 5 + top-up 20.
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    beta_lines = [(f"{x.cycle.start:%d}", x.role, x.amount) for x in lines if x.account == "beta"]
    assert sorted(beta_lines) == [
        ("03", "charge", Decimal(5)),
        ("03", "charge", Decimal(20)),
        ("04", "charge", Decimal(5)),
        ("04", "charge", Decimal(20)),
    ]
    # Batch owes beta 1 March: 3 + 5 + top-up 17 = 25; 2 March: 5 + 20 = 25; and the 50
    # the stream charges. The stream's 50 + the named cycles' 25 + 25 = batch's 100.
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    batch = rk.rate([ACME, beta], PLAN, span=span, meters=[API])
    owed = {}
    for charge in batch.charges:
        if charge.account == "beta":
            day = f"{charge.cycle.start:%d}"
            owed[day] = owed.get(day, Decimal(0)) + charge.amount
    assert owed == {"01": 25, "02": 25, "03": 25, "04": 25}


def test_an_earlier_first_record_names_only_the_cycles_before_the_known_first() -> None:
    rater = rk.Rater(PLAN, [API], start=START)
    rater.feed([ACME, rk.Sample("beta", "y", "api", "2026-03-02T10:00:00Z", 1, id="b2")])
    rater.statement("2026-03-04T00:00:00Z")  # beta owed 2 March already (its first record)
    feed = rater.feed([rk.Sample("beta", "y", "api", "2026-03-01T08:00:00Z", 1, id="b1")])
    # Only 1 March was never charged to beta: from 1 March up to 2 March.
    assert _dues_words(feed) == [
        _words("sample 'b1'", "beta", "2026-03-01T08:00:00Z", START, "2026-03-02T00:00:00Z")
    ]
    # A record earlier in the same cycle as the known first changes no cycle: no words.
    assert _dues_words(rater.feed([rk.Sample("beta", "y", "api", "2026-03-01T07:00:00Z", 1)])) == []


def test_a_known_account_first_in_the_kept_cycles_names_the_cycles_up_to_them() -> None:
    rater = _compacted_to_the_3rd()
    rater.feed([rk.Sample("beta", "y", "api", "2026-03-03T12:00:00Z", 1, id="b3")])
    feed = rater.feed([rk.Event("beta", "vm", "2026-03-02T06:00:00Z", kind="start")])
    # An event without an id is named by what it is; 2 March alone, up to the kept 3rd.
    what = "event (start of 'vm' of 'beta' at 2026-03-02T06:00:00Z, no id)"
    assert _dues_words(feed) == [
        _words(what, "beta", "2026-03-02T06:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    ]


def test_a_delta_over_a_span_counts_from_its_since() -> None:
    rater = _compacted_to_the_3rd()
    spanned = rk.Sample(
        "beta", "y", "api", "2026-03-03T06:00:00Z", 4, since="2026-03-02T18:00:00Z", id="s"
    )
    feed = rater.feed([spanned])
    assert "known from 2026-03-02T18:00:00Z" in _dues_words(feed)[0]
    assert "from 2026-03-02T00:00:00Z to 2026-03-03T00:00:00Z" in _dues_words(feed)[0]


def test_nothing_is_named_when_the_plan_owes_nothing_with_time_alone() -> None:
    bare = rk.Plan("bare", "EUR", DAILY, [ENTRY])
    rater = _compacted_to_the_3rd(bare)
    feed = rater.feed([rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")])
    assert [a.kind for a in feed.anomalies] == ["too_late"]  # its quantity, alone
    assert _dues_words(feed) == []
    # A graduated price with a base (its amount at zero) is owed with time alone.
    based = rk.Plan("g", "EUR", DAILY, [rk.PriceEntry("api", "api", rk.Flat(7))])
    feed = _compacted_to_the_3rd(based).feed([rk.Sample("beta", "y", "api", START, 3, id="b")])
    assert len(_dues_words(feed)) == 1


def test_nothing_is_named_under_assignments() -> None:
    assigned = [
        rk.Assignment("acme", PLAN, start=START),
        rk.Assignment("beta", PLAN, start=START),
    ]
    rater = rk.Rater(assigned, [API], start=START)
    rater.feed([ACME])
    rater.statement("2026-03-04T00:00:00Z")
    feed = rater.feed([rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")])
    assert feed.too_late == ("b",)
    assert _dues_words(feed) == []  # an assignment covers beta from 1 March: charged then


def test_usage_an_inventory_opened_covers_the_account_after_compaction() -> None:
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [ENTRY, rk.PriceEntry("vm", "vm.hours", rk.PerUnit(0))],
        fees=[rk.Fee("base", 5)],
    )
    rater = rk.Rater(plan, [API, vm], start=START)
    # gamma's VM is first known from a listing at 2 March 12:00: it runs from there, and
    # that usage covers gamma from 2 March (batch charges its fee from that cycle).
    listing = rk.Inventory("2026-03-02T12:00:00Z", [("gamma", "vm")], id="inv")
    rater.feed([ACME, listing])
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted
    feed = rater.feed([rk.Sample("gamma", "vm", "api", "2026-03-01T08:00:00Z", 1, id="g")])
    # 2 March was charged to gamma (its usage): only 1 March is named. A fee alone, no
    # minimum: nothing is said of one.
    assert _dues_words(feed) == [
        _words("sample 'g'", "gamma", "2026-03-01T08:00:00Z", START, "2026-03-02T00:00:00Z", False)
    ]


def test_cycles_before_the_raters_start_are_named_by_neither() -> None:
    # Started on 2 March: batch rate() from there owes beta nothing on 1 March either.
    rater = rk.Rater(PLAN, [API], start="2026-03-02T00:00:00Z")
    rater.feed([rk.Sample("acme", "x", "api", "2026-03-02T10:00:00Z", 3, id="a")])
    rater.statement("2026-03-04T00:00:00Z")  # 2 March compacted, 3 March kept
    feed = rater.feed([rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")])
    # Only 2 March: from the rater's first cycle, not from 1 March.
    assert "from 2026-03-02T00:00:00Z to 2026-03-03T00:00:00Z" in _dues_words(feed)[0]
    started_late = rk.Rater(PLAN, [API], start="2026-03-03T00:00:00Z")
    started_late.statement("2026-03-04T00:00:00Z")  # nothing compacted: base is the start
    feed = started_late.feed([rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")])
    assert feed.too_late == ("b",)
    assert _dues_words(feed) == []


def test_a_restored_rater_names_the_same_cycles() -> None:
    rater = _compacted_to_the_3rd()
    body = json.loads(json.dumps(rater.snapshot()))
    restored = rk.Rater.restore(body, PLAN, [API])
    beta = rk.Sample("beta", "y", "api", "2026-03-01T10:00:00Z", 3, id="b")
    assert _dues_words(restored.feed([beta])) == _dues_words(rater.feed([beta]))
    assert (
        "from 2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z"
        in _dues_words(rk.Rater.restore(body, PLAN, [API]).feed([beta]))[0]
    )


def test_a_rater_started_mid_cycle_names_its_first_cycle_from_the_cycles_start() -> None:
    # A rater rates the whole cycle that holds its start: started at noon on 1 March, it
    # charges acme that day's fee and minimum in full, as batch rate() over its cycles.
    rater = rk.Rater(PLAN, [API], start="2026-03-01T12:00:00Z")
    acme = rk.Sample("acme", "x", "api", "2026-03-01T14:00:00Z", 3, id="a")
    rater.feed([acme])
    first = rater.statement("2026-03-02T00:00:00Z")
    # 1 March: fee 5 + 3 calls + top-up 20 - 3 = 17, not a half day's 2.5 + 3 + (10 - 3).
    assert sorted((x.kind, x.amount) for x in first.lines) == [
        ("fee", 5),
        ("minimum", 17),
        ("usage", 3),
    ]
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted, 3 March kept
    # beta, first known at 06:00, before the rater's start but in its first cycle: its
    # dues are named from that cycle's start, which the stream charges whole.
    early = rk.Sample("beta", "y", "api", "2026-03-01T06:00:00Z", 3, id="b")
    assert _dues_words(rater.feed([early])) == [
        _words("sample 'b'", "beta", "2026-03-01T06:00:00Z", START, "2026-03-03T00:00:00Z")
    ]
    span = rk.Span(START, "2026-03-04T00:00:00Z")  # the rater's cycles
    batch = rk.rate([acme, early], PLAN, span=span, meters=[API])
    # The cycles named, reckoned as docs/streaming.md says (fees, and the commitment or
    # the usage said too late, the greater): 1 March 5 + max(20, 3) = 25, 2 March
    # 5 + max(20, 0) = 25; from the rater's start instant it would be a half day less.
    assert batch.total("beta", "2026-03-01T00:00:00Z") == Decimal(25)
    assert batch.total("beta", "2026-03-02T00:00:00Z") == Decimal(25)
    assert batch.total("acme", "2026-03-01T00:00:00Z") == Decimal(25)  # as the stream charged
