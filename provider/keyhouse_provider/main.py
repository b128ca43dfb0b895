"""Start the provider: serve the plugin protocol until Terraform stops it (or goes away)."""

from __future__ import annotations

import functools
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


class _WithoutHttpxCommandLine:
    """A meta path finder that refuses ``httpx._main``.

    ``import httpx`` imports httpx's command line, and with it rich, click and pygments
    when they are installed (Keyhouse's own command line needs rich): about a third of
    the client's import, at every configuration of the provider. httpx goes without
    its command line when that import fails, and the provider never runs it.
    """

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "httpx._main":
            raise ImportError("the keyhouse provider does not run httpx's command line")


def main(argv: list[str] | None = None) -> None:
    """Serve the provider on the handshake ``tf`` prints for Terraform."""
    # Watch the parent before the imports below: on a busy machine they can take
    # longer than a parent that dies at once lives.
    threading.Thread(
        target=_exit_when_orphaned, args=(os.getppid(),), name="orphan-watch", daemon=True
    ).start()
    sys.meta_path.insert(0, _WithoutHttpxCommandLine())
    from keyhouse_provider.errors import report
    from keyhouse_provider.framework.parallelism import workers
    from keyhouse_provider.framework.servicer import Servicer
    from keyhouse_provider.framework.tfcompat import serve
    from keyhouse_provider.provider import KeyhouseProvider

    # Our servicer replaces the resource lifecycle calls (see framework.servicer); the
    # pool is as large as the walk Terraform may run against it.
    serve(
        KeyhouseProvider(),
        functools.partial(Servicer, report=report),
        argv if argv is not None else sys.argv,
        workers=workers(),
    )
    # Told to stop, the process leaves at once: Terraform waits for it to be gone, at
    # each of the 3 or 4 starts of a command, and the interpreter's own teardown (its
    # modules, gRPC's threads) takes longer than everything the process did to stop.
    # Nothing is left to do: the server answered its last call, and what Terraform
    # needs from the provider it had through those calls.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
