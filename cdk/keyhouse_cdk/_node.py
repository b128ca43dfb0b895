"""Quiet jsii's Node version banner before cdktf (or cdktn) starts its Node child process.

jsii prints a large end-of-life banner for Node 18 and 20 on every run, which the
CDKTF CLI logs as eleven ``[ERROR]`` lines. The distribution installs
``keyhouse_cdk_jsii.pth``, which sets the same defaults when the interpreter
starts, so the order of an app's imports does not matter; this module covers
installs that skip ``.pth`` files. A value the user set is kept.
"""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
