"""The HTML report (`cx report`): one self-contained page for people who decide.

The chart library (Altair, with ``vl-convert-python`` for the inlined Vega
JavaScript) is an optional extra: ``pip install 'cx[report]'``. It is imported
only when a report is built; :func:`require_chart_library` says clearly what is
missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cx.errors import InputError

if TYPE_CHECKING:
    from cx.report.build import build_report

__all__ = ["build_report", "require_chart_library"]


def require_chart_library() -> None:
    """Raise a clear :class:`InputError` if the report's optional packages are missing."""
    missing = []
    for module, package in (("altair", "altair"), ("vl_convert", "vl-convert-python")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise InputError(
            f"cx report needs the optional package(s) {', '.join(missing)}",
            hint="install the report extra: pip install 'cx[report]'",
        )


def __getattr__(name: str) -> Any:
    # build_report comes from cx.report.build on first use: importing cx.report stays cheap.
    if name == "build_report":
        from cx.report.build import build_report

        return build_report
    raise AttributeError(f"module 'cx.report' has no attribute {name!r}")
