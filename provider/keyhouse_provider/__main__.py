"""``python -m keyhouse_provider``: what Terraform runs (through the installed launcher)."""

from keyhouse_provider.main import main

main()
