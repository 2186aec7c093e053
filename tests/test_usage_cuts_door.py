"""``Usage(cuts=...)`` reads a caller's mapping once and names what its own code raises.

The cuts are metering's instants of each meter (where rating may cut its rows); a
caller building a Usage by hand gives them as a mapping of meter names to int instants.
A mapping or a list of instants whose own code raised, an int subclass whose hash
raised, or a value whose repr raised let that error escape ``rk.Usage()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

import ratekit as rk

ACCEPTED = "give a dict of meter names to lists of int instants."


class _Gone(Mapping[str, list[int]]):
    def __getitem__(self, key: str) -> list[int]:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise ValueError("backing store gone")

    def __len__(self) -> int:
        return 1


def _cursor() -> Iterator[int]:
    yield 1
    raise OSError("cursor closed")


class _Unhashable(int):
    def __hash__(self) -> int:
        raise RuntimeError("no hash")


class _NoRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_a_mapping_whose_iteration_raises_is_named() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Usage((), (), (), cuts=_Gone())
    assert str(caught.value) == (
        "Usage cuts could not be read: its mapping (_Gone) raised ValueError: backing store "
        f"gone; {ACCEPTED}"
    )


def test_instants_whose_iteration_raises_are_named() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Usage((), (), (), cuts={"m": _cursor()})
    assert str(caught.value) == (
        f"Usage cuts could not be read: its generator raised OSError: cursor closed; {ACCEPTED}"
    )


def test_instants_and_names_are_kept_as_plain_values() -> None:
    class Name(str):
        __slots__ = ()

    usage = rk.Usage((), (), (), cuts={Name("m"): [_Unhashable(5), 3, 5]})
    assert dict(usage.cuts) == {"m": (3, 5)}  # sorted, each once
    assert [type(n) for n in usage.cuts] == [str]
    assert [type(t) for t in usage.cuts["m"]] == [int, int]


def test_a_value_whose_repr_raises_is_refused_naming_its_type() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"Usage cuts must be a mapping .*_NoRepr"):
        rk.Usage((), (), (), cuts=_NoRepr())
