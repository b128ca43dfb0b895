"""The framework's resource, data source and ephemeral resource bases, as Keyhouse's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from keyhouse_provider.connection import Connection
from keyhouse_provider.framework.base import DataSource, EphemeralResource, Resource
from keyhouse_provider.framework.state import AttributePath

PREFIX = "keyhouse_"
"""Every type name starts so."""


class KeyhouseResource(Resource[Connection]):
    """A Keyhouse resource: handed the provider's connection to the service."""

    prefix: ClassVar[str] = PREFIX

    body_paths: ClassVar[Mapping[str, AttributePath]] = {}
    """Where a request body field the service refuses (``/body/<field>``) is configured,
    when that is not the attribute of the same name."""

    @property
    def connection(self) -> Connection:
        """The configured connection to the service."""
        return self.provider_data


class KeyhouseDataSource(DataSource[Connection]):
    """A Keyhouse data source: handed the provider's connection to the service."""

    prefix: ClassVar[str] = PREFIX

    body_paths: ClassVar[Mapping[str, AttributePath]] = {}
    """As for resources."""

    @property
    def connection(self) -> Connection:
        """The configured connection to the service."""
        return self.provider_data


class KeyhouseEphemeralResource(EphemeralResource[Connection]):
    """A Keyhouse ephemeral resource: handed the provider's connection to the service."""

    prefix: ClassVar[str] = PREFIX

    body_paths: ClassVar[Mapping[str, AttributePath]] = {}
    """As for resources."""

    @property
    def connection(self) -> Connection:
        """The configured connection to the service."""
        return self.provider_data
