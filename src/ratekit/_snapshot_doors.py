"""Restore's doors: a restored state holding nothing the feed would have refused.

Private to [`ratekit.Rater.restore()`][ratekit.Rater.restore]. A snapshot altered by hand
and resealed passes its checksum; what the rater keeps is then checked by the feed's own
doors (`ratekit._rater_reach`, `ratekit._rater_doors`), not by a second copy of them, so
that any snapshot restore takes can give statements:

- the kept records pass the feed's check of a batch (`_rater_reach.checked()`);
- their ids, and those compacted away last, are one space across record kinds, as the
  feed keeps it (`_rater_reach.holders()`);
- each compacted resource state is of an account an assignment names (when the rater
  has assignments), as the feed refuses a record of any other
  (`_rater_reach.assigned_only()`);
- each compacted resource state's instants lie in cycles the rater computes
  (`_rater_doors.in_a_cycle()`), none after the kept cycles' start, and the levels its
  description, the one before its history and its history's events set pass the level
  doors (`level_error()`,
  `level_found()`, alone, and `sum_found()`, summed with the account's others);
- each account of the first-record table is one a record could have, at an instant in a
  computable cycle;
- each compacted resource state's readings are of the rater's meters, each of a kind
  its meter takes (`_state_readings()`), as the feed takes a sample only then;
- the kept samples, as if fed again, pass the door on what prices make of them
  (`_rater_sample_doors.amounts()`);
- the usage kept (records, listings, compacted states) passes the door on usage no entry
  prices (`_rater_kept_usage.kept_refusal()`), but within `Rater.assign()`, which
  judges the accounts it assigns itself (``priced=False``).

Each refusal is a [`BadSnapshotError`][ratekit.BadSnapshotError] naming the part and the
field.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from . import _rater_doors as _doors
from . import _rater_kept_usage as _kept_usage
from . import _rater_range as _range
from . import _rater_reach as _reach
from . import _rater_sample_doors as _sample_doors
from ._instants import format_us
from ._shown import show, some
from ._text import is_text
from .errors import BadSnapshotError, RatekitError
from .metering import accepted_kinds
from .records import Event, Sample
from .usage import ResourceState

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["restored"]

_FORMS: typing.Final = {"Event": "an event", "Sample": "a sample", "Inventory": "an inventory"}
_PARTS: typing.Final = {"Event": "body.by_resource", "Sample": "body.by_resource"}


def restored(rater: Rater, *, priced: bool = True) -> None:
    """Refuse a restored state holding what the feed refuses (a snapshot altered by hand).

    A record kept with a level of -5 or ``"NaN"``, two kinds under one id, a compacted
    level that a cycle's time takes past what prices take, an instant in no computable
    cycle would make every later statement fail, as it would had the feed taken it.
    Raises [`BadSnapshotError`][ratekit.BadSnapshotError] saying why. O(n) for n kept
    records and states. Without ``priced`` (`Rater.assign()`), the usage kept is not
    judged by the door on usage no entry prices.
    """
    _state_accounts(rater)
    _state_instants(rater)
    kinds = accepted_kinds({meter.name: meter for meter in rater._engine.meters})
    for index, state in enumerate(rater._state):
        _state_readings(kinds, index, state)
        _state_levels(rater, index, state)
    records = list(rater._records.values())
    try:
        _reach.checked(rater, records, fed=False)
    except RatekitError as error:
        detail = str(error).removeprefix("Rater.feed: ")
        raise BadSnapshotError(
            f"Rater snapshot keeps a record that the feed refuses: {detail} Restore an "
            "unaltered copy."
        ) from error  # the feed's own refusal, for `Rater.assign()` to say
    _amounts(rater, records)
    found = _doors.sum_found(rater, rater._state, rater._base_us)
    if found is not None:
        state, _, _, words, _ = found
        _refuse(rater._state.index(state), state, "a description", words)
    _ids(rater)
    _firsts(rater)
    if priced:
        _priced(rater)


def _amounts(rater: Rater, records: list[Record]) -> None:
    """Refuse kept samples that some price takes out of range, as the feed refuses them.

    The feed's door judges the samples a batch brings (`_rater_sample_doors.amounts()`):
    here the kept ones, as if fed again (a delta of 5 GB made ``"1E+28"`` at 100,000 EUR
    per GB would make every statement fail with `BadPriceError`). O(n) while the quick
    bound holds, else the metering and rating of the accounts with samples.
    """
    samples = [record for record in records if type(record) is Sample]
    try:
        _sample_doors.amounts(rater, records, samples, again=True)
    except RatekitError as error:
        detail = str(error).removeprefix("Rater.feed: ").replace("the batch's first", "the first")
        detail = detail.split(" The batch is refused whole", 1)[0]
        raise BadSnapshotError(
            f"Rater snapshot keeps a record that the feed refuses: {detail} Restore an "
            "unaltered copy."
        ) from error


def _priced(rater: Rater) -> None:
    """Refuse kept usage that no entry prices, as the feed refuses the batch making it.

    A kept record's description altered by hand (``{'f': 's'}`` made ``{'f': 'S'}``, which
    no entry selects) would make every statement raise `UnpricedUsageError`; so would a
    compacted state's. Judged by the feed's own door (`_rater_priced_doors`), the error
    it gives chained. O(k) for the k records and states kept, when some plan may refuse
    some meter's usage; else O(1).
    """
    found = _kept_usage.kept_refusal(rater)
    if found is None:
        return
    account, culprit, refused = found
    if isinstance(culprit, ResourceState):
        raise BadSnapshotError(
            f"Rater snapshot keeps the state of resource {show(culprit.resource)} of "
            f"{show(culprit.account)} (body.state[{rater._state.index(culprit)}]) describing "
            f"it so that every statement would fail to price the usage of account "
            f"{show(account)}, as the feed refuses a record doing so: {refused} Restore an "
            "unaltered copy."
        ) from refused
    kind = f" ({culprit.kind})" if type(culprit) is Event and culprit.id is not None else ""
    raise BadSnapshotError(
        f"Rater snapshot keeps a record that the feed refuses: {_range.labelled(culprit)}"
        f"{kind} stamped {format_us(culprit.at_us)} would make "
        f"every statement fail to price the usage of account {show(account)}: {refused} "
        "Restore an unaltered copy."
    ) from refused


def _described(state: ResourceState) -> list[tuple[str, object, Mapping[str, object]]]:
    """What a state describes: its description, the one before its history, its events'.

    Each with what describes it (the state, the state before its history, the event):
    metering applies the history again (a late event is placed among it), so each must
    set valid levels.
    """
    base = state.base
    return [
        ("a description", state, state.description),
        *([] if base is None else [("a description before its history", base, base.description)]),
        *(
            (f"history[{position}] (event at {format_us(event.at_us)})", event, event.attributes)
            for position, event in enumerate(state.history)
        ),
    ]


def _state_levels(rater: Rater, index: int, state: ResourceState) -> None:
    """Refuse a state setting a level the feed's level doors refuse, alone. O(h) for h events."""
    level_paths = rater._engine.level_paths
    if not level_paths:
        return
    for what, item, attributes in _described(state):
        error = _doors.level_error(attributes, level_paths)
        if error is not None:
            name, refusal = error
            _refuse(index, state, what, f"sets the level of meter {show(name)}: {refusal}")
        # held from the kept cycles' start: what it sets runs through them
        found = _doors.level_found(rater, [item], rater._base_us)
        if found is not None:
            _refuse(index, state, what, found[3])


def _state_readings(kinds: Mapping[str, frozenset[str]], index: int, state: ResourceState) -> None:
    """Refuse a reading of a meter the rater has not, or of a kind its meter takes not. O(r).

    ``kinds``: per meter name, the sample kinds it takes (`metering.accepted_kinds()`).
    """
    for meter_name, at_us, _, kind, record_id, _ in state.readings:
        taken = kinds.get(meter_name)
        if taken is not None and kind in taken:
            continue
        named = ", ".join(
            f"{show(name)} ({', '.join(sorted(k)) or 'none'})" for name, k in sorted(kinds.items())
        )
        problem = "is not a meter of the rater" if taken is None else f"takes no {kind} readings"
        raise BadSnapshotError(
            f"Rater snapshot keeps the state of resource {show(state.resource)} of "
            f"{show(state.account)} (body.state[{index}]) with a {kind} reading "
            f"{show(record_id)} at {format_us(at_us)} of meter {show(meter_name)}, which "
            f"{problem}: a state keeps readings of the rater's meters, each of a kind its "
            f"meter takes ({named}); restore an unaltered copy."
        )


def _refuse(index: int, state: ResourceState, what: str, words: str) -> typing.NoReturn:
    raise BadSnapshotError(
        f"Rater snapshot keeps the state of resource {show(state.resource)} of "
        f"{show(state.account)} (body.state[{index}]) with {what} that {words} Every "
        "statement metering it would fail: restore an unaltered copy."
    )


def _state_accounts(rater: Rater) -> None:
    """Refuse a state of an account no assignment of the rater names. O(s + a log a)."""
    assigned = rater._engine.assigned
    if assigned is None:
        return
    for index, state in enumerate(rater._state):
        if state.account in assigned:
            continue
        named = some(assigned)
        raise BadSnapshotError(
            f"Rater snapshot keeps the state of resource {show(state.resource)} of "
            f"{show(state.account)} (body.state[{index}].account): an account there is one "
            f"that an assignment of the rater names ({named}), as the feed takes "
            "records of no other (every statement pricing it would fail); restore an "
            "unaltered copy."
        )


def _stamps(state: ResourceState) -> list[tuple[str, int]]:
    """A state's instants, each with the field that holds it. O(r + h)."""
    base = state.base
    stamps = [
        ("since_us", state.since_us),
        ("clock_us", state.clock_us),
        ("through_us", state.through_us),
        *((f"readings[{n}] (meter {show(r[0])})", r[1]) for n, r in enumerate(state.readings)),
        *((f"history[{n}]", event.at_us) for n, event in enumerate(state.history)),
        *([] if base is None else [("since_us before its history", base.since_us)]),
        *([] if base is None else [("clock_us before its history", base.clock_us)]),
    ]
    return [(what, t_us) for what, t_us in stamps if t_us is not None]


def _state_instants(rater: Rater) -> None:
    """Refuse a state holding an instant in no cycle the rater computes, or after the base.

    Cycles follow one another: when the earliest and the latest instant of the states
    lie in computable cycles, so do all between (as `_rater_doors.all_computable()`
    reasons for a batch), and two look-ups do. Else the one refused is named. O(s) for
    the s instants of the states.
    """
    stamps = [
        (t_us, index, what)
        for index, state in enumerate(rater._state)
        for what, t_us in _stamps(state)
    ]
    if not stamps:
        return
    for t_us, index, what in sorted({min(stamps), max(stamps)}, key=lambda item: item[1]):
        try:
            _doors.in_a_cycle(rater, t_us)
        except RatekitError as error:
            state = rater._state[index]
            raise BadSnapshotError(
                f"Rater snapshot keeps the state of resource {show(state.resource)} of "
                f"{show(state.account)} (body.state[{index}]) with {what} at "
                f"{format_us(t_us)}, in no billing cycle the rater can compute "
                f"({str(error).rstrip('.')}); every statement metering it would fail: "
                "restore an unaltered copy."
            ) from None
    late = max(stamps)
    if late[0] > rater._base_us:
        # A compacted state is where its resource stood at the kept cycles' start: what it
        # holds happened by then (a later record is kept, not compacted).
        t_us, index, what = late
        state = rater._state[index]
        raise BadSnapshotError(
            f"Rater snapshot keeps the state of resource {show(state.resource)} of "
            f"{show(state.account)} (body.state[{index}]) with {what} at {format_us(t_us)}, "
            f"after the start of the cycles the rater keeps ({format_us(rater._base_us)}, "
            "body.base_us): a compacted state holds only what came by then; restore an "
            "unaltered copy."
        )


def _ids(rater: Rater) -> None:
    """Refuse an id that records of two kinds hold, kept or compacted away last. O(n)."""
    kept, forgotten = rater._records, rater._forgotten
    held = _reach.holders(kept, forgotten)
    clashing = sorted(record_id for record_id, kind in held.items() if kind is _reach.SEVERAL)
    if not clashing:
        return
    record_id = clashing[0]
    kinds = [typing.cast("tuple[str, str]", key)[0] for key in kept if _named(key, record_id)]
    order = list(_FORMS)
    holders = sorted(
        [(order.index(kind), 0, kind) for kind in kinds]
        + [
            (order.index(kind), 1, kind)
            for key in forgotten
            if _named(key, record_id)
            for kind in (typing.cast("tuple[str, str]", key)[0],)
        ]
    )
    where = " and ".join(
        f"{_FORMS[kind]} compacted away (body.forgotten)"
        if compacted
        else f"{_FORMS[kind]} kept ({_PARTS.get(kind, 'body.records')})"
        for _, compacted, kind in holders
    )
    raise BadSnapshotError(
        f"Rater snapshot holds the id {show(record_id)} for records of several kinds: "
        f"{where}; ids are one space across events, samples and "
        "inventories, as the feed keeps them (it takes a record whose id another kind "
        "holds as conflicting, and a statement refuses two kinds under one id): restore "
        "an unaltered copy."
    )


def _firsts(rater: Rater) -> None:
    """Refuse a first-record table naming no account or instant a record could have: O(a)."""
    assigned = rater._engine.assigned
    for index, (account, at_us) in enumerate(rater._first.items()):
        if type(account) is not str or not account or not is_text(account):
            wanted = "a non-empty string of text, as a record's is"
        elif assigned is not None and account not in assigned:
            wanted = "one that an assignment of the rater names"
        else:
            try:
                _doors.in_a_cycle(rater, at_us)
            except RatekitError as error:
                raise BadSnapshotError(
                    f"Rater snapshot body.first[{index}] gives the account {show(account)} "
                    f"its first record at {format_us(at_us)}, in no billing cycle the rater "
                    f"can compute ({str(error).rstrip('.')}); every statement billing it "
                    "would fail: restore an unaltered copy."
                ) from None
            continue
        raise BadSnapshotError(
            f"Rater snapshot body.first[{index}] names the account {show(account)}: an "
            f"account there is {wanted} (every statement billing it would fail); restore "
            "an unaltered copy."
        )


def _named(key: object, record_id: str) -> bool:
    """Whether a kept record's identity is ``record_id`` (one without an id is its content)."""
    return isinstance(key, tuple) and key[1] == record_id
