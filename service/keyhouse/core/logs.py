"""Structured logs: one JSON object per line on stderr (or plain text for a terminal).

Fields are fixed names (``time``, ``level``, ``logger``, ``message`` and, on
request lines, ``request_id``, ``method``, ``route``, ``status``,
``duration_ms``, ``principal``, ``key_id``). Nothing logged carries a secret
value, an API key or a query string: routes are logged as their templates
(``/api/v1/secrets/{secret_id}/value``), principals by kind and name, keys by id.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "principal", "key_id")
LogFormat = Literal["json", "text"]


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: LogFormat = "json", level: str = "INFO") -> dict[str, Any]:
    """Send every logger (uvicorn's too) through one stderr handler in ``log_format``.

    Returns the configuration for ``uvicorn.run(log_config=...)``, which makes
    uvicorn's loggers propagate here instead of printing their own format.
    """
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
