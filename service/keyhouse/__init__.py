"""Keyhouse key service: API keys, secrets, projects and settings over HTTP."""

__version__ = "0.1.0"
