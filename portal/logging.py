"""Logging filter that keeps credentials out of every log line."""

from __future__ import annotations

import logging
import re

# user:password@ in URLs (rtsp://admin:secret@host/...) and key=value secrets.
# Greedy up to the last "@" of the token: a raw password may hold "@", ":" or "/";
# over-redacting a path that contains "@" is the safe side.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s'\"]*@")
_KEY_VALUE = re.compile(
    r"(?P<key>password|passwd|pwd|secret|token|access_token|authorization)"
    r"(?P<sep>['\"]?\s*[:=]\s*['\"]?)(?P<value>[^\s'\",&]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    text = _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)
    return _KEY_VALUE.sub(r"\g<key>\g<sep>***", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
