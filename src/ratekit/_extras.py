"""Optional extras: the one helper that imports an optional library, or says what to install.

ratekit's runtime needs only attrs, pendulum, sortedcontainers and typing-extensions. A
feature built on an optional library imports it through `require()`, when first used:
without it, [`MissingExtraError`][ratekit.MissingExtraError] (an `ImportError` too) names
the feature, the library and the extra that installs it.
"""

from __future__ import annotations

import importlib
import types

from .errors import MissingExtraError

__all__ = ["require"]


def require(module: str, extra: str, needs: str) -> types.ModuleType:
    """The module ``module``, imported, or a `MissingExtraError` naming ``extra``.

    ``needs`` says what needs it (``"cron windows need"``). O(1) once imported.

    Examples:
        >>> require("decimal", "none", "numbers need").__name__
        'decimal'
        >>> try:
        ...     require("no_such_library_here", "cron", "cron windows need")
        ... except MissingExtraError as error:
        ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
        cron windows need no_such_library_here, which ratekit does not install by itself;
        install it with `pip install 'ratekit[cron]'`.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if error.name not in (None, module, module.partition(".")[0]):
            raise  # the library is there, but something it imports is broken: say so as it is
        raise MissingExtraError(
            f"{needs} {module}, which ratekit does not install by itself; install it "
            f"with `pip install 'ratekit[{extra}]'`."
        ) from None
