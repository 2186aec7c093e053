"""Which of two versions of one id stands: the same rule for `meter()` and the `Rater`.

A record is known by its id. Two records with one id and other content are two
*versions*: metering raises [`ConflictingRecordError`][ratekit.ConflictingRecordError]
on them, or with ``conflicts="anomaly"`` keeps one and reports the others as
``"conflict"`` anomalies. The one kept never depends on the order the records are listed
in: of the versions given together, the one that sorts first by `standing()` stands.

- an event before a sample, a sample before an inventory;
- of two events, the one with the greater ``seq`` (an event without one as ``seq`` 0);
- of two samples, the earlier one (by ``at``, then ``seq``, value and id, as metering
  orders readings of one instant);
- otherwise, the one whose content has the smaller digest (`content()`: a sha256 of the
  canonical encoding a snapshot stores, numbers written by value, so that two records
  equal to each other have one digest);
- of versions equal to each other (a replay, perhaps written otherwise: ``1`` and
  ``Decimal("1.0")``, keys in another order), the one least as written (`written()`:
  that encoding with each number as given and each mapping's keys in their order,
  compared as text). Equal versions meter alike, but a row shows the kept one's
  description: so which one is shown is never the order they were listed in either.

The [`Rater`][ratekit.Rater] judges a batch's versions of one id in this order too (the
standing one first, `ratekit._rater_order`), so rating one
batch and metering the same records agree. A version given in an earlier call (in a
carried state) or fed in an earlier batch stands against one given later: that is the
order of the calls, not of a list.
"""

from __future__ import annotations

import itertools
import json
import typing
from decimal import Decimal

from ._metering_counters import order as tie_order
from .records import Event, Inventory, Sample

__all__ = ["content", "judged", "least_written", "standing", "written"]

Record: typing.TypeAlias = Event | Sample | Inventory


def judged(record: Record) -> tuple[object, ...]:
    """Where a record of a batch is judged: the same whatever the order it is listed in.

    A record is judged against those taken before it: a counter reading counts from the
    kept reading before it (from the compacted state when there is none), the first
    reading of a ``from_zero`` counter from a kept start, an event with a ``seq`` from the
    earliest kept event it is ordered before. So events come first, those with a ``seq``
    from the greatest (each then sees all it is ordered before), then samples in time
    order (each reading after the readings before it; readings of one instant as
    metering orders such a tie: by ``seq``, value, then id), then inventories (judged once
    the whole batch is filed). The rater's order refines this one into a total order
    (`ratekit._rater_order.judged()`); of two versions of one id, the least by
    `standing()` stands. O(1).
    """
    kind = type(record)
    if kind is Event:
        seq = typing.cast("Event", record).seq
        return (0, 0 if seq is None else -seq)
    if kind is Sample:
        return (1, *tie_order(typing.cast("Sample", record)))
    return (2, 0)


def standing(record: Record) -> tuple[object, ...]:
    """The key by which, of several versions of one id, the least one stands. O(size).

    `judged()`, then the digest of the record's content (`content()`), then, of equal
    versions, the record as written (`written()`).
    """
    return (*judged(record), content(record), written(record))


def written(record: Record) -> str:
    """A record exactly as written: what tells apart versions equal to each other. O(size).

    The encoding a snapshot stores (`ratekit._snapshot.encode_record()`) as JSON text (ASCII,
    no spaces), each number as given (``1``, ``{"decimal": "1.0"}``, ``{"decimal":
    "1.00"}``) and each mapping's keys in their order. Two records with one such text show
    alike in every row, repr and export; of equal versions, the least text stands
    (`least_written()`). An instant is kept as epoch microseconds: the same instant given
    at other offsets is written alike.

    Examples:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> one = rk.Event("a", "r", "2026-03-01T00:00:00Z", {"beam": 1}, id="e")
        >>> two = rk.Event("a", "r", "2026-03-01T01:00:00+01:00", {"beam": Decimal("1.0")}, id="e")
        >>> one == two, written(one) < written(two)
        (True, True)
    """
    from ._snapshot import encode_record  # noqa: PLC0415 - only when a record is given twice

    return json.dumps(encode_record(record), ensure_ascii=True, separators=(",", ":"))


R = typing.TypeVar("R", bound=Record)


def least_written(records: typing.Sequence[R]) -> R:
    """Of records equal to each other, the one least as written (`written()`). O(n size).

    The first one given when they are all written alike (then which one changes nothing),
    told without writing them for the usual replay: a sample's value of one text, an
    event's attributes one mapping or of one repr (equal ones differ only in
    their numbers' writing and their keys' order, which it shows).
    """
    first = records[0]
    if all(map(_alike, records, itertools.repeat(first))):
        return first
    return min(records, key=written)


def _alike(record: Record, first: Record) -> bool:
    """Whether ``record``, equal to ``first``, is written as it is (False: not told). O(size)."""
    if record is first:
        return True
    if type(record) is Sample:
        kept, value = first._value, record._value  # type: ignore[attr-defined,union-attr] # (slots)
        # written as their text (an int as the Decimal it equals: the same text)
        return (type(kept) is int and type(value) is int) or str(kept) == str(value)
    if type(record) is Event:
        mine, theirs = record.attributes, typing.cast("Event", first).attributes
        return mine is theirs or repr(mine) == repr(theirs)
    return False


def content(record: Record) -> str:
    """The sha256 of a record's content as equality sees it. O(size).

    The canonical encoding a snapshot stores, but with every number written by its value
    (``2``, ``2.0`` and ``Decimal("0.2E+1")`` alike), so that equal records, which
    metering takes as replays of each other, have one digest.

    Examples:
        >>> import ratekit as rk
        >>> one = rk.Sample("a", "r", "eg", "2026-03-01T00:00:00Z", 2, id="s")
        >>> two = rk.Sample("a", "r", "eg", "2026-03-01T00:00:00Z", "2.0", id="s")
        >>> one == two, content(one) == content(two)
        (True, True)
    """
    from ._snapshot import encode_record  # noqa: PLC0415 - only when an id has two versions
    from ._snapshot_seal import checksum  # noqa: PLC0415

    encoded = encode_record(record)
    if encoded[0] == "S":  # a sample's value, written as text
        encoded[5] = {"decimal": encoded[5]}
    return checksum(_by_value(encoded))


def _by_value(value: object) -> object:
    """Encoded data with each number (an int, ``{"decimal": text}``) written by its value.

    Depth is bounded by the records' nesting limit. O(size).
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return _number(Decimal(value))
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("decimal"), str):
            return _number(Decimal(value["decimal"]))
        return {key: _by_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_by_value(item) for item in value]
    return value


def _number(value: Decimal) -> dict[str, str]:
    """A finite number's value, exactly: its digits without trailing zeros, and exponent.

    As ``{"number": text}``: never equal to an encoded string, mapping or list.
    """
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: records hold no NaN or infinity
    numerals = "".join(map(str, digits)).lstrip("0")
    if not numerals:
        return {"number": "0"}
    stripped = numerals.rstrip("0")
    exponent += len(numerals) - len(stripped)
    return {"number": f"{'-' if sign else ''}{stripped}e{exponent}"}
