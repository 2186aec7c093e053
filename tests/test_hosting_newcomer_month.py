"""A managed Postgres host's October and November, worked by hand and streamed.

The fleet, plans and hand-worked invoices are in ``tests/_hosting_fleet.py``: five
accounts on a starter plan (per-size hours, 20 GB-month of storage free, a 10 USD
commitment) and a pro plan (graduated hours), with a sign-up, a cancel, moves between
plans and back, three moves in a day, a counter reset after a restart, a delete before
its create, a resize with no start and a lost delete that an inventory closes. Months
are Europe/Berlin's (October lasts 745 hours). Each invoice is checked against the
hand's ``Fraction`` sums rounded once to the cent, against one batch ``rk.rate()``, and
against a stream fed from an at-least-once queue with crashes and replays.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._hosting_fleet import (
    DECEMBER,
    END,
    HAND,
    HORIZON,
    METERS,
    NOVEMBER,
    OCTOBER,
    PRO,
    STARTER,
    accounted,
    assignments,
    cents,
    closing_invoices,
    line_sums,
    records,
    stream,
)

import ratekit as rk

MONTHS = {"october": OCTOBER, "november": NOVEMBER}
# a seed's stream is read by more than one test: streamed once per process
_stream = functools.cache(stream)


def _batch(span: rk.Span, as_of: dt.datetime | str = END) -> dict[str, rk.Invoice]:
    rating = rk.rate(records(), assignments(), span=span, meters=METERS, as_of=as_of)
    return {invoice.account: invoice for invoice in rk.bill(rating, tz="Europe/Berlin")}


@pytest.mark.parametrize(("account", "month"), sorted(HAND))
def test_each_invoice_is_the_hands_fractions_rounded_once_per_line(
    account: str, month: str
) -> None:
    invoice = _batch(MONTHS[month])[account]
    lines = {line.label: line.amount for line in invoice.lines}
    expected = {label: cents(amount) for label, amount in HAND[account, month].items()}
    assert lines == expected
    assert invoice.total == sum(expected.values())


def test_the_hands_totals_per_account_and_month() -> None:
    # The sums of the lines above, as a reader of the invoices checks them.
    totals = {
        (account, month): sum(cents(amount) for amount in lines.values())
        for (account, month), lines in HAND.items()
    }
    assert {key: str(total) for key, total in totals.items()} == {
        ("alpha", "october"): "44.57",
        ("beta", "october"): "72.86",
        ("delta", "october"): "67.56",
        ("epsilon", "october"): "92.64",
        ("gamma", "october"): "70.35",
        ("alpha", "november"): "25.00",
        ("beta", "november"): "66.53",
        ("delta", "november"): "97.20",
        ("epsilon", "november"): "41.04",
        ("gamma", "november"): "51.00",
    }


def test_exact_lines_are_the_hands_fractions() -> None:
    # Lines whose exact amount is a terminating decimal are that decimal; the others (a
    # share of 745 hours) agree to 1E-20 (slices are metered on a quantum of 1E-24).
    for month, span in MONTHS.items():
        for account, invoice in _batch(span).items():
            for line in invoice.lines:
                if line.kind == "minimum":
                    continue  # its precise is the commitment less the exact spend, below
                assert abs(Fraction(line.precise) - HAND[account, month][line.label]) < Fraction(
                    1, 10**20
                ), (
                    account,
                    month,
                    line.label,
                )


def test_a_commitment_tops_up_the_rounded_lines_and_keeps_the_exact_shortfall() -> None:
    # alpha's November: 0.40 + 5.45 + 0.0520833... + 0 spent; 10.00 - 5.90 billed
    (line,) = [line for line in _batch(NOVEMBER)["alpha"].lines if line.kind == "minimum"]
    spent = (
        8 * Fraction("0.05")
        + 109 * Fraction("0.05")
        + Fraction(500_000 * 25, 240) * Fraction("0.000001")
    )
    assert abs(Fraction(line.precise) - (10 - spent)) < Fraction(1, 10**20)
    assert line.amount == Decimal("4.10")


def test_a_month_in_berlin_lasts_its_own_hours() -> None:
    months = rk.cycles.monthly(tz="Europe/Berlin")
    assert months.containing("2026-10-15T00:00:00Z") == OCTOBER
    assert OCTOBER.duration == dt.timedelta(hours=745)  # the clocks go back on 25 October
    assert NOVEMBER.duration == dt.timedelta(hours=720)
    assert months.containing("2026-12-02T00:00:00Z") == DECEMBER


def test_the_anomalies_name_their_records_and_say_why() -> None:
    rating = rk.rate(records(), assignments(), span=OCTOBER, meters=METERS, as_of=END)
    by_kind = {anomaly.kind: anomaly for anomaly in rating.anomalies}
    reset = by_kind["counter_reset"]
    assert reset.record_ids == ("a15", "a14") or set(reset.record_ids) == {"a14", "a15"}
    assert "'a15' reads 200000" in reset.message
    assert "less than the 1500000 of sample 'a14'" in reset.message
    assert (reset.account, reset.resource) == ("alpha", "db-a1")
    november = rk.rate(records(), assignments(), span=NOVEMBER, meters=METERS, as_of=END)
    closed = [anomaly for anomaly in november.anomalies if anomaly.kind == "reconciled_close"]
    assert [anomaly.resource for anomaly in closed] == ["db-e1"]
    assert "inv-1" in closed[0].record_ids
    assert closed[0].message == (
        "inventory 'inv-1' at 2026-11-10T00:00:00Z does not list 'db-e1' of 'epsilon', running since "
        "2026-10-05T00:00:00Z: closed at 2026-11-10T00:00:00Z (the snapshot)."
    )


def test_a_peak_of_a_customer_who_signed_up_mid_month_is_paid_for_the_plans_share() -> None:
    # docs/usage.md: "a plan that covers half the cycle pays half its price of the whole
    # peak"; the part before the sign-up is said as unpriced, naming the reading.
    rating = rk.rate(records(), assignments(), span=OCTOBER, meters=METERS, as_of=END)
    unpriced = [anomaly for anomaly in rating.anomalies if anomaly.kind == "unpriced"]
    # (an "unpriced" anomaly gives its meter and quantity in its message only: the Anomaly
    # docstring keeps the values for "too_late" and "late")
    assert [(anomaly.account, anomaly.resource, anomaly.meter) for anomaly in unpriced] == [
        ("beta", "db-b1", None)
    ]
    assert "meter 'backup'" in unpriced[0].message
    assert "b7" in unpriced[0].record_ids
    assert "2026-09-30T22:00:00Z..2026-10-12T00:00:00Z has no plan" in unpriced[0].message
    # 40 GB x 266/745 of the month before beta's plan
    assert Fraction(unpriced[0].message.split("'db-b1', ")[1].split(" GB")[0]) - Fraction(
        40 * 266, 745
    ) < Fraction(1, 10**20)


def test_every_record_of_the_batch_is_accounted_for() -> None:
    # docs/usage.md: every record id is in a row, an anomaly or no_effect, per call.
    ids = {record.id for record in records()}
    seen: set[str] = set()
    for span in (OCTOBER, NOVEMBER, DECEMBER):
        usage = rk.meter(
            records(), METERS, span=span, cycle=rk.cycles.monthly(tz="Europe/Berlin"), as_of=END
        )
        seen |= set(usage.accounted())
    assert ids <= seen


@pytest.mark.parametrize("seed", [0, 4])
@pytest.mark.heavy
def test_a_queue_with_replays_and_crashes_bills_what_batch_and_the_hand_bill(seed: int) -> None:
    run = _stream(seed)
    # it crashed, restarted mid-cycle and restarted right after closing a month
    assert run.crashes > 0
    assert run.restarts > run.restarts_across_a_close > 0
    sums = line_sums(run)
    closing = closing_invoices(run)
    late = {
        (line.account, line.cycle)
        for statement in run.ledger.values()
        for line in statement.lines
        if line.late
    }
    for month, span in (*MONTHS.items(), ("december", DECEMBER)):
        for account, invoice in _batch(span, run.last).items():
            # the statements add up to batch, to the last digit
            assert sums[account, span] == Fraction(invoice.precise_total), (account, month)
            if span is DECEMBER:
                continue
            # a closing invoice is batch's unless a record reached the closed month later
            # (a counter reading whose increment counts from October: docs/streaming.md)
            if (account, span) not in late:
                assert closing[account, span].total == invoice.total, (account, month)
                assert closing[account, span].total == sum(
                    cents(a) for a in HAND[account, month].values()
                )
    assert {record.id for record in records()} <= accounted(run)


def test_sign_up_cancel_and_three_moves_in_a_day_told_as_they_happen_bill_what_batch_bills() -> (
    None
):
    # The host tells each plan change when it takes effect (docs/streaming.md, new
    # customers and plan changes): beta signs up on 12 October and cancels on 20
    # November; delta moves at 08:00, 12:00 and 18:00 on 15 October.
    given = {(a.account, a.plan.id, a.start, a.end): a for a in assignments()}
    first = [a for a in assignments() if a.account in {"alpha", "gamma", "epsilon"}]
    first.append(rk.Assignment("delta", STARTER))
    rater = rk.Rater(first, METERS, start=OCTOBER.start, horizon=HORIZON, tz="Europe/Berlin")
    changes = {
        "2026-10-12T00:00:00Z": [rk.Assignment("beta", PRO, start="2026-10-12T00:00:00Z")],
        "2026-10-15T08:00:00Z": [rk.Assignment("delta", PRO, start="2026-10-15T08:00:00Z")],
        "2026-10-15T12:00:00Z": [rk.Assignment("delta", STARTER, start="2026-10-15T12:00:00Z")],
        "2026-10-15T18:00:00Z": [rk.Assignment("delta", PRO, start="2026-10-15T18:00:00Z")],
        "2026-11-20T00:00:00Z": [
            rk.Assignment("beta", PRO, start="2026-10-12T00:00:00Z", end="2026-11-20T00:00:00Z")
        ],
    }
    sums: dict[tuple[str, rk.Span], Fraction] = {}
    fed: set[str] = set()
    held: tuple[rk.Assignment, ...] = ()
    watermarks = sorted({*changes, "2026-10-05T00:00:00Z", "2026-11-02T00:00:00Z", END.isoformat()})
    for watermark in watermarks:
        for assignment in changes.get(watermark, []):
            held = rater.assign(assignment)
        statement_at = dt.datetime.fromisoformat(watermark)
        # what the queue delivered by then (an hour ahead of the watermark, some late)
        ahead = statement_at + dt.timedelta(hours=1)
        batch = [record for record in records() if record.id not in fed and record.at < ahead]
        rater.feed(batch)
        fed |= {record.id for record in batch if record.id}
        for line in rater.statement(statement_at).lines:
            key = (line.account, line.cycle)
            sums[key] = sums.get(key, Fraction(0)) + Fraction(line.amount)
    assert {(a.account, a.plan.id, a.start, a.end) for a in held} == set(given)
    for span in (OCTOBER, NOVEMBER, DECEMBER):
        for account, invoice in _batch(span).items():
            assert sums[account, span] == Fraction(invoice.precise_total), (account, span)


@pytest.mark.parametrize("seed", [0])
@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_stream_says_each_anomaly_once_naming_its_record_across_crashes(seed: int) -> None:
    run = _stream(seed)
    said = [
        (anomaly.kind, anomaly.record_ids, anomaly.message)
        for statement in run.ledger.values()
        for anomaly in statement.anomalies
        if anomaly.kind != "unpriced"  # said again as its figure grows: docs/streaming.md
    ]
    kinds = sorted((kind, ids[0]) for kind, ids, _message in said)
    # the delete of db-b2 came before its create: an orphan when it came, and it stays said
    # (docs/streaming.md, anomalies in a stream); batch, which has the create, says none
    assert kinds == [("counter_reset", "a15"), ("orphan_stop", "b4"), ("reconciled_close", "inv-1")]
    messages = {kind: message for kind, _ids, message in said}
    assert messages["orphan_stop"] == (
        "event 'b4' deletes 'db-b2' at 2026-10-14T06:00:00Z, which was never started: nothing is charged."
    )
    assert "'a15' reads 200000" in messages["counter_reset"]
    assert "does not list 'db-e1' of 'epsilon'" in messages["reconciled_close"]


def test_a_storage_gauge_outlives_an_instance_an_inventory_closes() -> None:
    # docs/usage.md: a mean's last level holds on into later cycles until the next reading,
    # and a stop or delete does not end it. So when db-e1's delete is lost and the
    # inventory of 10 November closes the instance, its 40 GB stay billed: the host must
    # send a reading of 0 with the closing (or meter the size as a Continuous level).
    lost = [
        rk.Event(
            "epsilon", "db-e1", "2026-10-05T00:00:00Z", {"size": "large"}, kind="start", id="e1"
        ),
        rk.Sample("epsilon", "db-e1", "storage", "2026-10-05T00:00:00Z", 40, kind="gauge", id="e2"),
        rk.Inventory("2026-11-10T00:00:00Z", [], id="inv-1"),
    ]
    plans = [rk.Assignment("epsilon", STARTER)]
    december = rk.rate(lost, plans, span=DECEMBER, meters=METERS, as_of="2026-12-31T23:00:00Z")
    # 40 GB-month, 20 free: 20 x 0.10
    assert [(c.meter, c.quantity, c.amount) for c in december.charges if c.kind == "usage"] == [
        ("storage", 40, 2)
    ]
    closing = [
        *lost,
        rk.Sample("epsilon", "db-e1", "storage", "2026-11-10T00:00:00Z", 0, kind="gauge", id="e3"),
    ]
    december = rk.rate(closing, plans, span=DECEMBER, meters=METERS, as_of="2026-12-31T23:00:00Z")
    assert sum(c.amount for c in december.charges if c.kind == "usage") == 0
