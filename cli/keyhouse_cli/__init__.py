"""The ``keyhouse`` command line: admin and everyday work from a terminal.

It drives the service only through the generated client (``keyhouse_client``),
like the Terraform provider; the service's own operator commands (``init``,
``server``, ``openapi``, ``admin recover``) are mounted from ``keyhouse.cli``
when the ``server`` extra is installed.
"""
