"""Operator commands' work, each in a function the CLI calls: backup, master-key rotation."""
