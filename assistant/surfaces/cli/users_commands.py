"""`factory-assistant users new-token | hash-password`: credentials for the users file.

Only hashes go into the file (assistant/core/users.py). A new token is printed once, for the
person it is for; nothing here writes a token or a password anywhere.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["register"]

out = Console(highlight=False, soft_wrap=True)  # soft wrap: a hash split over two lines would not paste
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(no_args_is_help=True, help="Make API tokens and password hashes for the users file.")
    app.add_typer(users_app, name="users")

    @users_app.command("new-token")
    def new_token_command(user: str | None = typer.Option(None, "--user", help="Name the user it is for "
                                                                               "(only to label the output).")) -> None:
        """Print a new API token once, and the hash to paste into the users file."""
        from assistant.core.users import hash_token, new_token

        token = new_token()
        entry = f"[users.{user}]" if user else "[users.<name>]"
        out.print("New API token (shown once: give it to its user; it cannot be shown again) / "
                  "新的 API 令牌（只显示这一次，请交给使用者）:")
        out.print(f"  {token}")
        out.print(f"\nIn the users file, under {escape(entry)} / 写入用户文件的该用户条目下:")
        out.print(f'  api_tokens = ["{hash_token(token)}"]')
        out.print("\nCall the API with / 调用时发送: Authorization: Bearer <token>")

    @users_app.command("hash-password")
    def hash_password_command() -> None:
        """Ask for a password (hidden, twice) and print its hash for the users file."""
        from assistant.core.users import hash_password

        password = typer.prompt("Password / 密码", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            err.print("[red]Use at least 8 characters. / 密码至少 8 个字符。[/red]")
            raise typer.Exit(2)
        out.print("In the users file, under the user's entry / 写入用户文件的该用户条目下:")
        out.print(f'  password = "{hash_password(password)}"')
