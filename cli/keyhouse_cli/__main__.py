"""``python -m keyhouse_cli``: the ``keyhouse`` command."""

from keyhouse_cli.main import main

main()
