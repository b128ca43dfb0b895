"""``python -m keyhouse_cdk_codegen``: regenerate ``keyhouse_cdk.l1`` from the provider schema.

By default the schema comes from ``terraform providers schema -json`` run against
this checkout's provider (installed into a scratch mirror); ``--schema`` takes a
saved document instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keyhouse_cdk_codegen import schema
from keyhouse_cdk_codegen.generate import generate

OUTPUT = Path(__file__).resolve().parents[1] / "keyhouse_cdk" / "l1"


def main() -> None:
    """Parse the arguments and regenerate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schema", type=Path, help="a saved `terraform providers schema -json`")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    source = schema.from_file(args.schema) if args.schema else schema.from_terraform()
    written = generate(source, args.output)
    print(f"wrote {len(written)} files to {args.output}")


if __name__ == "__main__":
    main()
