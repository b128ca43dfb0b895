"""The generator of ``keyhouse_client``: ``client/openapi.json`` in, a Python package out.

Models come from datamodel-code-generator; operations are rendered from the
Jinja2 templates beside this module. ``python -m keyhouse_codegen`` runs it.
"""

from keyhouse_codegen.generate import generate

__all__ = ["generate"]
