"""`python -m assistant.surfaces.api --host 127.0.0.1 --port 8000`: serve the API.

Settings (database, layer, users file, as_of) come from the environment and the config file,
as everywhere (assistant/core/settings.py); `factory-assistant serve api` sets them from its
options and runs this, so the CLI and the API stay independent adapters.
"""

from __future__ import annotations

import argparse
import logging
import sys

from assistant.core.errors import FactoryAssistantError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.surfaces.api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="questions answered at once (default: the pool_size setting)")
    parser.add_argument("--processes", type=int, default=1,
                        help="answer in this many worker processes (more than one core; default 1: threads only)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from assistant.core.settings import Settings
    from assistant.surfaces.api.server import build, serve

    try:
        app, pipeline = build(Settings.load(), concurrency=args.concurrency, processes=max(1, args.processes))
    except FactoryAssistantError as exc:  # a bad users file, database or layer: say which, no traceback
        print(f"Cannot start the API: {exc}", file=sys.stderr)
        return 1
    try:
        serve(app, host=args.host, port=args.port, log_level=args.log_level)
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raises the Ctrl-C: not an error
        pass
    finally:
        pipeline.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
