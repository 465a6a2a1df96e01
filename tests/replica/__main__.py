"""`python -m tests.replica --data <file> --port 0`: serve a portal replica until terminated.

Protocol: the first line on stdout is the bound port (so callers can ask for port 0);
everything else goes to stderr through logging.
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from tests.replica.config import parse_args
from tests.replica.server import make_server


def _stop(signum: int, frame: FrameType | None) -> None:
    # Raised in the main thread, this ends serve_forever() and runs the cleanup below.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="replica %(levelname)s %(message)s")
    config = parse_args(argv)
    server = make_server(config)
    signal.signal(signal.SIGTERM, _stop)
    sys.stdout.write(f"{server.server_port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.access_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
