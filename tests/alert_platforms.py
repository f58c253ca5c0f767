"""Fake chat platforms on loopback for the alert delivery tests. Each one checks a request the
way its platform does, recomputing the signature here from the platform's documented algorithm
(never with the code under test), and answers like the platform: Feishu 200 + code 19021,
DingTalk 200 + errcode 310000, WeCom 200 + errcode 93000, Teams Workflows 401 / 202, Slack
{"ok": false, "error": "invalid_auth"}, a generic receiver 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Reply = tuple[int, Any]  # status, and a dict (sent as JSON), a str or bytes


@dataclass
class Hit:
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Platforms:
    def __init__(self, port: int) -> None:
        self.port = port
        self.hits: list[Hit] = []
        self.routes: dict[str, Callable[[Hit], Reply]] = {}
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        platforms: Platforms = self.server.platforms
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        hit = Hit(parts.path, parts.query, dict(parse_qsl(parts.query)),
                  {k.lower(): v for k, v in self.headers.items()}, body)
        with platforms.lock:
            platforms.hits.append(hit)
        route = platforms.routes.get(parts.path)
        status, reply = route(hit) if route else (404, "no_service")
        data = reply if isinstance(reply, bytes) else \
            (json.dumps(reply) if isinstance(reply, dict) else str(reply)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(reply, dict) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # the chat bots' fakes: WeCom's gettoken is a GET

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve() -> Iterator[Platforms]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.platforms = Platforms(server.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.platforms  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _b64_hmac(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def _fresh(timestamp: str, per_second: int) -> bool:
    return timestamp.isdigit() and abs(time.time() - int(timestamp) / per_second) < 3600


def feishu(secret: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        body = hit.json()
        ts = str(body.get("timestamp", ""))
        # Key = timestamp + "\n" + secret, message = empty.
        if body.get("sign") != _b64_hmac(f"{ts}\n{secret}", "") or not _fresh(ts, 1):
            return 200, {"code": 19021, "data": {},
                         "msg": "sign match fail or timestamp is not within one hour from current time"}
        return 200, {"code": 0, "data": {}, "msg": "success"}
    return handle


def dingtalk(secret: str, token: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        if hit.query.get("access_token") != token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        ts = hit.query.get("timestamp", "")
        # Key = secret, message = timestamp(ms) + "\n" + secret; parse_qsl undoes the URL encoding.
        if hit.query.get("sign") != _b64_hmac(secret, f"{ts}\n{secret}") or not _fresh(ts, 1000):
            return 200, {"errcode": 310000,
                         "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
        return 200, {"errcode": 0, "errmsg": "ok"}
    return handle


def wecom(key: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        if hit.query.get("key") != key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1755605200056773468916791], "
                         "from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"}
        if len(hit.json()["markdown"]["content"].encode()) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return 200, {"errcode": 0, "errmsg": "ok"}
    return handle


def teams(sig: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        if hit.query.get("sig") != sig:
            return 401, {"error": {"code": "DirectApiAuthorizationRequired",
                                   "message": "The request must be authenticated only by Shared Access scheme."}}
        return 202, b""
    return handle


def generic(secret: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        expected = "sha256=" + hmac.new(secret.encode(), hit.body, hashlib.sha256).hexdigest()
        if hit.headers.get("x-factory-assistant-signature") != expected:
            return 401, {"error": "bad signature"}
        if hit.headers.get("idempotency-key") != hit.json()["dedupe_key"]:
            return 400, {"error": "Idempotency-Key is not the dedupe key"}
        return 200, {"received": True}
    return handle


def slack_api(token: str) -> Callable[[Hit], Reply]:
    def handle(hit: Hit) -> Reply:
        if hit.headers.get("authorization") != f"Bearer {token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        return 200, {"ok": True, "channel": hit.json()["channel"], "ts": "1764500000.000100"}
    return handle


def slack_webhook(hit: Hit) -> Reply:
    return 200, "ok"


def flaky(failures: int, then: Callable[[Hit], Reply]) -> Callable[[Hit], Reply]:
    count = {"n": 0}

    def handle(hit: Hit) -> Reply:
        count["n"] += 1
        return (500, "Internal Server Error") if count["n"] <= failures else then(hit)
    return handle


def echo_failure(hit: Hit) -> Reply:
    # A careless receiver that echoes the request (URL and headers) in its error page.
    return 500, f"failed {hit.path}?{hit.raw_query} {json.dumps(hit.headers)}"
