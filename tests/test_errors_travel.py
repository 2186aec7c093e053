"""A ratekit error pickles with its cause, so it travels between processes whole."""

from __future__ import annotations

import io
import pickle
import threading

import pytest

import ratekit as rk

KINDS = [
    getattr(rk, name)
    for name in dir(rk)
    if isinstance(getattr(rk, name), type) and issubclass(getattr(rk, name), rk.RatekitError)
]


def _raised(kind: type[rk.RatekitError], cause: BaseException | None) -> rk.RatekitError:
    try:
        if cause is None:
            raise kind("refused: what was wrong and what is accepted")
        try:
            raise cause
        except BaseException as error:
            raise kind("refused: what was wrong and what is accepted") from error
    except rk.RatekitError as error:
        return error


def _travelled(error: rk.RatekitError) -> rk.RatekitError:
    """``error`` pickled and read back by ratekit's own reduction alone.

    A library may register reducers for every exception class (distributed installs
    tblib's, which pickle the cause too): a pickler of its own dispatch table leaves them
    out, so the test sees what ratekit does wherever it runs.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dispatch_table = {}
    pickler.dump(error)
    again = pickle.loads(buffer.getvalue())
    assert isinstance(again, rk.RatekitError)
    return again


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_error_pickles_with_its_cause(kind: type[rk.RatekitError]) -> None:
    again = _travelled(_raised(kind, KeyError("flavor")))
    assert type(again) is kind
    assert again.args == ("refused: what was wrong and what is accepted",)
    assert type(again.__cause__) is KeyError
    assert again.__cause__.args == ("flavor",)


def test_an_error_without_a_cause_pickles_without_one() -> None:
    again = _travelled(_raised(rk.BadRecordError, None))
    assert (type(again), again.__cause__) == (rk.BadRecordError, None)


class _HoldingError(Exception):
    """An error of the caller's that holds what cannot be pickled (a lock)."""

    def __init__(self) -> None:
        super().__init__("held")
        self.lock = threading.Lock()


def test_a_cause_that_does_not_pickle_is_left_out() -> None:
    again = _travelled(_raised(rk.RatekitTypeError, _HoldingError()))
    assert type(again) is rk.RatekitTypeError
    assert again.__cause__ is None
