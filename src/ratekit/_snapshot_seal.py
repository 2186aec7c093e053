"""The rater's snapshot envelope: format, version, fingerprint of the plans, checksum.

A snapshot is ``{"format", "version", "fingerprint", "body", "checksum"}``: the format
name `FORMAT`, the int `VERSION`, the sha256 of a canonical description of the plans and
meters it was taken under, the body (`ratekit._snapshot` encodes its parts), and the
sha256 of the canonical JSON of everything else. The checksum catches accidental damage
(a truncated file, a changed byte); anyone can recompute it, so it does not tell who
wrote a snapshot: restore checks a body's shape and range on its own.
"""

from __future__ import annotations

import hashlib
import json
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from ._caller_objects import declared, plain_data, plain_scalar, read_items
from ._shown import int_digits, show
from .errors import BadSnapshotError

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "VERSION",
    "VERSIONS",
    "BodyShape",
    "checksum",
    "open_envelope",
    "others",
    "seal",
    "too_deep",
]

FORMAT: Final = "ratekit.Rater"
#: The version `seal()` writes: 5, the compact one (`ratekit._snapshot_columns`) whose
#: resource states may keep a piece before their base's (`ResourceState.before`), whose
#: columns of integers are packed into strings (`ratekit._vlq`), and whose ids compacted
#: away and anomalies said before are packed too (`ratekit._snapshot_remembered`).
VERSION: Final = 5
#: The versions `open_envelope()` reads: version 1 (records and lines one list each),
#: version 2 (no state keeps a piece before its base's), version 3 (columns as lists) and
#: version 4 (the ids compacted away one list each) are still restored, never written.
VERSIONS: Final = (1, 2, 3, 4, 5)
#: Levels of lists and mappings a snapshot's parts hold at most (an attribute holds 64).
MAX_DEPTH: Final = 200
_SCALARS: Final = frozenset((str, int, bool, float, type(None)))
_ENVELOPE: Final = frozenset(("format", "version", "fingerprint", "body", "checksum"))


#: The canonical JSON writer: sorted keys, no spaces, text as it is. One for every call
#: (a compaction takes the digest of each record it forgets): ``json.dumps`` with these
#: options would build a writer per call, a third of the time of a sample's.
_ENCODER: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical(value: object) -> str:
    return _ENCODER.encode(value)


def _canonical_bytes(value: object) -> bytes:
    r"""The UTF-8 of the canonical JSON of ``value``, whatever surrogates its strings hold.

    Text without surrogates is plain UTF-8 (the bytes every earlier snapshot was sealed
    with). A string may hold surrogates, which UTF-8 cannot encode (``json.loads`` gives
    them for a ``"\udc80"`` escape, and the record doors accept them): the value is then
    read as JSON reads it back (a high surrogate followed by a low one is the one character
    they encode, a lone one stays itself) and each lone surrogate written as its three
    bytes, so that the checksum of a snapshot is the same after ``json.dumps`` and
    ``json.loads``. O(size of the value).
    """
    text = _canonical(value)
    try:
        return text.encode()
    except UnicodeEncodeError:
        pass
    # Through ASCII JSON and back: pairs joined, keys sorted as they will be read back.
    again = json.loads(json.dumps(value, ensure_ascii=True))
    return _canonical(again).encode("utf-8", "surrogatepass")


def checksum(value: object) -> str:
    r"""The sha256 (hex) of the canonical JSON of ``value`` (sorted keys, no spaces).

    Surrogates in strings are taken as `_canonical_bytes()` says: the checksum of a value
    is that of what ``json.loads(json.dumps(value))`` reads back.

    Examples:
        >>> checksum({"k": "\udc80"}) == checksum(json.loads(json.dumps({"k": "\udc80"})))
        True
        >>> checksum(["\ud83d\ude00"]) == checksum(["\U0001f600"])  # a pair is its character
        True
    """
    return hashlib.sha256(_canonical_bytes(value)).hexdigest()


#: The metadata key of an attrs field added after snapshots were first taken: at its
#: default, it is left out of the fingerprint's description (see `_unsaid()`).
ADDED = "ratekit.added"


def seal(body: dict[str, object], print_: str) -> dict[str, object]:
    """The snapshot envelope around ``body``: format, version, fingerprint and checksum."""
    envelope: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "fingerprint": print_,
        "body": body,
    }
    envelope["checksum"] = checksum(envelope)
    return envelope


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` holds lists or mappings nested more than ``limit`` deep.

    Walked with a stack, not by recursion, and left at the first container past
    ``limit``: a hostile mapping nested 100,000 deep (or one that holds itself) costs
    O(limit) levels to refuse, never a ``RecursionError``. O(size of the data).

    Examples:
        >>> too_deep({"a": [[1]]}, 3), too_deep({"a": [[1]]}, 2)
        (False, True)
    """
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            items: Iterable[object] = value.values()
        elif isinstance(value, list | tuple):
            items = value
        elif isinstance(value, Mapping):
            items = value.values()
        else:
            continue
        if depth > limit:
            return True
        below = depth + 1
        # Scalars (most of a snapshot) are not pushed: a set lookup each.
        stack += [(item, below) for item in items if type(item) not in _SCALARS]
    return False


#: What JSON reads: the types a snapshot's parts may hold (``json.load`` gives no others).
_JSON_SCALARS: Final = frozenset((str, int, float, bool, type(None)))


def _unlike_json(data: object, *, ints: bool = False) -> tuple[str, str | None] | None:
    """What in ``data`` (plain, at most `MAX_DEPTH` deep) JSON does not hold, and where.

    With ``ints``, an int too long for Python to write as text (more digits than
    ``sys.get_int_max_str_digits()``) is such a value too: asked only once writing the
    data failed, so that the walk costs nothing more for the usual snapshot.

    ``None`` when it holds only dicts with string keys, lists (or tuples) and JSON's
    scalars; else, for the first other value or key found, its type and value, and its
    place under ``data`` (``None``: ``data`` itself; empty: in ``data``). Walked with a stack; runs no code of a value's
    own (`ratekit._caller_objects.plain_data` made every container and scalar plain).
    O(size of the data).

    Examples:
        >>> _unlike_json({"a": [1, "x", None, 2.5, {"b": True}]}) is None
        True
        >>> _unlike_json({"a": [1, {"b": {2, 3}}]})
        ('a value of type set, {2, 3}', "['a'][1]['b']")
        >>> _unlike_json([{1: "x"}])
        ('a key of type int, 1', '[0]')
        >>> _unlike_json({1: "x"})
        ('a key of type int, 1', '')
        >>> _unlike_json(b"x")
        ("a value of type bytes, b'x'", None)
        >>> _unlike_json({"a": [1, 10**5000]}, ints=True)
        ('an integer of 5001 digits, more than JSON text can hold here (4300)', "['a'][1]")
    """
    stack: list[tuple[object, tuple[object, ...]]] = [(data, ())]
    scalars = _JSON_SCALARS - {int} if ints else _JSON_SCALARS
    most = sys.get_int_max_str_digits()
    while stack:
        value, place = stack.pop()
        kind = type(value)
        if kind is dict:
            mapping = typing.cast("dict[object, object]", value)
            for key, item in mapping.items():
                if type(key) is not str:
                    return f"a key of type {type(key).__name__}, {show(key)}", _at(place)
                if type(item) not in scalars:
                    stack.append((item, (*place, key)))
        elif kind is list or kind is tuple:  # (a tuple is written as JSON's array)
            sequence = typing.cast("list[object]", value)
            stack += [
                (item, (*place, index))
                for index, item in enumerate(sequence)
                if type(item) not in scalars
            ]
        elif kind is int and ints:
            digits = int_digits(typing.cast("int", value))
            if most and digits > most:
                written = f"more than JSON text can hold here ({most})"
                return f"an integer of {digits} digits, {written}", _at(place) if place else None
        elif kind not in scalars:
            return f"a value of type {kind.__name__}, {show(value)}", _at(place) if place else None
    return None


def _refuse_unlike_json(data: Mapping[str, object], *, ints: bool = False) -> None:
    """Refuse the first value under ``data``'s keys that JSON does not hold (`_unlike_json`)."""
    scalars = _JSON_SCALARS - {int} if ints else _JSON_SCALARS
    for key, value in data.items():
        if type(value) in scalars:
            continue  # JSON's own: nothing to walk (a million of them cost no walk each)
        strange = _unlike_json(value, ints=ints)
        if strange is not None:
            what, place = strange
            raise BadSnapshotError(
                f"Rater snapshot {show(key)} "
                + (f"is {what}" if place is None else f"holds {what}")
                + (f" at {place}" if place else "")
                + "; a snapshot holds only what "
                "JSON does (objects with string keys, arrays, strings, numbers, true, "
                "false and null): restore an unaltered copy."
            )


def _read_envelope(
    data: Mapping[object, object], body: BodyShape | None
) -> Mapping[object, object]:
    """``data`` with a caller's envelope, and body, read no further than their keys.

    A caller's mapping (not a ``dict``) that gives more items than an envelope has keys,
    or a body more than ``body.most``, is refused as it is read: its items are not drawn
    further (an endless one gave 16,777,216 before). What they hold is read by
    `plain_data()` after. O(keys of an envelope and a body).
    """
    if type(data) is not dict:
        data = _read_keys(data, len(_ENVELOPE), ", the keys of a snapshot")
    # looked for among plain string keys only: a caller's own key (a str subclass) is not
    # asked to compare itself
    found = (v for k, v in data.items() if type(k) is str and k == "body")
    inside = next(found, None) if len(data) <= len(_ENVELOPE) else None  # else refused after
    if body is None or len(data) > len(_ENVELOPE):  # (more keys: refused by them, after)
        return data
    # no value of a snapshot is a mapping of more keys than a body's parts hold
    data = {
        key: value if _is_body(key) else _mapping_at(value, body, show(key))
        for key, value in data.items()
    }
    if inside is None or not isinstance(inside, Mapping):
        return data
    if type(inside) is not dict:
        inside = _read_keys(inside, body.most, ", the keys of a body")
    if len(inside) > body.most:  # a dict of more keys than a body has: refused by them, after
        return {**data, "body": inside}
    parts = {
        key: _mapping_at(value, body, f"body.{key}" if type(key) is str else show(key))
        for key, value in inside.items()
    }
    return {**data, "body": parts}


def _is_body(key: object) -> bool:
    """Whether ``key`` is ``"body"``, a str subclass's by the text it holds (no code of its own)."""
    return isinstance(key, str) and str.__str__(key) == "body"


def _mapping_at(value: object, body: BodyShape, place: str) -> object:
    """``value`` (at ``place``): a mapping of more than ``body.part`` keys refused.

    A snapshot writes a mapping among a body's parts only as ``reported`` and
    ``by_resource``, of three keys each; every other value of a snapshot is a list, text or
    a number. A mapping that says (by its ``len()``) it holds more, or a caller's that
    gives more, is refused before it is read, let alone checksummed: a forged snapshot with
    a million honest items at ``body.reported`` is refused at once, where its reading and
    checksum took 1.5 s. A smaller mapping where none belongs is read, and refused by
    what it holds or by the checksum. O(1) for a dict, O(most) for a caller's mapping.
    """
    if not isinstance(value, Mapping):
        return value
    most = body.part
    size, _ = declared(value)
    if size > most:
        raise BadSnapshotError(
            f"Rater snapshot {place} is a mapping of {size:,} items; no part of a snapshot "
            f"is a mapping of more than {most} (a body's reported and by_resource hold "
            f"{most} keys each): restore an unaltered copy."
        )
    if type(value) is dict:
        return value
    return _read_keys(value, most, f", the keys of {place}")


def _read_keys(data: Mapping[object, object], most: int, why: str) -> dict[object, object]:
    """A caller's mapping read no further than ``most`` distinct keys, ``why``.

    Nor further than ``most`` items, or its ``len()`` when that says more: a key given
    again is read as ``json.loads`` reads it, the last one standing. O(most + len).
    """
    size, said = declared(data)
    bound = (size, said) if size > most else (most, why)
    kind = f"mapping ({type(data).__name__})"
    pairs = read_items(
        data,
        "Rater snapshot",
        kind,
        _AS_SNAPSHOT,
        refusal=BadSnapshotError,
        most=bound,
        keys=(most, why),
    )
    return {plain_scalar(key): value for key, value in pairs}


def _other_keys(data: Mapping[object, object]) -> BadSnapshotError:
    """The refusal of an envelope whose keys are not a snapshot's: O(n) for n keys."""
    keys = [plain_scalar(key) for key in data]  # a str subclass's key as the str it holds
    extra = others(keys, _ENVELOPE)
    missing = sorted(_ENVELOPE - {key for key in keys if type(key) is str})
    return BadSnapshotError(
        "Rater snapshot has "
        + (f"keys {extra} that a snapshot has not" if extra else "")
        + (" and " if extra and missing else "")
        + (f"no {', '.join(missing)}" if missing else "")
        + "; a snapshot has exactly body, checksum, fingerprint, format and version: "
        "restore an unaltered copy."
    )


def others(keys: Iterable[object], known: frozenset[str], first: int = 5) -> str:
    """The keys not ``known``, shown: the first ``first`` of them, and how many more.

    A mapping of a million keys is named in a short message, at O(n) set lookups
    (never showing or sorting them all). Empty when every key is known.

    Examples:
        >>> others(["b", "x", 1, "format"], frozenset({"b", "format"}))
        "'x', 1"
        >>> others([f"k{i}" for i in range(7)], frozenset())
        "'k0', 'k1', 'k2', 'k3', 'k4' and 2 more"
    """
    unknown = [key for key in keys if not (type(key) is str and key in known)]
    shown = ", ".join(sorted(map(show, unknown[:first])))
    rest = len(unknown) - first
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def _at(place: tuple[object, ...]) -> str:
    return "".join(f"[{step!r}]" for step in place)


_AS_SNAPSHOT = "what Rater.snapshot() returned, or its JSON read back with json.load"


def _earlier(
    legacy: str | tuple[str, ...] | Callable[[], tuple[str, ...]] | None,
) -> tuple[str | None, ...]:
    """The fingerprints of earlier versions accepted: ``legacy``, called if a function.

    A function is called only for a snapshot whose fingerprint is not this version's:
    each costs a description of every assignment (a second each for 5,000 of them).
    """
    if callable(legacy):
        return legacy()
    return (legacy,) if legacy is None or isinstance(legacy, str) else legacy


class BodyShape(typing.NamedTuple):
    """What `open_envelope()` knows of a body before its checksum: its keys, at most ``most``.

    ``check`` refuses a body (a plain dict) without the keys a body has, or with others,
    in a message of bounded length; it costs O(keys a body has), whatever the body holds.
    ``part``: the most keys a part of the body holds when it is a mapping (no value of a
    snapshot is a mapping of more keys, bar the body).
    """

    most: int
    check: Callable[[Mapping[str, Any]], None]
    part: int


def open_envelope(
    data: object,
    print_: str,
    legacy: str | tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None,
    *,
    body: BodyShape | None = None,
) -> tuple[dict[str, Any], int]:
    """The body and version of a snapshot, once its format, version, checksum and fingerprint check.

    Both as read once from ``data`` (`ratekit._caller_objects.plain_data`): a caller's
    mapping is not asked again.

    The work before the checksum is bounded by what a snapshot is: a caller's mapping
    is read no further than the five keys of an envelope, or (``body``) the keys a body
    may have, and no mapping or list of the caller's further than its own ``len()``; the
    body's keys (``body.check``) are judged before its checksum is computed.

    Raises [`BadSnapshotError`][ratekit.BadSnapshotError] saying which check failed:
    not a mapping or nested deeper than a snapshot, another format, a version other than
    the ints of `VERSIONS`, other keys than an envelope's, a body without a body's keys
    or with others, a checksum that does not match, other plans or meters, no body.
    """
    if isinstance(data, Mapping):
        data = _read_envelope(data, body)
        plain = plain_data(
            data, "Rater snapshot", _AS_SNAPSHOT, limit=MAX_DEPTH + 1, refusal=BadSnapshotError
        )
        data = typing.cast("Mapping[str, Any]", plain)
        for key, value in data.items():
            if type(value) not in _SCALARS and too_deep(value):  # (a scalar is not walked)
                raise BadSnapshotError(
                    f"Rater snapshot {show(key)} is nested more than {MAX_DEPTH} levels deep; "
                    "that is not what Rater.snapshot() writes: restore an unaltered copy."
                )
        _refuse_unlike_json(data)
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise BadSnapshotError(
            f"Rater.restore needs what Rater.snapshot() returned (a dict with format "
            f"{FORMAT!r}), not {type(data).__name__}"
            + (f" with format {show(data.get('format'))}" if isinstance(data, Mapping) else "")
            + "."
        )
    version = data.get("version")
    *most, last = map(str, VERSIONS)
    if type(version) is not int and version in VERSIONS:  # 5.0, True: a number, not the int
        raise BadSnapshotError(
            f"Rater snapshot version {show(version)} is a {type(version).__name__}, not an int: "
            f"Rater.snapshot() writes it as an int ({', '.join(most)} or {last}); restore the "
            "snapshot as json.loads() reads it (a reader that makes every number a float "
            "changes it)."
        )
    if type(version) is not int or version not in VERSIONS:
        raise BadSnapshotError(
            f"Rater snapshot version {show(version)} is unknown: this ratekit reads versions "
            f"{', '.join(most)} and {last}; restore it with the ratekit that wrote it."
        )
    if set(data) != _ENVELOPE:
        raise _other_keys(data)
    if body is not None and type(data["body"]) is dict:
        body.check(data["body"])  # a body's keys, before the checksum of what it holds
    envelope = {key: value for key, value in data.items() if key != "checksum"}
    found = data.get("checksum")
    try:
        expected = checksum(envelope)
    except (TypeError, ValueError):  # an int too long to write: the rest was checked above
        _refuse_unlike_json(envelope, ints=True)
        raise
    if found != expected:
        raise BadSnapshotError(
            f"Rater snapshot checksum {show(found)} does not match its content (sha256 "
            f"{expected!r}): the snapshot was altered or damaged after it was taken; restore "
            "an unaltered copy."
        )
    found = data.get("fingerprint")
    if found != print_ and found not in _earlier(legacy):
        raise BadSnapshotError(
            "Rater snapshot was taken under other plans or meters (fingerprint "
            f"{show(data.get('fingerprint'))}, these give {print_!r}); restore it with the "
            "plans and meters it was taken with (under assignments, the set the rater held "
            "when the snapshot was taken: the one its last Rater.assign() before the "
            "snapshot returned, or else the set it was built with; then assign again what "
            "was assigned after)."
        )
    body = data.get("body")
    if not isinstance(body, dict):
        raise BadSnapshotError(
            f"Rater snapshot body must be an object, not {type(body).__name__}: restore an "
            "unaltered copy."
        )
    return typing.cast("dict[str, Any]", body), version
