#!/usr/bin/env python3
"""Local stand-ins for Discord's and Twilio's REST APIs, set up the way flexcord needs, for the
packaging smoke test (.ci/deb-smoke): the installed binary runs `setup discord` and `check`
against them. One port serves both (Discord under /api/v10, Twilio under /v1) and /healthz.
Standard library only; prints its port on the first line of stdout."""

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT, APP, GUILD, ROLE = "100", "100", "500", "600"
HEX = "0123456789abcdef0123456789abcdef"
WS, WW, IS = "WS" + HEX, "WW" + HEX, "IS" + HEX

state = {"channels": [], "commands": [], "next_channel": 700000}


def channel(cid, name):
    return {"id": str(cid), "type": 0, "guild_id": GUILD, "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "parent_id": None}


def route(method, path, body):
    """(status, json body or None) for a request."""
    if method == "GET":
        fixed = {
            "/healthz": "ok",
            "/api/v10/users/@me": {"id": BOT, "username": "flexcord-ci", "discriminator": "0",
                                   "avatar": None, "bot": True, "mfa_enabled": False},
            # As Discord answers it: twilight reads the whole application (`check` reads where
            # interactions go from it).
            "/api/v10/applications/@me": {
                "id": APP, "name": "flexcord", "description": "", "icon": None,
                "bot_public": False, "bot_require_code_grant": False, "flags": 0,
                "team": None, "verify_key": "ab" * 32, "interactions_endpoint_url": None,
            },
            f"/api/v10/guilds/{GUILD}/members/{BOT}": {"roles": [ROLE]},
            f"/api/v10/guilds/{GUILD}/roles": [
                {"id": GUILD, "name": "@everyone", "permissions": "0"},
                {"id": ROLE, "name": "flexcord", "permissions": "8"},
            ],
            f"/api/v10/guilds/{GUILD}/channels": state["channels"],
            f"/api/v10/applications/{APP}/commands": state["commands"],
            "/v1/Configuration": {"default_chat_service_sid": IS},
            f"/v1/Services/{IS}": {"sid": IS, "friendly_name": "Flex Chat Service"},
            f"/v1/Workspaces/{WS}": {"sid": WS, "friendly_name": "Flex Task Assignment"},
            f"/v1/Workspaces/{WS}/Workflows/{WW}": {"sid": WW, "friendly_name": "Assign to Anyone"},
            f"/v1/Workspaces/{WS}/TaskChannels": {
                "channels": [{"sid": "TC" + HEX, "unique_name": "chat"}],
                "meta": {"key": "channels", "page": 0, "page_size": 100, "next_page_url": None},
            },
        }
        if path in fixed:
            return 200, fixed[path]
    if method == "POST" and path == f"/api/v10/guilds/{GUILD}/channels":
        created = channel(state["next_channel"], body.get("name", ""))
        state["next_channel"] += 1
        state["channels"].append(created)
        return 201, created
    if method == "PUT" and re.fullmatch(r"/api/v10/channels/\d+/permissions/\d+", path):
        return 204, None
    if method == "PUT" and path == f"/api/v10/applications/{APP}/commands":
        state["commands"] = body
        return 200, body
    return 404, {"code": 20404, "message": f"not emulated: {method} {path}", "status": 404}


class Handler(BaseHTTPRequestHandler):
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        status, answer = route(self.command, self.path.split("?")[0], body)
        data = b"" if answer is None else (
            answer.encode() if isinstance(answer, str) else json.dumps(answer).encode())
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
