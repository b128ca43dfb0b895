"""The L1 generator: the provider's schema -> the ``keyhouse_cdk.l1`` package.

``python -m keyhouse_cdk_codegen`` installs the provider into a temporary
filesystem mirror, asks ``terraform providers schema -json`` for its schema, and
renders one Python module per provider, resource and data source: CDKTF
constructs in the style of CDKTF's prebuilt provider packages, but in plain
Python (no jsii build of their own). The output is committed and never edited by
hand; a test regenerates it and compares.
"""

from keyhouse_cdk_codegen.generate import generate

__all__ = ["generate"]
