"""``python -m webapp.metrics_server HOST:PORT``: the metrics bind of ``fieldforms serve``.

A process of its own, started and stopped by :func:`webapp.server.serve`: it adds up the
samples every gunicorn worker writes to ``PROMETHEUS_MULTIPROC_DIR`` and serves them in
Prometheus's text format at any path of HOST:PORT.
"""

from __future__ import annotations

import signal
import sys


def main(argv: list[str]) -> int:
    from .metrics import start_server

    if len(argv) != 1:
        print("usage: python -m webapp.metrics_server HOST:PORT", file=sys.stderr)
        return 2
    # Ctrl+C reaches the whole process group: the server that started this process stops
    # it (SIGTERM) once its workers are gone, so that the last scrape still answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    start_server(argv[0])
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
