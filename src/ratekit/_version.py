"""The version of ratekit (read by the build backend; served lazily by ``ratekit.__version__``)."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
