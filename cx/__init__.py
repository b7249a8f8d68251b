"""cx: channel strategy toolkit.

The public API lives in :mod:`cx.api` and is re-exported here lazily, so that
importing ``cx`` (and running ``cx --help``) does not import Polars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cx._version import __version__
from cx.errors import CxError, DataError, InputError, StrategyError, UsageError

if TYPE_CHECKING:
    from cx.api import compare, load_interactions, load_strategy, simulate, sweep
    from cx.data.cube import Cube
    from cx.models.progress import Progress
    from cx.models.result import Comparison, Result
    from cx.models.strategy import Strategy

__all__ = [
    "Comparison",
    "Cube",
    "CxError",
    "DataError",
    "InputError",
    "Progress",
    "Result",
    "Strategy",
    "StrategyError",
    "UsageError",
    "__version__",
    "compare",
    "load_interactions",
    "load_strategy",
    "simulate",
    "sweep",
]

_LAZY = {
    "compare": "cx.api",
    "load_interactions": "cx.api",
    "load_strategy": "cx.api",
    "simulate": "cx.api",
    "sweep": "cx.api",
    "Cube": "cx.data.cube",
    "Comparison": "cx.models.result",
    "Progress": "cx.models.progress",
    "Result": "cx.models.result",
    "Strategy": "cx.models.strategy",
}


#: The modules whose functions the README names as ``cx.api.evaluate``,
#: ``cx.report.build_report``: reachable after a bare ``import cx``, imported when used.
_MODULES = ("api", "report", "generate")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _MODULES:
        return importlib.import_module(f"cx.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cx' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
