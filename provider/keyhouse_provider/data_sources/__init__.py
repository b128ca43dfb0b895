"""The data sources, one module each."""

from keyhouse_provider.framework.base import DataSource

DATA_SOURCES: tuple[type[DataSource], ...] = ()
