"""`python -m assistant.surfaces.api.mcp_stdio [--user NAME]`: the MCP server over stdin/stdout.

For an AI assistant that starts the server itself (Claude Desktop's `mcpServers`, IDE agents):
one process, one user. With a users file, `--user` is required and every tool call runs in that
user's access scope, as `factory-assistant ask --user` does; without one it is the anonymous demo.
`factory-assistant serve mcp` sets the settings from its options and becomes this process.

stdout carries the protocol and nothing else: logs go to stderr, and anything printed while
the pipeline is built is sent there too.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from anyio import CapacityLimiter

from assistant.core.errors import FactoryAssistantError
from assistant.core.users import User, Users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.surfaces.api.mcp_stdio", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default=None, help="whose access every tool call uses (required with a users file)")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from assistant.core.settings import Settings
    from assistant.core.users import load_users
    from assistant.pipeline import Pipeline
    from assistant.surfaces.api.auth import Caller
    from assistant.surfaces.api.mcp_server import build_mcp
    from assistant.surfaces.api.state import ApiState
    from assistant.surfaces.conversations import Conversations

    with contextlib.redirect_stdout(sys.stderr):
        try:
            settings = Settings.load()
            users = load_users(settings.users_file)
            who = Caller(_user(users, args.user))
            pipeline = Pipeline.from_settings(settings)
        except FactoryAssistantError as exc:  # a bad users file, database or layer: say which, no traceback
            print(f"Cannot start the MCP server: {exc}", file=sys.stderr)
            return 1
        except _NoUser as exc:
            print(str(exc), file=sys.stderr)
            return 2
    state = ApiState(pipeline=pipeline, users=users, conversations=Conversations(),
                     limiter=CapacityLimiter(settings.pool_size))
    try:
        build_mcp(state, fixed=who).run("stdio")
    except KeyboardInterrupt:
        pass
    finally:
        pipeline.close()
    return 0


class _NoUser(Exception):
    """--user missing, unknown, or given without a users file: said in both languages."""


def _user(users: Users | None, name: str | None) -> User | None:
    if users is None:
        if name:
            raise _NoUser("--user needs a users file (FA_USERS or --users), and none is configured.\n"
                          "使用 --user 需要先配置用户文件（FA_USERS 或 --users）。")
        return None
    if not name:
        raise _NoUser(f"Users are configured ({users.source}): say whose access the MCP server uses with --user NAME.\n"
                      f"已配置用户（{users.source}）：请用 --user NAME 指明 MCP 服务使用谁的访问范围。")
    user = users.get(name)
    if user is None:
        raise _NoUser(f"'{name}' is not a user of {users.source}.\n“{name}”不是 {users.source} 中的用户。")
    return user


if __name__ == "__main__":
    sys.exit(main())
