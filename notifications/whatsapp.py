"""The one door to the WhatsApp Cloud API (Graph API), through pywa.

Everything that talks to Meta goes through this module, so the library can change
in one file. It imports no models: callers pass plain values and get plain values
back, and every failure is a ``SendError`` that says what to do next:

- ``kind == "retry"``: try again later (``retry_after`` seconds), nothing went out;
- ``kind == "permanent"``: this message will never go out (131026 undeliverable...);
- ``kind == "template"``: a template problem (132000-132016): the admin must act;
- ``kind == "unknown"``: the request may have reached Meta (timeout, connection cut
  after sending): do NOT resend blindly, wait for the status webhook (tracker).

With no ``WHATSAPP_ACCESS_TOKEN`` the module is in console mode: messages are
printed to the console of the process and get a ``console.`` id; nothing leaves
the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from pywa import WhatsApp
from pywa import errors as pywa_errors
from pywa.types.templates import TemplateLanguage

# Meta's error codes and what we do with them (docs/operations.md, "WhatsApp").
RETRY_CODES = {4, 80007, 130429, 131056, 1, 2, 131000, 131016}
SLOW_DOWN_CODES = {131048, 131049}  # spam limit, ecosystem cap: hours
PERMANENT_CODES = {131026, 131030, 131031, 131021, 131051, 133010}
OUTSIDE_WINDOW = 131047
UNDELIVERABLE = 131026


def is_template_problem(code: int) -> bool:
    return 132000 <= code <= 132016


@dataclass
class SendError(Exception):
    kind: str  # retry | permanent | template | unknown
    code: int
    message: str
    retry_after: int = 0

    def __str__(self) -> str:
        return f"{self.kind} ({self.code}): {self.message}"


def configured() -> bool:
    """True when messages really go to Meta; False in console mode."""
    return bool(settings.WHATSAPP_ACCESS_TOKEN)


def _client() -> WhatsApp:
    session = httpx.Client(timeout=httpx.Timeout(settings.WHATSAPP_TIMEOUT))
    wa = WhatsApp(
        phone_id=settings.WHATSAPP_PHONE_NUMBER_ID or "0",
        token=settings.WHATSAPP_ACCESS_TOKEN,
        session=session,
        waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID or None,
        verify_token=settings.WHATSAPP_VERIFY_TOKEN or None,
        validate_updates=False,
        filter_updates=False,
    )
    # pywa builds graph.facebook.com/vNN; the root is ours to choose (a fake in tests).
    session.base_url = settings.WHATSAPP_API_BASE_URL.rstrip("/")
    return wa


_CLIENT: WhatsApp | None = None
_CLIENT_KEY: tuple[str, ...] = ()


def client() -> WhatsApp:
    """One pywa client per process and configuration (its httpx pool is reused)."""
    global _CLIENT, _CLIENT_KEY
    key = (
        settings.WHATSAPP_API_BASE_URL,
        settings.WHATSAPP_ACCESS_TOKEN,
        settings.WHATSAPP_PHONE_NUMBER_ID,
        str(settings.WHATSAPP_TIMEOUT),
    )
    if _CLIENT is None or key != _CLIENT_KEY:
        close()
        _CLIENT, _CLIENT_KEY = _client(), key
    return _CLIENT


def close() -> None:
    """Close the pooled connections (settings changed, or the process ends)."""
    global _CLIENT
    if _CLIENT is not None:
        _CLIENT.api._session.close()
        _CLIENT = None


def _classify(exc: pywa_errors.WhatsAppError) -> SendError:
    code = int(exc.code)
    message = str(exc.message or "")[:300]
    if code in PERMANENT_CODES:
        return SendError("permanent", code, message)
    if is_template_problem(code):
        return SendError("template", code, message)
    if code in SLOW_DOWN_CODES:
        return SendError("retry", code, message, retry_after=3 * 3600)
    if code == 131056:
        return SendError("retry", code, message, retry_after=6)
    if code in RETRY_CODES or isinstance(exc, pywa_errors.ThrottlingError):
        return SendError("retry", code, message, retry_after=30)
    if code == OUTSIDE_WINDOW:
        return SendError("permanent", code, message)
    status = exc.status_code or 0
    if status == 429 or status >= 500:
        return SendError("retry", code, message, retry_after=30)
    return SendError("permanent", code, message)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except pywa_errors.WhatsAppError as exc:
        raise _classify(exc) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Nothing reached Meta: a plain retry is safe.
        raise SendError("retry", 0, f"connect: {exc}", retry_after=30) from exc
    except httpx.HTTPError as exc:
        # Read timeout, connection cut after the request went out: it may have been sent.
        raise SendError("unknown", 0, f"{type(exc).__name__}: {exc}") from exc
    except ValueError as exc:  # a body that is not JSON: the request did reach Meta
        raise SendError("unknown", 0, f"bad response: {exc}") from exc


def _console(to: str, text: str) -> str:
    print(f"[CCTV Warga] WhatsApp (konsol) ke {to}: {text}", flush=True)
    return f"console.{uuid.uuid4().hex}"


def _language(code: str) -> TemplateLanguage:
    return TemplateLanguage(code)


def send_template(
    *,
    to: str,
    name: str,
    language: str,
    body: list[str],
    tracker: str,
    copy_code: str | None = None,
    preview: str = "",
) -> str:
    """Send template ``name`` with ``body`` parameters; returns the ``wamid``.

    ``copy_code`` adds the copy-code button parameter of an AUTHENTICATION template.
    ``preview`` is what the console prints in console mode.
    """
    if not configured():
        return _console(to, preview or f"{name} {body}")
    components: list[dict[str, Any]] = [
        {"type": "body", "parameters": [{"type": "text", "text": value} for value in body]}
    ]
    if copy_code is not None:
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": copy_code}],
            }
        )
    sent = _call(
        client().send_template,
        to=to.lstrip("+"),
        name=name,
        language=_language(language),
        params=components,
        tracker=tracker,
    )
    return str(sent.id)


def send_text(*, to: str, text: str, tracker: str) -> str:
    """A free-form text (only inside the 24-hour customer-service window)."""
    if not configured():
        return _console(to, text)
    sent = _call(client().send_message, to=to.lstrip("+"), text=text, tracker=tracker)
    return str(sent.id)


def templates_list() -> list[dict[str, Any]]:
    """The templates Meta holds for our business account (name, language, id, status)."""
    waba = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = _call(
            client().api.get_templates,
            waba_id=waba,
            fields=("id", "name", "language", "status", "category", "components"),
            pagination={"after": after} if after else None,
        )
        found.extend(page.get("data", []))
        after = (page.get("paging") or {}).get("cursors", {}).get("after")
        if not after or not (page.get("paging") or {}).get("next"):
            return found


def template_create(payload: dict[str, Any]) -> dict[str, Any]:
    """POST /{WABA_ID}/message_templates."""
    waba = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    return dict(_call(client().api.create_template, waba_id=waba, template=payload))


def template_update(template_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST /{TEMPLATE_ID} with the new components."""
    return dict(_call(client().api.update_template, template_id=template_id, template=payload))


# --- webhooks ------------------------------------------------------------------------


def signature_valid(body: bytes, header: str | None) -> bool:
    """Check ``X-Hub-Signature-256`` (``sha256=<hex>``) over the raw body, in constant time."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip())


def sign(body: bytes, secret: str) -> str:
    """The header Meta would send for ``body`` (used by the fake and the benchmark)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))
