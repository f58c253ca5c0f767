"""A users file with API tokens, for the alerts and MCP tests of the HTTP API.

Roles from the demo layer's access section: `admin` sees everything, `plant_manager` one plant's
rows (Ningbo here), `quality_engineer` everything but the purchasing metrics.
"""

from __future__ import annotations

from pathlib import Path

from assistant.core.users import hash_token, new_token

# name -> (role, plant_id or None)
USERS = {"root": ("admin", None), "li_wei": ("plant_manager", "NB"), "chen": ("plant_manager", "NB"),
         "zhou": ("quality_engineer", None)}


def new_tokens() -> dict[str, str]:
    return {name: new_token() for name in USERS}


def write_users(path: Path, tokens: dict[str, str]) -> Path:
    """Only the tokens' hashes go into the file, as `factory-assistant users new-token` prints them."""
    lines = []
    for name, (role, plant) in USERS.items():
        lines += [f"[users.{name}]", f'role = "{role}"', f'api_tokens = ["{hash_token(tokens[name])}"]']
        if plant:
            lines += [f"[users.{name}.attributes]", f'plant_id = "{plant}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
