"""``python -m cx``: the same as the ``cx`` command."""

from cx.cli.entry import main

if __name__ == "__main__":
    main()
