"""Start the provider: serve the plugin protocol until Terraform stops it (or goes away)."""

from __future__ import annotations

import os
import sys
import threading
import time


def _exit_when_orphaned(parent: int) -> None:
    # tf's server only stops when told to. If Terraform is killed (kill -9), nobody
    # will tell it, so the provider leaves on its own once its parent is gone.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve the provider on the handshake ``tf`` prints for Terraform."""
    import tf.provider  # type: ignore[import-untyped]
    from tf.runner import run_provider  # type: ignore[import-untyped]

    from keyhouse_provider.framework.servicer import KeyhouseServicer
    from keyhouse_provider.provider import KeyhouseProvider

    # run_provider builds tf.provider.ProviderServicer by name when it starts; ours
    # replaces the resource lifecycle calls (see framework.servicer).
    tf.provider.ProviderServicer = KeyhouseServicer
    threading.Thread(
        target=_exit_when_orphaned, args=(os.getppid(),), name="orphan-watch", daemon=True
    ).start()
    run_provider(KeyhouseProvider(), argv if argv is not None else sys.argv)
