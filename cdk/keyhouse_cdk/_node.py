"""Quiet jsii's Node version banner before cdktf starts its Node child process.

jsii prints a large end-of-life banner for Node 20 on every run. Node 20 is what
this project's machines have, and the banner would bury the output people read.
A value the user set is kept.
"""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
