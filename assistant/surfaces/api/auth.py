"""Who is calling: `Authorization: Bearer <token>` against the users file's token hashes.

With a users file every /v1 endpoint needs a valid token; without one the API is the anonymous
demo (every caller sees the whole layer) and /healthz says so. The token is looked up and then
dropped: it is not stored on the request, logged, or put into any error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.core.users import User, Users
from assistant.surfaces.api.errors import ApiError
from assistant.surfaces.api.state import api_state

__all__ = ["CHALLENGE", "Caller", "bearer", "caller", "resolve_caller"]

# auto_error=False: a missing header gets our 401 (bilingual, with what to do) rather than
# FastAPI's bare one. The scheme still documents the header in /openapi.json and /docs.
bearer = HTTPBearer(auto_error=False, description="An API token from `factory-assistant users new-token`.")

CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """The signed-in user, or None in the anonymous demo; `owner` keys their conversations."""

    user: User | None

    @property
    def owner(self) -> str:
        return self.user.name if self.user is not None else ""


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    return resolve_caller(api_state(request).users, credentials.credentials if credentials is not None else None)


def resolve_caller(users: Users | None, token: str | None) -> Caller:
    """The user a bearer token belongs to, or a 401 ApiError. Shared by the /v1 dependency and
    the MCP endpoint, so both accept exactly the same tokens and say the same when they do not."""
    if users is None:
        return Caller(None)
    if token is None:
        raise ApiError(401, "unauthorized",
                       "This API needs a token: send the header 'Authorization: Bearer <token>'. "
                       "Your administrator creates tokens with `factory-assistant users new-token`.",
                       "此接口需要令牌：请发送请求头“Authorization: Bearer <令牌>”。"
                       "管理员可用 `factory-assistant users new-token` 生成令牌。", headers=CHALLENGE)
    user = users.by_token(token)
    if user is None:
        raise ApiError(401, "unauthorized",
                       "That token is not recognised. Check it was copied whole, or ask your administrator "
                       "for a new one.",
                       "令牌无效。请确认完整复制了令牌，或向管理员申请新的令牌。", headers=CHALLENGE)
    return Caller(user)
