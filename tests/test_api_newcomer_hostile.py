"""A metered API's hostile input: every refusal a RatekitError that names what and why.

Read from the pricing, calendars, invoices, streaming and guarantees pages only: bad
anniversary days, tiers, allowances, commitments and credits; a Kafka batch with one
poisoned record (refused whole, then taken without it); messages from a topic written
loosely; and a caller's decimal context that must not change a cent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
VOLUME = rk.Volume([rk.Tier(100, "0.01"), rk.Tier(None, "0.005")])
API = rk.Plan(
    "api",
    "USD",
    MONTHS,
    [rk.PriceEntry("calls", "calls", VOLUME)],
    minimums=[rk.Minimum(3)],
    fees=[rk.Fee("base", 1)],
)


def call(at: str, quantity: object, ident: str, account: str = "acme") -> rk.Sample:
    return rk.Sample(account, "key", "calls", at, quantity, id=ident)


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: rk.cycles.monthly(tz="UTC", day=32), rk.BadCalendarError, ["day 32", "1 to 31"]),
        (lambda: rk.cycles.monthly(tz="UTC", day=31.0), rk.BadCalendarError, ["day 31.0", "int"]),
        (lambda: rk.cycles.monthly(tz="UTC", day=True), rk.BadCalendarError, ["day True"]),
        (
            lambda: rk.cycles.yearly(tz="UTC", month=2, day=30),
            rk.BadCalendarError,
            ["day 30", "1 to 29"],
        ),
        (
            lambda: rk.cycles.monthly(tz="Europe/Londn"),
            rk.BadCalendarError,
            ["'Europe/Londn'", "IANA"],
        ),
        (lambda: rk.Volume([]), rk.BadPriceError, ["at least one tier"]),
        (lambda: rk.Volume([rk.Tier(0, 1)]), rk.BadPriceError, ["up_to", "greater than 0"]),
        (lambda: rk.Volume([rk.Tier(True, 1)]), rk.RatekitTypeError, ["up_to", "bool"]),
        (lambda: rk.Allowance("calls", -5), rk.BadPriceError, ["'calls'", "negative"]),
        (lambda: rk.Allowance("calls", "lots"), rk.BadQuantityError, ["'lots'", "'12.5'"]),
        (lambda: rk.Minimum(-5), rk.BadPriceError, ["Minimum amount", "0 or more"]),
        (lambda: rk.Minimum("Infinity"), rk.BadQuantityError, ["finite"]),
        (
            lambda: rk.Credit("c", "acme", 0, "USD", start="2026-04-01T00:00:00Z"),
            rk.BadQuantityError,
            ["Credit amount", "greater than 0"],
        ),
        (
            lambda: rk.Credit("c", "acme", 5, "usd", start="2026-04-01T00:00:00Z"),
            rk.BadPriceError,
            ["'usd'", "'USD'"],
        ),
        (
            lambda: rk.Credit(
                "c", "acme", 5, "USD", start="2026-04-01T00:00:00Z", expires="2026-04-01T00:00:00Z"
            ),
            rk.BadTimeError,
            ["expires", "after its start"],
        ),
        (
            lambda: rk.Credit("c", "acme", 5, "USD", start="2026-04-01T00:00:00"),
            rk.BadTimeError,
            ["no UTC offset"],
        ),
        (lambda: call("2026-04-01T00:00:00Z", True, "b"), rk.RatekitTypeError, ["'b'", "bool"]),
        (
            lambda: call("2026-04-01T00:00:00Z", "1,000", "c"),
            rk.BadQuantityError,
            ["'1,000'", "'12.5'"],
        ),
        (
            lambda: call("2026-04-01T00:00:00Z", "5_000", "u"),
            rk.BadQuantityError,
            ["'5_000'", "plain ASCII"],
        ),
        (lambda: call("2026-04-01T00:00:00Z", "1e40", "h"), rk.BadQuantityError, ["1E+30"]),
        (lambda: call("2026-04-01T00:00:00.123456789Z", 1, "n"), rk.BadTimeError, ["microsecond"]),
        (lambda: call("2016-12-31T23:59:60Z", 1, "l"), rk.BadTimeError, ["leap second"]),
        (lambda: call("2026-04-01T24:00:00Z", 1, "m"), rk.BadTimeError, ["RFC 3339"]),
        (lambda: call(1775001600, 1, "e"), rk.RatekitTypeError, ["'e'", "epoch"]),
        (
            lambda: rk.Rater(API, [CALLS], start=APRIL.start, horizon=3),
            rk.RatekitTypeError,
            ["horizon", "timedelta"],
        ),
        (
            lambda: rk.Rater.restore("{}", API, [CALLS]),
            rk.BadSnapshotError,
            ["Rater.snapshot()", "str"],
        ),
        (
            lambda: rk.bill(rk.rate([], API, span=APRIL), credits=None),
            rk.RatekitTypeError,
            ["credits", "list"],
        ),
        (
            lambda: rk.compare_plans([], [API], span=APRIL),
            rk.RatekitTypeError,
            ["mapping", "list"],
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_what_is_accepted(
    build: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    with pytest.raises(error) as raised:
        build()
    assert isinstance(raised.value, rk.RatekitError)
    for word in words:
        assert word in str(raised.value)


def test_a_poisoned_batch_is_refused_whole_then_taken_without_the_bad_record() -> None:
    # The topic delivers a message of an account no assignment names, and one stamped
    # before the customer signed up: the batch is refused whole, naming the record by
    # its index, and feeding it again without them takes the rest once.
    rater = rk.Rater(
        [rk.Assignment("acme", API, start="2026-04-10T12:00:00Z")], [CALLS], start=APRIL.start
    )
    good = call("2026-04-11T00:00:00Z", 10, "g")
    stranger = call("2026-04-11T00:00:00Z", 10, "z", account="zeta")
    early = call("2026-04-10T11:00:00Z", 10, "e")
    with pytest.raises(rk.UnpricedUsageError, match=r"records\[1\]: sample 'z'.*'zeta'"):
        rater.feed([good, stranger])
    with pytest.raises(rk.UnpricedUsageError, match=r"records\[1\]: sample 'e'.*no plan"):
        rater.feed([good, early])
    assert rater.feed([good]).accepted == ("g",)
    assert rater.feed([good]).duplicates == ("g",)


def test_a_message_written_again_differently_is_the_same_record() -> None:
    # Documented: content compares by value; an instant in another offset is the same.
    rater = rk.Rater(API, [CALLS], start=APRIL.start)
    rater.feed([call("2026-04-02T00:00:00Z", 7, "m1")])
    again = call("2026-04-02T01:00:00+01:00", "7.0", "m1")
    assert rater.feed([again]).duplicates == ("m1",)
    # Same id, other content: conflicting, the first version stands.
    assert rater.feed([call("2026-04-02T00:00:00Z", 8, "m1")]).conflicting == ("m1",)


def test_the_callers_decimal_context_changes_no_cent() -> None:
    # A caller's context with one digit of precision, rounding up and every signal
    # trapped: the batch, the stream and the exports come out as under the default.
    records = [
        call("2026-04-02T00:00:00Z", "123.4567", "a"),
        call("2026-04-03T00:00:00Z", 77, "b"),
        call("2026-04-04T00:00:00Z", -30, "c"),
    ]
    credit = rk.Credit("c", "acme", "0.33", "USD", start=APRIL.start)

    def everything() -> tuple[object, ...]:
        rating = rk.rate(records, API, span=APRIL, meters=[CALLS])
        invoices = rk.bill(rating, credits=[credit])
        rater = rk.Rater(API, [CALLS], start=APRIL.start, horizon=dt.timedelta(days=1))
        rater.feed(records[:2])
        first = rater.statement("2026-04-03T12:00:00Z")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), API, [CALLS])
        rater.feed(records)
        closing = rater.statement("2026-05-02T00:00:00Z")
        return (
            [str(i) for i in invoices],
            rk.focus_rows(invoices, provider="Example API"),
            first,
            closing,
            VOLUME.marginal(150, -60),
        )

    expected = everything()
    with decimal.localcontext() as context:
        context.prec = 1
        context.rounding = decimal.ROUND_CEILING
        context.Emax, context.Emin = 3, -3
        for signal in context.traps:
            context.traps[signal] = True
        assert everything() == expected
    # 123.4567 + 77 - 30 = 170.4567 calls, one Volume tier: 170.4567 x 0.005 = 0.8522835
    # -> 0.85; fee 1.00; commitment 3 less spent 0.8522835 = 2.1477165, billed 3.00 -
    # 0.85 = 2.15; credit 0.33: 3.67.
    assert expected[0][0].splitlines()[-1].split()[-1] == "3.67"
    # 150 -> 90 calls moves back into the first tier: 90 x 0.01 - 150 x 0.005 = 0.15.
    assert expected[-1] == Decimal("0.150")
