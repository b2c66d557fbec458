"""A fake WhatsApp Cloud API (Graph API) on a real socket, speaking HTTP JSON.

pywa talks to it through ``WHATSAPP_API_BASE_URL``; nothing of ours is patched.

- ``POST /{phone_id}/messages``: records the message (with its tracker,
  ``biz_opaque_callback_data``) and answers with a fresh ``wamid.``;
- ``POST /{phone_id}/media``: answers a media id;
- ``GET|POST /{waba_id}/message_templates`` and ``POST /{template_id}``: templates;
- scripted answers, in order, for the next sends: ``fail(code, http=400)`` (Meta's
  error body), ``http_error(status)`` (429 / 5xx with a non-JSON body), ``delay(s)``
  (the message IS recorded, the answer comes after ``s`` seconds: a timeout);
- ``status_payload`` / ``inbound_payload`` build the webhooks Meta sends (BSUIDs
  included) and ``signed`` / ``post`` sign them with the app secret and deliver them.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from notifications.whatsapp import close, sign

TOKEN = "fake-token"
PHONE_ID = "1098765"
WABA_ID = "2098765"
APP_SECRET = "fake-app-secret"
VERIFY_TOKEN = "fake-verify-token"


@dataclass
class FakeGraph:
    base_url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    script: list[tuple[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # When set, every accepted message is followed by a signed "sent" status webhook
    # posted there (as Meta does), from a background thread.
    status_webhook_url: str = ""
    webhook_errors: int = 0
    webhook_answers: list[int | str] = field(default_factory=list)

    # --- scripting --------------------------------------------------------------------
    def fail(self, code: int, http: int = 400) -> None:
        self.script.append(("fail", (code, http)))

    def http_error(self, status: int) -> None:
        self.script.append(("http", status))

    def delay(self, seconds: float) -> None:
        self.script.append(("delay", seconds))

    # --- what it saw ------------------------------------------------------------------
    def trackers(self) -> list[str]:
        return [m["tracker"] for m in self.sent]

    def to(self, phone: str) -> list[dict[str, Any]]:
        digits = phone.lstrip("+")
        return [m for m in self.sent if m["to"] == digits]

    # --- webhooks ----------------------------------------------------------------------
    @staticmethod
    def _envelope(value: dict[str, Any], field_name: str = "messages") -> dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"field": field_name, "value": value}]}],
        }

    def status_payload(
        self, sent: dict[str, Any], status: str, *, error_code: int | None = None
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": sent["wamid"],
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": sent["to"],
            "biz_opaque_callback_data": sent["tracker"],
        }
        if error_code:
            item["errors"] = [{"code": error_code, "title": "error"}]
        return self._envelope(
            {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": PHONE_ID},
                "statuses": [item],
            }
        )

    def inbound_payload(
        self, phone: str, text: str, *, bsuid: str = "", wamid: str | None = None
    ) -> dict[str, Any]:
        digits = phone.lstrip("+")
        contact: dict[str, Any] = {"profile": {"name": "Warga"}, "wa_id": digits}
        if bsuid:
            contact["user_id"] = bsuid
        return self._envelope(
            {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": PHONE_ID},
                "contacts": [contact],
                "messages": [
                    {
                        "from": digits,
                        "id": wamid or f"wamid.in{secrets.token_hex(8)}",
                        "timestamp": str(int(time.time())),
                        "type": "text",
                        "text": {"body": text},
                    }
                ],
            }
        )

    def template_status_payload(self, name: str, language: str, event: str) -> dict[str, Any]:
        return self._envelope(
            {
                "event": event,
                "message_template_id": self.templates.get(f"{name}/{language}", {}).get("id", "1"),
                "message_template_name": name,
                "message_template_language": language,
                "reason": None if event == "APPROVED" else "INCORRECT_CATEGORY",
            },
            "message_template_status_update",
        )

    @staticmethod
    def signed(payload: dict[str, Any] | bytes, secret: str = APP_SECRET) -> tuple[bytes, str]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return body, sign(body, secret)

    def post(self, url: str, payload: dict[str, Any] | bytes) -> httpx.Response:
        body, signature = self.signed(payload)
        return httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            timeout=10,
        )


def _handler(fake: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are written apart

        def log_message(self, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: Any, *, raw: bool = False) -> None:
            data = body.encode() if raw else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if raw else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, code: int, http: int = 400, message: str = "error") -> None:
            self._answer(
                http,
                {"error": {"message": message, "type": "OAuthException", "code": code,
                           "fbtrace_id": "Afake"}},
            )  # fmt: skip

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"{}")
            except ValueError:
                return {}

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._error(190, 401, "Invalid OAuth access token")
                return False
            return True

        def do_GET(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            fake.requests.append(("GET", path))
            if not self._authorised():
                return
            if path.endswith("/message_templates"):
                data = [dict(t) for t in fake.templates.values()]
                self._answer(200, {"data": data, "paging": {"cursors": {}}})
                return
            self._error(100, 400, "Unknown path")

        def do_POST(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            fake.requests.append(("POST", path))
            body = self._body()
            if not self._authorised():
                return
            parts = path.strip("/").split("/")
            if parts[-1] == "messages":
                self._message(body)
            elif parts[-1] == "media":
                self._answer(200, {"id": f"media.{next(fake._ids)}"})
            elif parts[-1] == "message_templates":
                with fake.lock:
                    tid = str(9000 + next(fake._ids))
                    fake.templates[f"{body.get('name')}/{body.get('language')}"] = {
                        "id": tid, "status": "PENDING", **body,
                    }  # fmt: skip
                self._answer(
                    200, {"id": tid, "status": "PENDING", "category": body.get("category")}
                )
            elif parts[-1].isdigit():
                with fake.lock:
                    for t in fake.templates.values():
                        if t["id"] == parts[-1]:
                            t.update(body)
                            t["status"] = "PENDING"
                            self._answer(200, {"success": True})
                            return
                self._error(100, 400, "No such template")
            else:
                self._error(100, 400, "Unknown path")

        def _message(self, body: dict[str, Any]) -> None:
            with fake.lock:
                action = fake.script.pop(0) if fake.script else ("ok", None)
            kind, arg = action
            if kind == "fail":
                self._error(arg[0], arg[1], f"scripted {arg[0]}")
                return
            if kind == "http":
                self._answer(arg, "upstream trouble", raw=True)
                return
            wamid = f"wamid.{secrets.token_hex(12)}"
            record = {
                "to": str(body.get("to", "")),
                "type": body.get("type"),
                "template": (body.get("template") or {}).get("name"),
                "language": ((body.get("template") or {}).get("language") or {}).get("code"),
                "components": (body.get("template") or {}).get("components", []),
                "text": (body.get("text") or {}).get("body"),
                "tracker": body.get("biz_opaque_callback_data"),
                "wamid": wamid,
                "at": time.time(),
            }
            with fake.lock:
                fake.sent.append(record)
            if fake.status_webhook_url:
                threading.Thread(target=_post_status, args=(fake, record), daemon=True).start()
            if kind == "delay":
                time.sleep(arg)
            self._answer(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": record["to"], "wa_id": record["to"]}],
                    "messages": [{"id": wamid}],
                },
            )

    return Handler


def _post_status(fake: FakeGraph, record: dict[str, Any]) -> None:
    try:
        response = fake.post(fake.status_webhook_url, fake.status_payload(record, "sent"))
        if response.status_code != 200:
            fake.webhook_errors += 1
            fake.webhook_answers.append(response.status_code)
    except httpx.HTTPError as exc:
        fake.webhook_errors += 1
        fake.webhook_answers.append(type(exc).__name__)


def start_fake_graph() -> tuple[FakeGraph, ThreadingHTTPServer]:
    fake = FakeGraph()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v23.0"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


@pytest.fixture
def graph_api(settings) -> Iterator[FakeGraph]:
    """The fake Graph API, and settings pointing at it (token, ids, secrets)."""
    fake, server = start_fake_graph()
    settings.WHATSAPP_API_BASE_URL = fake.base_url
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = WABA_ID
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_COALESCE_SECONDS = 0
    settings.WHATSAPP_RATE = 1000
    try:
        yield fake
    finally:
        close()
        server.shutdown()
        server.server_close()
