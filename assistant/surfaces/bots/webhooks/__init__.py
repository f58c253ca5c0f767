"""Feishu/Lark, DingTalk, WeCom (企业微信) and Microsoft Teams bots on one HTTP server.

`python -m assistant.surfaces.bots.webhooks --port 8080` (or `factory-assistant bot webhooks`)
serves /bots/feishu, /bots/dingtalk, /bots/wecom and /bots/teams. Each platform module checks
its platform's signature or token, turns the event into an `Incoming` for the shared
`ChatEngine`, and lays the `ChatReply` out in its platform's card or markdown.
"""

from __future__ import annotations

from assistant.surfaces.bots.webhooks.app import create_app

__all__ = ["create_app"]
