"""A stand-in for Mailu's admin REST API (only the calls auto-provisioning makes), in a thread on 127.0.0.1.

It answers like Mailu's ``core/admin/mailu/api/v1/user.py`` (see /work/shared/notes/mailu-api.md):
``Authorization: <token>`` (a ``Bearer `` prefix is accepted; missing -> 401, wrong -> 403),
``GET /api/v1/user`` -> 200 the user list, ``GET /api/v1/user/<email>`` -> 200 user JSON or 404 ``{"code": 404, ...}``,
``POST /api/v1/user`` -> 200 created, 409 duplicate, 400 invalid (missing email/raw_password, bad address).
Creating a user adds it to the test Dovecot, as Mailu would, so the mailbox then really opens.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_EMAIL = re.compile(r"[a-z0-9._-]+@[a-z0-9.-]+")


@dataclass
class FakeMailu:
    """State and a log of every request (method, path, parsed body or None)."""

    token: str
    domain: str
    on_create: Callable[[str], None]
    users: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, dict | None]] = field(default_factory=list)
    #: Users another session is creating right now: GET still says 404, POST says 409 (a race).
    created_elsewhere: set[str] = field(default_factory=set)
    url: str = ""

    def count(self, method: str) -> int:
        """How many requests with this method reached the API (authorized or not)."""
        return sum(1 for m, _, _ in self.requests if m == method)


def _handler(api: FakeMailu) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads api.requests instead."""

        def _answer(self, status: int, payload: dict | list) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization")
            if header is None:
                self._answer(401, {"code": 401, "message": "Authorization header is missing"})
                return False
            token = header.removeprefix("Bearer ")
            if not hmac.compare_digest(token.encode(), api.token.encode()):
                self._answer(403, {"code": 403, "message": "Invalid API token"})
                return False
            return True

        def do_GET(self) -> None:
            api.requests.append(("GET", self.path, None))
            if not self._authorized():
                return
            if self.path == "/api/v1/user":  # the user list (doctor's token check)
                self._answer(200, list(api.users.values()))
                return
            prefix = "/api/v1/user/"
            if not self.path.startswith(prefix):
                self._answer(404, {"code": 404, "message": "Not Found"})
                return
            email = urllib.parse.unquote(self.path[len(prefix) :]).lower()
            if not _EMAIL.fullmatch(email):
                self._answer(400, {"code": 400, "message": f"Provided email address {email} is not valid"})
            elif email in api.users:
                self._answer(200, api.users[email])
            else:
                self._answer(404, {"code": 404, "message": f"User {email} cannot be found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                body = None
            api.requests.append(("POST", self.path, body if isinstance(body, dict) else None))
            if not self._authorized():
                return
            if self.path != "/api/v1/user":
                self._answer(404, {"code": 404, "message": "Not Found"})
                return
            if not isinstance(body, dict) or "email" not in body or "raw_password" not in body:
                self._answer(400, {"code": 400, "message": "Input payload validation failed"})
                return
            email = str(body["email"]).lower()
            if not _EMAIL.fullmatch(email):
                self._answer(400, {"code": 400, "message": f"Provided email address {email} is not valid"})
                return
            if email.partition("@")[2] != api.domain:
                self._answer(404, {"code": 404, "message": f"Domain {email.partition('@')[2]} does not exist"})
                return
            if email in api.created_elsewhere:
                api.on_create(email)  # the other session's create reaches Dovecot
                api.created_elsewhere.discard(email)
                api.users[email] = {"email": email, "enabled": True, "enable_imap": True}
                self._answer(409, {"code": 409, "message": f"User {email} already exists"})
                return
            if email in api.users:
                self._answer(409, {"code": 409, "message": f"User {email} already exists"})
                return
            api.on_create(email)
            api.users[email] = {
                "email": email,
                "quota_bytes": int(body.get("quota_bytes") or 0),
                "enabled": bool(body.get("enabled", True)),
                "enable_imap": bool(body.get("enable_imap", True)),
                "comment": str(body.get("comment") or ""),
            }
            self._answer(200, {"code": 200, "message": f"User {email} has been created"})

    return Handler


@contextmanager
def fake_mailu(token: str, domain: str, on_create: Callable[[str], None]) -> Iterator[FakeMailu]:
    """Serve the fake API on a free loopback port for the duration of the block."""
    api = FakeMailu(token=token, domain=domain, on_create=on_create)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-mailu", daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
