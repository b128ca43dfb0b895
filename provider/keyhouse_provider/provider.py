"""The provider: its configuration, and the resources and data sources it serves."""

from __future__ import annotations

import math
import os
import sys
import traceback
from typing import Any

from keyhouse_provider import SOURCE
from keyhouse_provider.base import (
    PREFIX,
    KeyhouseDataSource,
    KeyhouseEphemeralResource,
    KeyhouseResource,
)
from keyhouse_provider.connection import Connection, open_connection
from keyhouse_provider.data_sources import DATA_SOURCES
from keyhouse_provider.ephemeral import EPHEMERAL_RESOURCES
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.tfcompat import Diagnostics, Unknown
from keyhouse_provider.framework.types import NUMBER, STRING, number
from keyhouse_provider.resources import RESOURCES

DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RETRIES = 3

SCHEMA = Schema(
    description=(
        "The Keyhouse provider manages API keys, secrets, projects, users, roles and the "
        "key lifetime policy of a Keyhouse service, through its generated Python client."
    ),
    attributes=(
        Attr(
            "url",
            STRING,
            "Base URL of the Keyhouse service, e.g. `http://127.0.0.1:8787`. "
            "Defaults to the `KEYHOUSE_URL` environment variable.",
            optional=True,
        ),
        Attr(
            "api_key",
            STRING,
            "The API key the provider acts with, sent as `x-api-key`. Defaults to the "
            "`KEYHOUSE_API_KEY` environment variable. Managing users, roles and settings "
            "needs an admin's key.",
            optional=True,
            sensitive=True,
        ),
        Attr(
            "timeout_seconds",
            NUMBER,
            f"Seconds to wait for each attempt of a call to the service. Default "
            f"{DEFAULT_TIMEOUT_SECONDS}.",
            optional=True,
        ),
        Attr(
            "max_retries",
            NUMBER,
            "How many times a failed call is retried (connection errors, 429 and 5xx, for "
            "calls that are safe to repeat), with exponential backoff. Default "
            f"{DEFAULT_MAX_RETRIES}; 0 turns retries off.",
            optional=True,
        ),
    ),
)


class KeyhouseProvider:
    """The ``tf`` provider object: one per process, configured once by Terraform."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def get_model_prefix(self) -> str:
        """Type names start with ``keyhouse_``."""
        return PREFIX

    def full_name(self) -> str:
        """The source address."""
        return SOURCE

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        """The ``provider "keyhouse" {}`` block."""
        return SCHEMA

    def get_resources(self) -> list[type[KeyhouseResource]]:
        """Every resource type."""
        return list(RESOURCES)

    def get_data_sources(self) -> list[type[KeyhouseDataSource]]:
        """Every data source type."""
        return list(DATA_SOURCES)

    def get_ephemeral_resources(self) -> list[type[KeyhouseEphemeralResource]]:
        """Every ephemeral resource type."""
        return list(EPHEMERAL_RESOURCES)

    def get_functions(self) -> list[Any]:
        """No provider functions."""
        return []

    def new_resource(self, klass: type[KeyhouseResource]) -> KeyhouseResource:
        """A resource handler with the provider's connection."""
        return klass(self.connection)

    def new_data_source(self, klass: type[KeyhouseDataSource]) -> KeyhouseDataSource:
        """A data source handler with the provider's connection."""
        return klass(self.connection)

    def new_ephemeral_resource(
        self, klass: type[KeyhouseEphemeralResource]
    ) -> KeyhouseEphemeralResource:
        """An ephemeral resource handler with the provider's connection."""
        return klass(self.connection)

    def validate_config(self, diags: Diagnostics, config: dict[str, Any]) -> None:
        """Check what can be checked before any value reaches the service."""
        timeout = number(config.get("timeout_seconds"))
        if timeout is not None and not (0 < timeout <= 3600):
            diags.add_error(
                "Invalid timeout_seconds",
                "timeout_seconds must be more than 0 and at most 3600.",
                path=["timeout_seconds"],
            )
        retries = number(config.get("max_retries"))
        if retries is not None and (retries < 0 or retries > 20 or not float(retries).is_integer()):
            diags.add_error(
                "Invalid max_retries",
                "max_retries must be a whole number from 0 to 20.",
                path=["max_retries"],
            )

    def configure_provider(self, diags: Diagnostics, config: dict[str, Any]) -> None:
        """Connect to the service and check the key with one call; one diagnostic if not."""
        try:
            self._configure(diags, config)
        except Exception as exc:
            traceback.print_exception(exc, file=sys.stderr)
            diags.add_error(
                "Unexpected error while configuring the keyhouse provider",
                f"{type(exc).__name__}; the provider's log (TF_LOG=debug) has the details.",
            )

    def _configure(self, diags: Diagnostics, config: dict[str, Any]) -> None:
        url = config.get("url")
        api_key = config.get("api_key")
        if url is Unknown or api_key is Unknown:
            # Known at apply time; until then resources skip their checks with the service.
            return
        url = url or os.environ.get("KEYHOUSE_URL")
        api_key = api_key or os.environ.get("KEYHOUSE_API_KEY")
        if not url:
            diags.add_error(
                "Missing Keyhouse URL",
                'Set url in the provider "keyhouse" block or the KEYHOUSE_URL environment '
                "variable (e.g. http://127.0.0.1:8787).",
                path=["url"],
            )
        if not api_key:
            diags.add_error(
                "Missing Keyhouse API key",
                'Set api_key in the provider "keyhouse" block or the KEYHOUSE_API_KEY '
                "environment variable.",
                path=["api_key"],
            )
        if not url or not api_key:
            return
        timeout = _number(config.get("timeout_seconds"), DEFAULT_TIMEOUT_SECONDS)
        retries = int(_number(config.get("max_retries"), DEFAULT_MAX_RETRIES))
        connection, error = open_connection(url, api_key, timeout=timeout, max_retries=retries)
        if error is not None:
            diags.add_error(error.summary, error.detail, path=error.path)
            return
        self.connection = connection


def _number(value: Any, default: float) -> float:
    read = number(value)
    if read is None or not math.isfinite(read):
        return default
    return float(read)
