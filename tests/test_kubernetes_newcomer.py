"""A managed Kubernetes platform's month, rated as a newcomer reads the docs.

Tenants are billed monthly (UTC cycles) for their pods' requested vCPU-hours and
GiB-hours of memory (a `Continuous` level of the pod's description: a resize is an
update event), spot pods at a lower price (a price entry of a higher priority whose
selector is `{"spot": True}`), load balancers per hour each exists, egress deltas in
bytes priced per GB with 100 GB free over the account's total, persistent volumes in
GiB-months prorated by the hour (`TimeWeightedMean(over="period")`), a free allowance of
100 vCPU-hours, a monthly minimum spend, and a plan change mid-month.

The events come from a controller watching the API server: the same events again after
the watch reconnects, out of order, hours late, and an hourly resync that sends every
object again (an update with the same description under a new id). They are fed to the
streaming `Rater` (with snapshots and restores) and compared with batch `rk.rate()`.

Every figure is worked by hand with `Fraction`s, then rounded once per invoice line.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CHANGE = "2026-03-16T00:00:00Z"  # basic for 15 of 31 days, pro for 16
GB = 10**9
METERS = [
    rk.Meter("cpu", "vCPU*hour", rk.Continuous("cpu")),
    rk.Meter("mem", "GiB*hour", rk.Continuous("mem_gib")),
    rk.Meter("lb", "hour", rk.OnOff(when={"type": "lb"})),
    rk.Meter("egress", "B", rk.Discrete()),
]


def _entries(cpu: str) -> list[rk.PriceEntry]:
    return [
        rk.PriceEntry("cpu", "cpu", rk.PerUnit(cpu)),
        rk.PriceEntry("cpu-spot", "cpu", rk.PerUnit("0.01"), where={"spot": True}, priority=1),
        rk.PriceEntry("mem", "mem", rk.PerUnit("0.005")),
        rk.PriceEntry("lb", "lb", rk.PerUnit("0.025")),
        rk.PriceEntry(
            "egress", "egress", rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "0.08")]), unit="GB"
        ),
    ]


def _plan(name: str, cpu: str) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        MONTHS,
        _entries(cpu),
        allowances=[rk.Allowance("cpu", 100)],
        minimums=[rk.Minimum(50)],
    )


BASIC = _plan("basic", "0.04")
PRO = _plan("pro", "0.03")


def _assignments(account: str = "acme") -> list[rk.Assignment]:
    return [rk.Assignment(account, BASIC, end=CHANGE), rk.Assignment(account, PRO, start=CHANGE)]


def _month(
    account: str = "acme", names: dict[str, str] | None = None
) -> list[rk.Event | rk.Sample]:
    """The tenant's March: a pod resized, evicted and rescheduled under its name, a spot pod,
    a load balancer and egress from two addresses."""
    n = names or {}
    web, spot, lb = n.get("web-0", "web-0"), n.get("spot-0", "spot-0"), n.get("lb-1", "lb-1")
    ip_a, ip_b = n.get("ip-a", "ip-a"), n.get("ip-b", "ip-b")
    e, s = rk.Event, rk.Sample
    return [
        e(account, web, "2026-03-01T00:00:00Z", {"cpu": 2, "mem_gib": 4}, kind="start", id="p1"),
        e(account, web, "2026-03-05T00:00:00Z", {"cpu": 4, "mem_gib": 8}, kind="update", id="p2"),
        e(account, web, "2026-03-10T00:00:00Z", kind="stop", id="p3"),  # evicted
        e(account, web, "2026-03-10T00:05:00Z", {"cpu": 1, "mem_gib": 2}, kind="start", id="p4"),
        e(account, web, "2026-03-20T00:00:00Z", kind="stop", id="p5"),
        e(
            account,
            spot,
            "2026-03-02T00:00:00Z",
            {"cpu": 8, "mem_gib": 16, "spot": True},
            kind="start",
            id="s1",
        ),
        e(account, spot, "2026-03-03T00:00:00Z", kind="delete", id="s2"),
        e(account, lb, "2026-03-01T00:00:00Z", {"type": "lb"}, kind="start", id="l1"),
        e(account, lb, "2026-03-20T00:00:00Z", kind="delete", id="l2"),
        s(account, ip_a, "egress", "2026-03-10T00:00:00Z", 80 * GB, id="g1"),
        s(account, ip_b, "egress", "2026-03-11T00:00:00Z", 70 * GB, id="g2"),
        s(account, ip_a, "egress", "2026-03-20T00:00:00Z", 50 * GB, id="g3"),
    ]


def _cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_EVEN
    )


def _near(value: Decimal, exact: Fraction) -> bool:
    """Within the 60 digits ratekit carries a quotient to (a third, a 31st)."""
    return abs(Fraction(value) - exact) < Fraction(1, 10**55)


def _month_by_hand() -> Decimal:
    """The March invoice of `_month()`, line by line, each rounded once to the cent."""
    rescheduled = Fraction(143) + Fraction(55, 60)  # 03-10 00:05 .. 03-16 00:00: 143 h 55 min
    # basic frees 100 x 15/31 = 1500/31 = 48.387... vCPU-hours to 16 March. web-0 alone uses
    # 2 vCPU/h on 1 March (48 free); from 2 March web-0 (2) and spot-0 (8) use the last 12/31
    # together, in proportion: 12/155 to web-0, 48/155 to spot-0.
    basic_cpu = (192 + 480 + rescheduled - 48 - Fraction(12, 155)) * Fraction("0.04")
    spot_cpu = (192 - Fraction(48, 155)) * Fraction("0.01")  # 8 vCPU x 24 h
    # pro: 1 vCPU from 16 to 20 March, 96 h, 100 x 16/31 = 1600/31 free
    pro_cpu = (96 - Fraction(1600, 31)) * Fraction("0.03")
    memory = (4 * 96 + 8 * 120 + 2 * rescheduled + 16 * 24 + 2 * 96) * Fraction("0.005")
    lb = (360 + 96) * Fraction("0.025")  # 19 days, one line over both plans
    # basic: 80 + 70 GB over its 100 free; pro: 50 GB in its own tiers, free
    egress = (150 - 100) * Fraction("0.08")
    # pro's commitment, 50 x 16/31, less its lines as rounded: 0.96 (its cpu, 1.3316...) ...
    pro_lines = _cents(pro_cpu)
    commitment = _cents(Fraction(50 * 16, 31))  # 25.81
    # ... its share of memory (192 x 0.005 = 0.96) and of the load balancer (96 x 0.025 = 2.40)
    top_up = commitment - pro_lines - Decimal("0.96") - Decimal("2.40")
    # one line per meter and entry: basic's and pro's on-demand cpu are rounded together
    lines = [_cents(x) for x in (basic_cpu + pro_cpu, spot_cpu, memory, lb, egress)]
    return sum(lines, Decimal(0)) + top_up


def test_month_invoice_is_the_pricing_page_worked_by_hand() -> None:
    """The month of a tenant that upgrades on the 16th, to the cent."""
    rating = rk.rate(_month(), _assignments(), span=MARCH, meters=METERS)
    [invoice] = rk.bill(rating)
    # cpu: basic (815 11/12 - 48 12/155) x 0.04 = 30.71357 and pro (96 - 1600/31) x 0.03 =
    # 1.331613, one line: 32.05; spot (192 - 48/155) x 0.01 = 1.92; memory 2207 5/6 x 0.005
    # = 11.04; lb 456 x 0.025 = 11.40; egress 50 x 0.08 = 4.00; pro's minimum 25.81 - its
    # lines as rounded (1.331613 + 0.96 + 2.40 = 4.69) = 21.12; 81.53 in all
    assert _month_by_hand() == Decimal("81.53")
    assert invoice.total == Decimal("81.53")
    assert [a.kind for a in rating.anomalies] == []


def test_rescheduled_pod_under_a_deleted_name_is_not_billed() -> None:
    """An evicted pod deleted, then started again under its name: the start is `after_delete`.

    That is the documented rule (usage.md, anomalies table); a platform whose controller
    sends DELETED then ADDED for one pod name must send a stop, or name pods by their uid.
    """
    events = [
        rk.Event("acme", "web-0", "2026-03-01T00:00:00Z", {"cpu": 2}, kind="start", id="a"),
        rk.Event("acme", "web-0", "2026-03-01T10:00:00Z", kind="delete", id="b"),
        rk.Event("acme", "web-0", "2026-03-01T10:05:00Z", {"cpu": 2}, kind="start", id="c"),
    ]
    rating = rk.rate(
        events, rk.Plan("p", "USD", MONTHS, _entries("0.04")), span=MARCH, meters=METERS[:1]
    )
    assert rating.total() == Decimal("0.80")  # 2 vCPU x 10 h x 0.04; the rescheduled pod not at all
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("after_delete", ("c", "b"))]


def test_persistent_volume_gib_month_prorated_by_the_hour() -> None:
    """A volume resized mid-month: GiB-hours over the month's hours, in a month of 743 hours."""
    zone = rk.cycles.monthly(tz="America/New_York")
    march = zone.containing("2026-03-15T00:00:00Z")
    volume = rk.Meter("pv", "GiB", rk.TimeWeightedMean(over="period"))
    plan = rk.Plan("pv", "USD", zone, [rk.PriceEntry("pv", "pv", rk.PerUnit("0.10"))])
    readings = [
        rk.Sample("acme", "vol-1", "pv", "2026-03-01T05:00:00Z", 100, kind="gauge", id="v1"),
        rk.Sample("acme", "vol-1", "pv", "2026-03-16T04:00:00Z", 200, kind="gauge", id="v2"),
    ]
    [charge] = rk.rate(readings, plan, span=march, meters=[volume]).charges
    # New York's March: 31 days less the hour skipped on 8 March, 743 h. 100 GiB for 359 h,
    # 200 GiB for 384 h: 112700 GiB-hours / 743 h = 151.6823... GiB-months, x 0.10
    assert _near(charge.quantity, Fraction(112700, 743))
    assert _cents(Fraction(charge.amount)) == _cents(Fraction(11270, 743)) == Decimal("15.17")


def test_allowance_and_minimum_split_at_the_plan_change() -> None:
    """100 free vCPU-hours and a minimum of 50 are each prorated to the two plans' parts."""
    idle = [rk.Event("acme", "web-0", "2026-03-01T00:00:00Z", {"cpu": "0.5"}, kind="start", id="a")]
    rating = rk.rate(idle, _assignments(), span=MARCH, meters=METERS[:1])
    frees = {c.plan: c.free for c in rating.charges if c.kind == "usage"}
    # basic: 0.5 x 360 h = 180 vCPU-h, 1500/31 free; pro: 0.5 x 384 = 192, 1600/31 free
    assert _near(frees["basic"], Fraction(1500, 31))
    assert _near(frees["pro"], Fraction(1600, 31))
    [invoice] = rk.bill(rating)
    # basic (180 - 1500/31) x 0.04 = 5.26; pro (192 - 1600/31) x 0.03 = 4.21; minimums:
    # 50 x 15/31 = 24.19 - 5.26 = 18.93 and 50 x 16/31 = 25.81 - 4.21 = 21.60; total 50.00
    assert invoice.total == Decimal("50.00")


def test_egress_tiers_run_over_the_account_total() -> None:
    """Three addresses' 80 + 70 + 5 GB climb one tier ladder: 55 GB at 0.08."""
    sent = [
        rk.Sample("acme", ip, "egress", f"2026-03-0{day}T00:00:00Z", gb * GB, id=f"g{day}")
        for day, ip, gb in ((2, "ip-a", 80), (3, "ip-b", 70), (4, "ip-c", 5))
    ]
    rating = rk.rate(sent, rk.Plan("p", "USD", MONTHS, _entries("0.04")), span=MARCH, meters=METERS)
    assert rating.total() == Decimal("4.40")  # (155 - 100) x 0.08


def test_allowance_counts_in_the_meters_unit_not_the_prices() -> None:
    """CPU metered in vCPU-seconds, priced per vCPU-hour: 100 free means 100 vCPU-seconds.

    pricing.md ("Prices per another unit") says so; an `Allowance` takes no unit, so the
    pricing page's 100 free vCPU-hours are written 360000 on such a meter.
    """
    seconds = rk.Meter("cpu", "vCPU*s", rk.Continuous("cpu"))
    pod = [
        rk.Event("acme", "web-0", "2026-03-01T00:00:00Z", {"cpu": 2}, kind="start", id="a"),
        rk.Event("acme", "web-0", "2026-03-04T00:00:00Z", kind="stop", id="b"),
    ]

    def billed(free: int) -> Decimal:
        entry = rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.04"), unit="vCPU*hour")
        plan = rk.Plan("s", "USD", MONTHS, [entry], allowances=[rk.Allowance("cpu", free)])
        return rk.bill(rk.rate(pod, plan, span=MARCH, meters=[seconds]))[0].total

    # 2 vCPU x 72 h = 144 vCPU-hours: (144 - 100) x 0.04 = 1.76; 100 vCPU-seconds free is
    # 1/36 vCPU-hour: (144 - 1/36) x 0.04 = 5.7589 -> 5.76
    assert (billed(360000), billed(100)) == (Decimal("1.76"), Decimal("5.76"))


def _messy(
    records: list[rk.Event | rk.Sample], rng: random.Random, every: int = 1
) -> list[rk.Event | rk.Sample]:
    """The controller's delivery: replays after a reconnect, a resync of the load balancer
    every `every` hours of its first two days (an update that changes nothing), any order."""
    resync: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "lb-1", f"2026-03-{day:02d}T{hour:02d}:30:00Z", {"type": "lb"}, kind="update", id=f"rs{day}-{hour}")
        for day in (1, 2)
        for hour in range(0, 24, every)
    ]  # fmt: skip
    stream = records + resync + rng.sample(records, 3)
    rng.shuffle(stream)
    return stream


def _streamed(
    stream: list[rk.Event | rk.Sample],
    marks: list[str],
    restore: list[bool],
    plans: rk.Plan | list[rk.Assignment],
) -> list[rk.Invoice]:
    rater = rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    chunks = [stream[i :: len(marks)] for i in range(len(marks))]
    invoices: list[rk.Invoice] = []
    for chunk, mark, again in zip(chunks, marks, restore, strict=True):
        rater.feed(chunk)
        invoices += rater.statement(mark).invoices
        if again:
            data = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(data, plans, METERS)
    invoices += rater.statement("2026-04-03T00:00:00Z").invoices
    return invoices


def test_watch_stream_with_replays_resyncs_and_restores_is_batch() -> None:
    """A messy delivery of the month closes on the invoice batch `rate()` bills, text for text."""
    records = _month()
    stream = _messy(records, random.Random(7))
    marks = [
        "2026-03-01T06:00:00Z",
        "2026-03-02T00:00:00Z",
        "2026-03-12T00:00:00Z",
        "2026-03-25T00:00:00Z",
    ]
    [closed] = _streamed(stream, marks, [True, False, True, True], _assignments())
    [batch] = rk.bill(rk.rate(records + stream, _assignments(), span=MARCH, meters=METERS))
    assert str(closed) == str(batch)
    assert closed.total == Decimal("81.53")


def test_stop_hours_late_after_the_close_corrects_the_closed_month() -> None:
    """A stop that reaches the rater after March closed: reversal and correction, as batch."""
    plan = rk.Plan("p", "USD", MONTHS, _entries("0.04"), minimums=[rk.Minimum(50)])
    start = rk.Event(
        "acme", "big", "2026-03-31T00:00:00Z", {"cpu": 200, "mem_gib": 1}, kind="start", id="a"
    )
    stop = rk.Event("acme", "big", "2026-03-31T12:00:00Z", kind="stop", id="b")
    rater = rk.Rater(plan, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([start])
    [closed] = rater.statement("2026-04-01T02:00:00Z").invoices
    # 200 vCPU x 24 h x 0.04 = 192.00 and 24 GiB-h x 0.005 = 0.12
    assert closed.total == Decimal("192.12")
    assert rater.feed([stop]).late == ("b",)
    march_lines = [
        line for line in rater.statement("2026-04-01T05:00:00Z").lines if line.cycle == MARCH
    ]
    # back to 12 h: -188.00 + ... = -96.00 for cpu, -0.06 for memory
    assert sum((line.amount for line in march_lines), Decimal(0)) == Decimal("-96.06")
    [batch] = rk.bill(rk.rate([start, stop], plan, span=MARCH, meters=METERS))
    assert batch.total == Decimal("96.06") == closed.total - Decimal("96.06")


def test_plan_change_assigned_to_a_running_rater_is_batch() -> None:
    """The upgrade told to the rater on the day it takes effect bills as batch with both plans."""
    records = _month()
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start="2026-03-01T00:00:00Z")
    rater.feed(records[:6])
    rater.statement("2026-03-15T00:00:00Z")
    assigned = rater.assign(rk.Assignment("acme", PRO, start=CHANGE))
    rater = rk.Rater.restore(rater.snapshot(), assigned, METERS)
    rater.feed(records[6:])
    [invoice] = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice.total == Decimal("81.53")


def test_duplicate_ids_with_other_contents() -> None:
    """Batch refuses two versions of one id; the stream keeps the first and says `conflicting`."""
    first = rk.Sample("acme", "ip-a", "egress", "2026-03-02T00:00:00Z", 5 * GB, id="u")
    other = rk.Sample("acme", "ip-a", "egress", "2026-03-02T00:00:00Z", 6 * GB, id="u")
    with pytest.raises(rk.ConflictingRecordError, match="'u'"):
        rk.rate([first, other], BASIC, span=MARCH, meters=METERS)
    rater = rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z")
    feed = rater.feed([first, other])
    assert (feed.accepted, feed.conflicting) == (("u",), ("u",))


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: rk.Event("acme", "p", "2026-03-01T00:00:00", kind="start", id="x"), rk.BadTimeError, "no UTC offset"),
        (lambda: rk.Event("acme", "p", "2026-03-01T00:00:00Z", {"cpu": float("nan")}, id="x"), rk.BadQuantityError, "'cpu'"),
        (lambda: rk.Event("acme", "p", "2026-03-01T00:00:00Z", kind="evicted"), rk.BadRecordError, "'start'"),
        (lambda: rk.Sample("acme", "ip", "egress", "2026-03-01T00:00:00Z", True), rk.RatekitTypeError, "bool"),
        (lambda: rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z").feed([rk.Event("acme", "p", "2026-03-01T00:00:00Z", {"cpu": "500m"}, kind="start", id="x")]), rk.BadQuantityError, "'500m'"),
        (lambda: rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z").feed([rk.Sample("acme", "p", "gpu", "2026-03-01T00:00:00Z", 1, id="x")]), rk.UnknownMeterError, "'gpu'"),
        (lambda: rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z").statement("2026-02-01T00:00:00Z"), rk.BadTimeError, "before the start"),
        (lambda: rk.Rater.restore(rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z").snapshot(), PRO, METERS), rk.BadSnapshotError, "other plans"),
    ],
)  # fmt: skip
def test_hostile_input_is_a_named_ratekit_error(
    build: object, error: type[Exception], words: str
) -> None:
    """Wrong types, NaN, huge numbers, naive instants, millicores, unknown meters, bad snapshots."""
    with pytest.raises(error, match=words):
        build()  # type: ignore[operator]


def test_statement_watermarks_only_move_forward() -> None:
    """A statement behind the last one is refused, naming both instants."""
    rater = rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"2026-03-04T00:00:00Z.*2026-03-05T00:00:00Z"):
        rater.statement("2026-03-04T00:00:00Z")


_ON_BASIC = rk.bill(rk.rate(_month(), BASIC, span=MARCH, meters=METERS))[0]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 3), st.booleans())
def test_law_any_delivery_closes_on_the_batch_invoice(seed: int, feeds: int, restore: bool) -> None:
    """Any order, batching, replays and a restore of the month give batch's closing invoice.

    A statement at a drawn instant of March after the first batch: the batches after it
    bring records stamped before it (late, corrected) and after it. (The plan change is
    streamed by the examples above; the law runs on one plan to stay within its budget.)
    """
    rng = random.Random(seed)
    stream = _messy(_month(), rng, every=12)
    mark = f"2026-03-{rng.randrange(2, 29):02d}T{rng.randrange(24):02d}:00:00Z"
    rater = rk.Rater(BASIC, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    for i in range(feeds):
        rater.feed(stream[i::feeds])
        if i == 0:
            assert rater.statement(mark).invoices == ()
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
    [closed] = rater.statement("2026-04-03T00:00:00Z").invoices
    assert str(closed) == str(_ON_BASIC)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    st.sampled_from(["acme", "zz-tenant", "a", "ns/kube-system"]),
    st.permutations(["web-0", "spot-0", "lb-1", "ip-a", "ip-b", "zz", "00"]),
)
def test_law_renaming_tenants_and_pods_changes_no_total(account: str, names: list[str]) -> None:
    """The month's invoice total does not depend on what the tenant or its pods are called."""
    mapping = dict(zip(["web-0", "spot-0", "lb-1", "ip-a", "ip-b"], names, strict=False))
    rating = rk.rate(_month(account, mapping), _assignments(account), span=MARCH, meters=METERS)
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("81.53")


# Kubernetes writes extended resources and well-known labels as keys with dots inside a
# mapping (`resources.requests["nvidia.com/gpu"]`, `labels["node.kubernetes.io/...""]`).
# usage.md ("Attributes as feeds send them"): a path is cut at its dots into keys present,
# so a key with dots is read flat or nested alike (more cases in tests/test_paths.py).


def _ten_hours(attributes: dict[str, object]) -> list[rk.Event]:
    return [
        rk.Event("acme", "p", "2026-03-01T00:00:00Z", attributes, kind="start", id="a"),
        rk.Event("acme", "p", "2026-03-01T10:00:00Z", kind="stop", id="b"),
    ]


def test_level_under_a_nested_key_with_dots_is_read() -> None:
    """A GPU pod's extended resource, nested as the API server sends it."""
    gpu = rk.Meter("gpu", "hour", rk.Continuous("requests.nvidia.com/gpu"))
    plan = rk.Plan("g", "USD", MONTHS, [rk.PriceEntry("gpu", "gpu", rk.PerUnit(2))])
    flat = rk.rate(_ten_hours({"nvidia.com/gpu": 1}), plan, span=MARCH, meters=[
        rk.Meter("gpu", "hour", rk.Continuous("nvidia.com/gpu"))])  # fmt: skip
    assert flat.total() == Decimal(20)  # holds: 1 GPU x 10 h x 2.00
    nested = rk.rate(
        _ten_hours({"requests": {"nvidia.com/gpu": 1}}), plan, span=MARCH, meters=[gpu]
    )
    assert (nested.total(), nested.anomalies) == (Decimal(20), ())


def test_selector_on_a_nested_label_with_dots_matches() -> None:
    """A spot node pool told apart by its node label, nested under `labels`."""
    label = "node.kubernetes.io/instance-type"
    entries = [
        rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.04")),
        rk.PriceEntry(
            "cpu-spot", "cpu", rk.PerUnit("0.01"), where={f"labels.{label}": "spot"}, priority=1
        ),
    ]
    plan = rk.Plan("s", "USD", MONTHS, entries)
    rating = rk.rate(
        _ten_hours({"cpu": 2, "labels": {label: "spot"}}), plan, span=MARCH, meters=METERS[:1]
    )
    assert rating.total() == Decimal("0.20")


def test_replayed_delete_of_a_compacted_month_is_no_correction() -> None:
    """A watch that reconnects and sends March's events again in May."""
    plan = rk.Plan("p", "USD", MONTHS, _entries("0.04"), fees=[rk.Fee("platform", 31)])
    events = [
        rk.Event("acme", "web-0", "2026-03-01T00:00:00Z", {"cpu": 1}, kind="start", id="a"),
        rk.Event("acme", "web-0", "2026-03-02T00:00:00Z", kind="delete", id="b"),
    ]
    rater = rk.Rater(plan, METERS[:1], start="2026-03-01T00:00:00Z")
    rater.feed(events)
    said = rater.statement("2026-05-01T02:00:00Z").lines
    may = [(line.kind, line.role) for line in said if line.cycle.start.month == 5]
    assert may == [("fee", "charge")]  # May's fee so far, 31 x 2/744
    assert rater.feed(events[1:]).duplicates == ("b",)
    lines = rater.statement("2026-05-02T00:00:00Z").lines
    assert [line.role for line in lines] == ["increment"]
    assert _near(lines[0].amount, Fraction(31 * 22, 744))
