"""A PaaS billing backend's month, fed to the streaming rater by a poller that restarts.

The host polls Cloud Foundry's app usage events every six hours, restarts its process
after every poll (snapshot, JSON file, restore), re-reads the last poll's window, and
gets one STOP late. Then the hostile part: watermarks that go back, land on a cycle's
end or lie centuries ahead, an older snapshot restored with a newer set of plans, huge
ids, thousands of apps, and snapshots edited by hand. Amounts worked by hand.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

UTC = dt.UTC
MONTHS = rk.cycles.monthly(tz="UTC")
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
PRICE_CHANGE = "2026-03-15T00:00:00Z"
PLAN = rk.Plan(
    "cf",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.00002"), end=PRICE_CHANGE),
        rk.PriceEntry("mem-new", "memory", rk.PerUnit("0.00003"), start=PRICE_CHANGE),
    ],
)
START = dt.datetime(2026, 3, 1, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def app_event(
    org: str, app: str, when: dt.datetime, kind: str, ident: str, **attributes: int
) -> rk.Event:
    return rk.Event(org, app, when, attributes, kind=kind, id=ident)  # type: ignore[arg-type]


# What the Cloud Controller lists, and when the poller first sees each event.
SOURCE = [
    (app_event("org-1", "app-a", at(1), "start", "a1", memory_mb=512, instances=2), at(1)),
    (app_event("org-1", "app-a", at(10), "start", "a2", memory_mb=1024, instances=1), at(10)),
    # the STOP shows up in the API seven hours late, after the statement at 06:00
    (app_event("org-1", "app-a", at(20), "stop", "a3"), at(20, 7)),
    (app_event("org-1", "app-a", at(20, 0, 5), "stop", "a4"), at(20, 7)),  # a second STOP
    (
        app_event("org-2", "app-b", at(31, 22), "start", "b1", memory_mb=256, instances=1),
        at(31, 22),
    ),
    (app_event("org-2", "app-b", at(1, 2, month=4), "stop", "b2"), at(1, 2, month=4)),
]


def poll_month() -> tuple[dict[tuple[object, ...], Fraction], list[rk.Statement], str]:
    """Polls every six hours, a fresh process each time, the last window read again.

    The month is polled once for the tests that read it (it depends on nothing they
    do); each gets its own ledger and list.
    """
    ledger, statements, text = _polled_month()
    return defaultdict(Fraction, ledger), list(statements), text


@functools.cache
def _polled_month() -> tuple[dict[tuple[object, ...], Fraction], list[rk.Statement], str]:
    text = json.dumps(
        rk.Rater(PLAN, [MEMORY], start=START, horizon=dt.timedelta(days=1)).snapshot()
    )
    ledger: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    statements = []
    watermark = START
    while watermark < at(2, 6, month=4):
        rater = rk.Rater.restore(json.loads(text), PLAN, [MEMORY])
        now = watermark + dt.timedelta(hours=6)
        rater.feed(
            [event for event, seen in SOURCE if watermark - dt.timedelta(hours=6) <= seen < now]
        )
        statement = rater.statement(now)
        statements.append(statement)
        for line in statement.lines:
            ledger[(line.account, line.cycle.start.month)] += Fraction(line.amount)
        text = json.dumps(rater.snapshot())
        watermark = now
    return ledger, statements, text


def test_a_month_polled_by_a_restarting_process_is_billed_as_worked_by_hand() -> None:
    # app-a: 1 to 10 March 512 MB x 2 = 1024 MB for 216 h = 221,184 MB*h at 0.00002
    # = 4.42368; 10 to 15 March 1024 MB for 120 h = 122,880 MB*h at 0.00002 = 2.4576;
    # 15 to 20 March 122,880 MB*h at 0.00003 = 3.6864: 10.56768, printed 10.57.
    # app-b: 31 March 22:00 to 24:00, 256 MB x 2 h = 512 MB*h at 0.00003 = 0.01536 in
    # March (printed 0.02) and as much in April (to 02:00).
    ledger, statements, _ = poll_month()
    assert ledger == {
        ("org-1", 3): Fraction("10.56768"),
        ("org-2", 3): Fraction("0.01536"),
        ("org-2", 4): Fraction("0.01536"),
    }
    invoices = [invoice for statement in statements for invoice in statement.invoices]
    assert [(invoice.account, invoice.total) for invoice in invoices] == [
        ("org-1", Decimal("10.57")),
        ("org-2", Decimal("0.02")),
    ]
    # the late STOP: the poll at 20 March 12:00 takes back the 6 h billed after it
    # (1024 MB x 6 h x 0.00003 = 0.18432) as a reversal and a correction
    late = next(s for s in statements if s.as_of == at(20, 12))
    assert [(line.role, line.amount) for line in late.lines] == [
        ("reversal", Decimal("-3.87072")),  # 1024 x 126 h x 0.00003, reported to 06:00
        ("correction", Decimal("3.6864")),
    ]
    duplicate = [a for s in statements for a in s.anomalies if "a4" in a.record_ids]
    assert [a.kind for a in duplicate] == ["duplicate_stop"]


def test_the_month_restored_from_its_last_file_has_nothing_more_to_say() -> None:
    _, _, text = poll_month()
    rater = rk.Rater.restore(json.loads(text), PLAN, [MEMORY])
    assert rater.feed([event for event, _ in SOURCE]).counts["duplicates"] == len(SOURCE)
    statement = rater.statement(at(2, 12, month=4))
    assert statement.lines == ()
    assert statement.anomalies == ()


def test_the_ledger_equals_one_batch_rate_of_the_month() -> None:
    ledger, _, _ = poll_month()
    april = rk.Span(START, at(1, month=5))
    batch = rk.rate(
        [event for event, _ in SOURCE], PLAN, span=april, meters=[MEMORY], as_of=at(2, 6, month=4)
    )
    expected: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for charge in batch.charges:
        expected[(charge.account, charge.cycle.start.month)] += Fraction(charge.amount)
    assert ledger == expected


# -- watermarks ------------------------------------------------------------------------


def test_a_watermark_before_the_last_is_refused_and_changes_nothing() -> None:
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    rater.feed([event for event, _ in SOURCE[:2]])
    rater.statement(at(12))
    before = rater.snapshot()
    with pytest.raises(rk.BadTimeError) as caught:
        rater.statement(at(11, 23, 59))
    assert str(caught.value) == (
        "Rater.statement as_of 2026-03-11T23:59:00Z goes back before the last watermark "
        "2026-03-12T00:00:00Z; watermarks only move forward."
    )
    assert rater.snapshot() == before


def test_a_watermark_at_a_cycle_end_closes_it_and_a_stop_stamped_there_is_late() -> None:
    # Horizon 0: the statement at 1 April 00:00 closes March: app-c ran 31 March 23:00 to
    # 24:00, 128 MB x 1 h = 128 MB*h at 0.00003 = 0.00384. A STOP stamped at that very
    # instant, fed after, ends March's last piece there: late (docs/lateness.md), and no
    # money moves (the piece ended at the cycle's end anyway, and April has nothing).
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    rater.feed([app_event("o", "app-c", at(31, 23), "start", "c1", memory_mb=128, instances=1)])
    closing = rater.statement(at(1, month=4))
    assert [(invoice.account, invoice.lines[0].precise) for invoice in closing.invoices] == [
        ("o", Decimal("0.00384"))
    ]
    feed = rater.feed([app_event("o", "app-c", at(1, month=4), "stop", "c2")])
    assert feed.late == ("c2",)
    after = rater.statement(at(1, 6, month=4))
    assert after.lines == ()  # April: nothing ran; March: unchanged


def test_a_watermark_centuries_ahead_is_refused_before_anything_changes() -> None:
    hourly = rk.Plan(
        "h", "USD", rk.cycles.hourly(), [rk.PriceEntry("mem", "memory", rk.PerUnit(1))]
    )
    rater = rk.Rater(hourly, [MEMORY], start=START)
    before = rater.snapshot()
    with pytest.raises(rk.BadTimeError) as caught:
        rater.statement("2126-03-01T00:00:00Z")
    assert "would close more than 10,000 cycles at once" in str(caught.value)
    assert "closer together" in str(caught.value)
    assert rater.snapshot() == before


def test_a_watermark_years_ahead_on_monthly_cycles_closes_every_cycle_as_batch_does() -> None:
    # A clock ten years fast: 120 monthly cycles close at once, the running app billed
    # through all of them: 128 MB x (Mar 1 2026 .. Mar 1 2036 = 3653 days) = 128 x 87,672 h
    # = 11,222,016 MB*h; at 0.00003 after 15 March and 0.00002 before (14 days = 336 h:
    # 128 x 336 = 43,008 MB*h): 43,008 x 0.00002 + 11,179,008 x 0.00003 = 0.86016 +
    # 335.37024 = 336.2304.
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    rater.feed([app_event("o", "app-d", START, "start", "d1", memory_mb=128, instances=1)])
    statement = rater.statement("2036-03-01T00:00:00Z")
    assert len(statement.closed) == 120
    assert len(statement.invoices) == 120
    assert statement.total() == Decimal("336.2304")


# -- restores --------------------------------------------------------------------------


def test_an_older_snapshot_restores_only_with_its_own_plans() -> None:
    basic = rk.Plan("basic", "USD", MONTHS, [rk.PriceEntry("m", "memory", rk.PerUnit("0.00002"))])
    pro = rk.Plan("pro", "USD", MONTHS, [rk.PriceEntry("m", "memory", rk.PerUnit("0.00001"))])
    first = (rk.Assignment("org-1", basic),)
    rater = rk.Rater(first, [MEMORY], start=START)
    rater.statement(at(10))
    old = json.loads(json.dumps(rater.snapshot()))
    newer = rater.assign(rk.Assignment("org-1", pro, start=at(15)))
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(old, newer, [MEMORY])
    assert "was taken under other plans or meters" in str(caught.value)
    assert "the set the rater held when the snapshot was taken" in str(caught.value)
    again = rk.Rater.restore(old, first, [MEMORY])
    assert again.assign(*newer) == newer  # the host's whole log: a replay and the change


def test_a_batch_fed_again_after_an_older_snapshot_is_taken_anew_and_billed_once() -> None:
    # The host crashed after writing the statement at 12 March and restarts from the
    # file of 10 March: it drops its ledger's lines after 10 March and feeds again.
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    rater.feed([SOURCE[0][0]])
    first = rater.statement(at(10))
    old = json.dumps(rater.snapshot())
    rater.feed([SOURCE[1][0]])
    rater.statement(at(12))
    again = rk.Rater.restore(json.loads(old), PLAN, [MEMORY])
    assert again.feed([SOURCE[0][0], SOURCE[1][0]]).counts == {
        "accepted": 1,
        "duplicates": 1,
        "conflicting": 0,
        "late": 0,
        "too_late": 0,
    }
    second = again.statement(at(12))
    # 1024 MB x 216 h x 0.00002 = 4.42368 to 10 March; 1024 MB x 48 h x 0.00002 = 0.98304 after
    assert sum(line.amount for line in first.lines) == Decimal("4.42368")
    assert [(line.role, line.amount) for line in second.lines] == [
        ("increment", Decimal("0.98304"))
    ]


# -- hostile ids and many apps -----------------------------------------------------------


def test_a_two_megabyte_id_is_shortened_in_the_messages_that_name_it() -> None:
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    huge = "g" * 2_000_000
    assert rater.feed(
        [app_event("o", "app", at(2), "start", huge, memory_mb=1, instances=1)]
    ).accepted == (huge,)
    assert rater.feed([app_event("o", "app", at(2), "stop", huge)]).conflicting == (huge,)
    with pytest.raises(rk.UnknownMeterError) as caught:
        rater.feed([rk.Sample("o", "app", "egress", at(2), 1, id=huge)])
    assert len(str(caught.value)) < 1_000
    assert "is not one of the meters given: 'memory'" in str(caught.value)


def test_two_thousand_apps_restarted_bill_as_one_batch() -> None:
    # 2,000 apps of 20 orgs, each 64 MB x (1 + n % 3) instances from minute n % 600 of
    # 1 March; one statement at noon, a restart, one at 18:00.
    events = [
        app_event(
            f"org-{n % 20}",
            f"app-{n}",
            START + dt.timedelta(minutes=n % 600),
            "start",
            f"s{n}",
            memory_mb=64,
            instances=1 + n % 3,
        )
        for n in range(2000)
    ]
    rater = rk.Rater(PLAN, [MEMORY], start=START)
    assert rater.feed(events).counts["accepted"] == 2000
    noon = rater.statement(at(1, 12))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [MEMORY])
    evening = rater.statement(at(1, 18))
    # added exactly: a plain Decimal sum in the default 28 digits rounds (docs/streaming.md)
    total = sum((Fraction(line.amount) for line in (*noon.lines, *evening.lines)), Fraction(0))
    march = rk.Span(START, at(1, month=4))
    batch = rk.rate(events, PLAN, span=march, meters=[MEMORY], as_of=at(1, 18))
    assert total == Fraction(batch.total())


# -- snapshots edited by hand ------------------------------------------------------------


def sealed(data: dict[str, object]) -> dict[str, object]:
    """The snapshot resealed as docs/streaming.md says its checksum is computed."""
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**unsealed, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def leaves(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))]
    return [path]


def edited(data: dict[str, object], path: tuple[object, ...], value: object) -> dict[str, object]:
    copied = copy.deepcopy(data)
    here: object = copied
    for step in path[:-1]:
        here = here[step]  # type: ignore[index]
    here[path[-1]] = value  # type: ignore[index]
    return copied


def test_every_field_of_a_snapshot_edited_and_resealed_is_refused_or_rates() -> None:
    _, _, text = poll_month()
    data = json.loads(text)
    fields = [path for path in leaves(data) if path != ("checksum",)]
    assert len(fields) > 30
    longest = 0
    for path in fields:
        for value in (None, -1, "x", 10**40, {}):
            try:
                rater = rk.Rater.restore(sealed(edited(data, path, value)), PLAN, [MEMORY])
            except rk.BadSnapshotError as error:
                longest = max(longest, len(str(error)))
                continue
            try:  # restored: it must rate, or refuse with a ratekit error
                rater.statement(at(3, month=4))
                rater.snapshot()
            except rk.RatekitError:
                pass
    assert 0 < longest < 5_000  # refused in a message a person reads, not megabytes


def test_a_snapshot_edited_without_resealing_is_refused_naming_the_checksum() -> None:
    _, _, text = poll_month()
    data = json.loads(text)
    data["body"]["as_of_us"] = data["body"]["as_of_us"] + 1
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, PLAN, [MEMORY])
    assert "does not match its content" in str(caught.value)
    assert "restore an unaltered copy" in str(caught.value)
