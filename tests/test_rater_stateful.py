"""The rater as a state machine: any sequence of feeds, statements, copies, snapshots
and restores keeps its invariants (``Rater._check``), and at the end its lines add up to
one batch ``rk.rate()`` over the records fed."""

from __future__ import annotations

import json
import random

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests._rater_streams import (
    DAY_US,
    DAYS,
    METERS,
    MINUTE_US,
    PLANS,
    T0,
    batch_sums,
    records,
    sums,
)

import ratekit as rk
from ratekit._instants import format_us


class RaterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rater = rk.Rater(PLANS, METERS, start=format_us(T0))
        self.pending: list[rk.Event | rk.Sample | rk.Inventory] = []
        self.fed: list[rk.Event | rk.Sample | rk.Inventory] = []
        self.lines: list[rk.StatementLine] = []
        self.as_of = T0

    @rule(seed=st.integers(0, 2**32))
    def stream(self, seed: int) -> None:
        # A new stream replaces what was not fed yet (ids restart: one stream at a time).
        if not self.fed:
            self.pending = records(random.Random(seed))

    @precondition(lambda self: bool(self.pending))
    @rule(size=st.integers(1, 5), replay=st.booleans())
    def feed(self, size: int, replay: bool) -> None:
        batch, self.pending = self.pending[:size], self.pending[size:]
        if replay and self.fed:
            batch.append(self.fed[0])
        self.rater.feed(batch)
        self.fed.extend(record for record in batch if record not in self.fed)

    @rule(minutes=st.integers(0, 600))
    def statement(self, minutes: int) -> None:
        # Never close the cycle of a record not fed yet (horizon 0).
        limit = min((self._end(r.at_us) for r in self.pending), default=T0 + DAYS * DAY_US)
        as_of = min(self.as_of + minutes * MINUTE_US, max(self.as_of, limit - 1))
        self.as_of = as_of
        self.lines.extend(self.rater.statement(format_us(as_of)).lines)

    @rule()
    def restart(self) -> None:
        data = json.loads(json.dumps(self.rater.snapshot()))
        self.rater = rk.Rater.restore(data, PLANS, METERS)

    @rule()
    def copy(self) -> None:
        self.rater = self.rater.copy()

    @invariant()
    def consistent(self) -> None:
        self.rater._check()

    def teardown(self) -> None:
        # Whatever was not fed yet comes now: its cycles are still open.
        self.rater.feed(self.pending)
        self.fed.extend(record for record in self.pending if record not in self.fed)
        final = T0 + (DAYS + 1) * DAY_US
        self.lines.extend(self.rater.statement(format_us(max(final, self.as_of))).lines)
        span = rk.Span(format_us(T0), format_us(max(final, self.as_of)))
        batch = rk.rate(self.fed, PLANS, span=span, meters=METERS)
        assert sums(self.lines) == batch_sums(batch.charges)

    @staticmethod
    def _end(at_us: int) -> int:
        return rk.cycles.daily(tz="UTC").containing_us(at_us)[1]


RaterMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=20)
TestRater = RaterMachine.TestCase
