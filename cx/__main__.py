"""``python -m cx``: the same as the ``cx`` command."""

from cx.cli.entry import main

main()
