"""``python -m keyhouse_codegen``: regenerate ``client/keyhouse_client`` from the API document."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyhouse_codegen.generate import generate

CLIENT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, default=CLIENT / "openapi.json")
    parser.add_argument("--output", type=Path, default=CLIENT / "keyhouse_client")
    args = parser.parse_args()
    written = generate(args.spec, args.output)
    print(f"wrote {len(written)} files to {args.output}")


if __name__ == "__main__":
    main()
