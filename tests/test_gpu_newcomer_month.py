"""A GPU cloud's March 2026, rated in batch and streamed, each figure worked by hand.

Accounts: ``acme`` pays as it goes from a prepaid credit of 20 EUR; ``globex`` has a
monthly commitment of 50 EUR; ``initech`` pays as it goes. Months in Europe/Berlin (March
2026 ends at 2026-03-31T22:00:00Z, after the clocks went forward on the 29th). The plan,
the meters and the oracle are in ``tests/_gpu_cloud.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from tests import _gpu_cloud as g

import ratekit as rk

MARCH = g.BERLIN.containing("2026-03-15T12:00:00Z")
APRIL = g.BERLIN.containing("2026-04-15T12:00:00Z")
US = g.US


def assignments() -> list[rk.Assignment]:
    return [
        rk.Assignment("acme", g.payg()),
        rk.Assignment("globex", g.committed()),
        rk.Assignment("initech", g.payg()),
    ]


def volume(account: str, resource: str, at: str, size: int, record_id: str) -> rk.Event:
    """A gauge reading of a volume's size: an update event carrying the level."""
    return rk.Event(account, resource, at, {"kind": "volume", "size_gib": size}, id=record_id)


RECORDS = [
    # acme: 10 s of an A100 (under the minimum); an A100 across the price change; an H100
    # for two days across it; a volume read by a gauge, resized, deleted.
    g.start("acme", "i-short", "2026-03-02T08:00:00Z", "a100", "a1"),
    g.stop("acme", "i-short", "2026-03-02T08:00:10Z", "a2"),
    g.start("acme", "i-cross", "2026-03-15T11:59:30.5Z", "a100", "a3"),
    g.stop("acme", "i-cross", "2026-03-15T12:00:30.5Z", "a4"),
    g.start("acme", "i-long", "2026-03-14T12:00:00.5Z", "h100", "a5"),
    g.stop("acme", "i-long", "2026-03-16T12:00:00.5Z", "a6"),
    volume("acme", "v-1", "2026-03-01T00:00:00Z", 100, "a7"),
    volume("acme", "v-1", "2026-03-05T00:00:00Z", 100, "a8"),  # the same size again
    volume("acme", "v-1", "2026-03-20T06:30:00Z", 250, "a9"),
    rk.Event("acme", "v-1", "2026-03-25T00:00:00Z", kind="delete", id="a10"),
    # globex: two and a half hours of spot over the DST night; an A100 across the month
    # end by a microsecond each side.
    g.start("globex", "s-1", "2026-03-29T00:30:00Z", "spot", "b1"),
    g.stop("globex", "s-1", "2026-03-29T02:30:00Z", "b2"),
    g.start("globex", "s-2", "2026-03-03T10:00:00Z", "spot", "b5"),
    g.stop("globex", "s-2", "2026-03-03T12:00:00Z", "b6"),
    g.start("globex", "i-edge", "2026-03-31T21:59:59.999999Z", "a100", "b3"),
    g.stop("globex", "i-edge", "2026-03-31T22:00:00.000001Z", "b4"),
    # initech: an H100 for 3 microseconds; an A100 starting exactly at the price change,
    # another stopping exactly there.
    g.start("initech", "i-us", "2026-03-10T10:00:00.000001Z", "h100", "c1"),
    g.stop("initech", "i-us", "2026-03-10T10:00:00.000004Z", "c2"),
    g.start("initech", "i-at", g.CHANGE, "a100", "c3"),
    g.stop("initech", "i-at", "2026-03-15T12:02:00.5Z", "c4"),
    g.start("initech", "i-to", "2026-03-15T11:58:30.5Z", "a100", "c5"),
    g.stop("initech", "i-to", g.CHANGE, "c6"),
]

# Each usage charge by hand, per (account, entry, resource):
HAND = {
    # 10 s < 60 s: the minimum, 60 x 0.0009 = 0.054
    ("acme", "a100", "i-short"): Decimal("0.054"),
    # 30 s before the change reach the first tier: 60 x 0.0009 = 0.054; 30 s after go on
    # from 30 to 60 s under the new price, inside the first tier already paid: 0
    ("acme", "a100", "i-cross"): Decimal("0.054"),
    ("acme", "a100 from change", "i-cross"): Decimal(0),
    # 86,400 s before: 60 x 0.0020 + 86,340 x 0.0020 = 172.80; 86,400 s after, past the
    # first tier: 86,400 x 0.0018 = 155.52
    ("acme", "h100", "i-long"): Decimal("172.80"),
    ("acme", "h100 from change", "i-long"): Decimal("155.52"),
    # 100 GiB from 1 March 00:00Z to 20 March 06:30Z (462.5 h) = 46,250 GiB-h; 250 GiB to
    # 25 March 00:00Z (113.5 h) = 28,375 GiB-h; 74,625 x 0.0001 = 7.4625
    ("acme", "storage", "v-1"): Decimal("7.4625"),
    # spot hours from 2026-03-27T00Z: 29 March 00Z is hour 48 (48 % 7 = 6: 0.00036), 01Z
    # hour 49 (0: 0.0003), 02Z hour 50 (1: 0.00031); 1,800 s x 0.00036 = 0.648,
    # 3,600 s x 0.0003 = 1.08, 1,800 s x 0.00031 = 0.558
    ("globex", "spot 2026-03-29T00", "s-1"): Decimal("0.648"),
    ("globex", "spot 2026-03-29T01", "s-1"): Decimal("1.08"),
    ("globex", "spot 2026-03-29T02", "s-1"): Decimal("0.558"),
    # a spot run before the published week: the list price, 7,200 s x 0.0005 = 3.6
    ("globex", "spot list", "s-2"): Decimal("3.6"),
    # 1 us in March after the change: the minimum, 60 x 0.0010 = 0.060
    ("globex", "a100 from change", "i-edge"): Decimal("0.060"),
    # 3 us: the minimum, 60 x 0.0020 = 0.12
    ("initech", "h100", "i-us"): Decimal("0.12"),
    # 120 s from the change on: 60 x 0.0010 + 60 x 0.0010 = 0.12, nothing at the old price
    ("initech", "a100 from change", "i-at"): Decimal("0.12"),
    # 90 s up to the change: 60 x 0.0009 + 30 x 0.0009 = 0.081, nothing at the new price
    ("initech", "a100", "i-to"): Decimal("0.081"),
}


@pytest.fixture(scope="module")
def batch() -> rk.Rating:
    return rk.rate(RECORDS, assignments(), span=MARCH, meters=g.METERS)


def usage_by_hand_key(rating: rk.Rating) -> dict[tuple[str, str | None, str | None], Decimal]:
    sums: dict[tuple[str, str | None, str | None], Decimal] = {}
    for charge in rating.charges:
        if charge.kind == "usage":
            key = (charge.account, charge.entry, charge.resource)
            sums[key] = sums.get(key, Decimal(0)) + charge.amount
    return sums


def test_the_month_end_and_the_summer_time_night_are_where_berlin_puts_them() -> None:
    # March 2026 in Berlin: 31 days less the hour skipped on the 29th.
    assert rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z") == MARCH
    assert MARCH.duration == dt.timedelta(days=30, hours=23)
    assert rk.Span("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z") == APRIL
    # Every instant belongs to one month: the last microsecond of March, then April.
    assert "2026-03-31T21:59:59.999999Z" in MARCH
    assert "2026-03-31T22:00:00Z" in APRIL


def test_every_usage_charge_of_the_month_is_the_hand_calculation(batch: rk.Rating) -> None:
    assert usage_by_hand_key(batch) == HAND
    assert batch.anomalies == ()


def test_every_usage_charge_is_the_fraction_oracle(batch: rk.Rating) -> None:
    runs = []
    starts: dict[str, rk.Event] = {}
    for record in RECORDS:
        if isinstance(record, rk.Event) and record.attributes.get("kind") == "gpu":
            starts[record.resource] = record
        elif isinstance(record, rk.Event) and record.kind == "stop":
            begun = starts.pop(record.resource)
            runs.append(
                (
                    record.account,
                    record.resource,
                    begun.attributes["gpu"],
                    begun.at_us,
                    record.at_us,
                )
            )
    expected = {key: value for key, value in g.oracle(runs).items() if key[1] == MARCH.start_us}
    gpu_charges = [charge for charge in batch.charges if charge.meter == "gpu.seconds"]
    assert g.charge_sums(gpu_charges) == expected


def test_the_run_started_at_the_change_has_no_piece_at_the_old_price(batch: rk.Rating) -> None:
    # A price change at the exact instant a run starts or stops: [start, end) is
    # half-open, so the change's instant belongs to the new price only.
    # (The spot prices' hourly entries cut every row of the meter at each UTC hour too.)
    pieces: dict[tuple[str | None, str | None], rk.SpanSet] = {}
    for charge in batch.charges:
        if charge.resource in ("i-at", "i-to"):
            key = (charge.resource, charge.entry)
            pieces[key] = pieces.get(key, rk.SpanSet([])) | charge.span
    assert pieces == {
        ("i-at", "a100 from change"): rk.SpanSet([rk.Span(g.CHANGE, "2026-03-15T12:02:00.5Z")]),
        ("i-to", "a100"): rk.SpanSet([rk.Span("2026-03-15T11:58:30.5Z", g.CHANGE)]),
    }


def test_a_run_of_three_microseconds_is_three_microseconds(batch: rk.Rating) -> None:
    (charge,) = [charge for charge in batch.charges if charge.resource == "i-us"]
    assert charge.quantity == Decimal("0.000003")  # 3 us in seconds, exactly
    assert charge.amount == Decimal("0.12")  # the minimum


def test_the_invoices_round_each_line_once_and_spend_credits_and_commitments(
    batch: rk.Rating,
) -> None:
    prepaid = rk.Credit("prepaid", "acme", 20, "EUR", start="2026-03-01T00:00:00Z")
    invoices = {
        invoice.account: invoice
        for invoice in rk.bill(batch, tz="Europe/Berlin", credits=[prepaid])
    }
    acme = invoices["acme"]
    # a100: 0.054 + 0.054 = 0.108 -> 0.11; a100 from change 0.00; h100 172.80; h100 from
    # change 155.52; storage 7.4625 -> 7.46 (half-even); 335.89 in all, 20.00 of credit.
    assert [(line.entry, line.amount) for line in acme.lines] == [
        ("a100", Decimal("0.11")),
        ("a100 from change", Decimal("0.00")),
        ("h100", Decimal("172.80")),
        ("h100 from change", Decimal("155.52")),
        ("storage", Decimal("7.46")),
    ]
    assert acme.subtotal == Decimal("335.89")
    assert acme.total == Decimal("315.89")
    globex = invoices["globex"]
    # spot 0.648 -> 0.65, 1.08, 0.558 -> 0.56, list 3.60; a100 from change 0.060 -> 0.06:
    # 5.95 of usage, so the commitment of 50 tops it up by 44.05.
    amounts = {line.entry: line.amount for line in globex.lines}
    assert amounts["minimum"] == Decimal("44.05")
    assert globex.total == Decimal("50.00")
    # initech: h100 0.12, a100 from change 0.12, a100 0.081 -> 0.08: 0.32.
    assert invoices["initech"].total == Decimal("0.32")


def test_the_commitment_of_an_idle_month_is_due_in_full() -> None:
    # globex with no usage in April still owes its 50.
    rating = rk.rate([], assignments(), span=APRIL, meters=g.METERS)
    totals = {invoice.account: invoice.total for invoice in rk.bill(rating)}
    assert totals == {"globex": Decimal("50.00")}


def _stream(
    records: list[rk.Event],
    store: pathlib.Path,
    watermarks: list[dt.datetime],
    rng: random.Random,
) -> tuple[list[rk.StatementLine], list[rk.Invoice]]:
    """A queue consumer: each batch a fresh process loading its rater from a JSON file.

    A record arrives with the first statement past its instant, or (one in five) with
    the one after; every batch redelivers a few records delivered before, and its first
    record twice.
    """
    path = store / "rater.json"
    lines: list[rk.StatementLine] = []
    invoices: list[rk.Invoice] = []
    pending = list(records)
    rng.shuffle(pending)
    delivered: list[rk.Event] = []
    previous = MARCH.start
    for watermark in watermarks:
        if path.exists():
            rater = rk.Rater.restore(json.loads(path.read_text()), assignments(), g.METERS)
        else:
            rater = rk.Rater(
                assignments(),
                g.METERS,
                start=MARCH.start,
                horizon=dt.timedelta(hours=1),
                tz="Europe/Berlin",
            )
        due = [r for r in pending if r.at < previous or (r.at < watermark and rng.random() < 0.8)]
        pending = [r for r in pending if all(r.id != d.id for d in due)]
        replays = rng.sample(delivered, k=min(3, len(delivered)))
        feed = rater.feed(due + replays + due[:1])
        assert feed.counts["conflicting"] == 0
        assert feed.too_late == ()
        assert feed.counts["duplicates"] == len(replays) + len(due[:1])
        delivered.extend(due)
        statement = rater.statement(watermark)
        lines.extend(statement.lines)
        invoices.extend(statement.invoices)
        path.write_text(json.dumps(rater.snapshot()))
        previous = watermark
    assert pending == []
    return lines, invoices


@pytest.mark.heavy
def test_the_stream_with_restarts_adds_up_to_the_batch(
    batch: rk.Rating, tmp_path: pathlib.Path
) -> None:
    rng = random.Random(6)
    watermarks = []
    at = MARCH.start
    while at < APRIL.start + dt.timedelta(hours=1):
        # every few minutes around the busy instants, every 7 hours otherwise
        step = (
            dt.timedelta(minutes=rng.choice([3, 5, 7]))
            if rng.random() < 0.2
            else dt.timedelta(hours=7)
        )
        at = min(at + step, APRIL.start + dt.timedelta(hours=1))
        watermarks.append(at)
    lines, invoices = _stream(list(RECORDS), tmp_path, watermarks, rng)
    march_lines = [line for line in lines if line.cycle == MARCH]
    sums = g.line_sums(march_lines)
    assert {key: value for key, value in sums.items() if value} == {
        key: value for key, value in g.charge_keys(batch.charges).items() if value
    }
    # The closing invoices are the batch's invoices, named on Berlin's calendar, and the
    # prepaid credit pays them as it pays the batch's.
    closing = [invoice for invoice in invoices if invoice.cycle == MARCH]
    assert closing == list(rk.bill(batch, tz="Europe/Berlin"))
    prepaid = [rk.Credit("prepaid", "acme", 20, "EUR", start="2026-03-01T00:00:00Z")]
    credited = rk.apply_credits(closing, prepaid)
    assert list(credited) == list(rk.bill(batch, tz="Europe/Berlin", credits=prepaid))
    assert [invoice.total for invoice in credited] == [
        Decimal("315.89"),
        Decimal("50.00"),
        Decimal("0.32"),
    ]
    assert sum(Fraction(line.amount) for line in march_lines) == sum(
        Fraction(charge.amount) for charge in batch.charges
    )
