"""The web console: server-rendered pages over the service's own API, signed in with an API key."""

from keyhouse.console.app import install

__all__ = ["install"]
