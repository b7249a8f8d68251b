"""How long work says how far it is: the library reports steps to a :class:`Progress`.

The library never prints. A caller that wants to show progress (the command line, on a
terminal) passes a subclass that draws it; everyone else gets :data:`SILENT`, which
does nothing. A step has a name (``following journeys``) and, where its size is known
in advance and the work can count it (rows drawn, contacts replayed), a ``total`` that
:meth:`Progress.advance` counts towards. A step without a total is one whose progress
cannot be measured truthfully (a single Polars query over a file): it is named, and
its elapsed time shown, never a made-up percentage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Receives the steps of long work; this base ignores them (the default)."""

    def start(self, step: str, total: float | None = None) -> None:
        """A step begins; ``total`` is its size where it is known (rows, contacts)."""

    def advance(self, amount: float = 1.0) -> None:
        """``amount`` more of the current step's total is done."""

    def finish(self) -> None:
        """The current step is over (the step started before it, if any, goes on)."""

    @contextmanager
    def step(self, name: str, total: float | None = None) -> Iterator[Progress]:
        """``start(name, total)``, then ``finish()`` however the block ends."""
        self.start(name, total)
        try:
            yield self
        finally:
            self.finish()


#: The progress of callers that show none.
SILENT = Progress()
