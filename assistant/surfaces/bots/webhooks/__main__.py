"""`python -m assistant.surfaces.bots.webhooks --host 127.0.0.1 --port 8080`: serve the chat webhooks.

Settings (database, layer, users file, as_of, and each platform's credentials) come from the
environment and the config file, as everywhere (assistant/core/settings.py); `factory-assistant
bot webhooks` sets the first four from its options and runs this. One process, never several
workers: conversations and the deliveries already taken live in this process's memory.
"""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import closing, suppress


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.surfaces.bots.webhooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("assistant.bots.webhooks")

    import uvicorn

    from assistant.alerts.delivery.base import quiet_http_logs
    from assistant.core.errors import FactoryAssistantError
    from assistant.core.settings import Settings
    from assistant.core.users import load_users
    from assistant.pipeline import Pipeline
    from assistant.surfaces.bots.webhooks.app import create_app, platform_status

    quiet_http_logs()
    try:
        settings = Settings.load()
        users = load_users(settings.users_file)  # a bad users file fails before the database opens
        pipeline = Pipeline.from_settings(settings)
    except FactoryAssistantError as exc:
        print(f"Cannot start the chat webhooks: {exc}", file=sys.stderr)
        return 1
    app = create_app(pipeline, users)
    status = platform_status(list(app.state.adapters.values()))
    enabled = [f"/bots/{name}" for name, ok in status.items() if ok]
    off = [name for name, ok in status.items() if not ok]
    log.info("Chat webhooks on http://%s:%d: enabled %s; not set up (answer 503): %s", args.host, args.port,
             ", ".join(enabled) or "none", ", ".join(off) or "none")
    if users is None:
        log.info("No users file: every chat user is answered as the anonymous demo user")
    # The access log prints the request line and status, never headers; no Server header.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=True,
                            server_header=False, proxy_headers=False, lifespan="on")
    with closing(pipeline), suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn shut down cleanly, not an error
        uvicorn.Server(config).run()
    return 0

if __name__ == "__main__":
    sys.exit(main())
