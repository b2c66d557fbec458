"""The WhatsApp templates, declared once: name, category, languages, text and parameters.

``manage.py whatsapp_templates --sync`` creates or updates exactly these through
``/{WABA_ID}/message_templates``; the outbox sends them by name with positional
parameters in the order of ``params``. The texts carry no address, no credentials
and nothing a stranger reading the phone could misuse: counts, a program's name, a
recorder's label, a village's name, a link to the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

UTILITY = "UTILITY"
AUTHENTICATION = "AUTHENTICATION"
LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Template:
    name: str
    category: str
    params: tuple[str, ...]
    texts: dict[str, str]  # language -> body with {{1}}, {{2}} ...

    def render(self, language: str, values: list[str]) -> str:
        text = self.texts.get(language) or self.texts["id"]
        return re.sub(r"\{\{(\d+)\}\}", lambda m: values[int(m.group(1)) - 1], text)

    def payload(self, language: str) -> dict[str, Any]:
        """The Business Management API body that creates this template in ``language``."""
        if self.category == AUTHENTICATION:
            return {
                "name": self.name,
                "language": language,
                "category": AUTHENTICATION,
                "components": [
                    {"type": "BODY", "add_security_recommendation": True},
                    {"type": "FOOTER", "code_expiration_minutes": 5},
                    {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]},
                ],
            }
        examples = [EXAMPLES.get(p, p) for p in self.params]
        body: dict[str, Any] = {"type": "BODY", "text": self.texts[language]}
        if examples:
            body["example"] = {"body_text": [examples]}
        return {
            "name": self.name,
            "language": language,
            "category": self.category,
            "components": [body],
        }


EXAMPLES = {
    "count": "3",
    "program": "Mataraksa",
    "recorder": "DVR Toko",
    "advice": "Periksa port 554 di router Anda.",
    "reason": "Kamera tidak menghadap jalan.",
    "village": "Sukamaju",
    "link": "https://cctvwarga.id/saya/",
    "inviter": "Budi",
    "organisation": "Perumahan Asri",
    "unit": "Polsek Cikupa",
    "queue": "12",
    "offline": "2",
    "code": "123456",
}


def _t(name: str, params: tuple[str, ...], id_text: str, en_text: str) -> Template:
    return Template(name, UTILITY, params, {"id": id_text, "en": en_text})


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        _t(
            "cw_submitted",
            ("count", "program"),
            "{{1}} kamera Anda sudah terkirim ke program {{2}} dan menunggu pemeriksaan.",
            "{{1}} of your cameras were submitted to the {{2}} program and await review.",
        ),
        _t(
            "cw_check_passed",
            ("recorder",),
            "Uji koneksi perekam {{1}} berhasil: polisi bisa melanjutkan pemeriksaan.",
            "The connection check of recorder {{1}} passed: the police can go on.",
        ),
        _t(
            "cw_check_failed",
            ("recorder", "advice"),
            "Uji koneksi perekam {{1}} belum berhasil. Saran: {{2}}",
            "The connection check of recorder {{1}} did not pass. Advice: {{2}}",
        ),
        _t(
            "cw_verified",
            ("count", "program"),
            "{{1}} kamera terverifikasi oleh polisi di program {{2}}.",
            "{{1}} cameras were verified by the police in the {{2}} program.",
        ),
        _t(
            "cw_rejected",
            ("count", "reason"),
            "{{1}} kamera belum dapat diterima. Alasan: {{2}}",
            "{{1}} cameras could not be accepted. Reason: {{2}}",
        ),
        _t(
            "cw_connected",
            ("count", "program"),
            "{{1}} kamera tersambung ke Command Center program {{2}}.",
            "{{1}} cameras are connected to the {{2}} program's Command Center.",
        ),
        _t(
            "cw_stickered",
            ("count",),
            "Stiker CCTV Warga sudah dipasang untuk {{1}} kamera. Terima kasih!",
            "The CCTV Warga sticker was placed for {{1}} cameras. Thank you!",
        ),
        _t(
            "cw_recorder_offline",
            ("recorder",),
            "Perekam {{1}} tidak dapat dihubungi sejak beberapa waktu. Mohon periksa "
            "listrik dan internetnya.",
            "Recorder {{1}} has been unreachable for a while. Please check its power and internet.",
        ),
        _t(
            "cw_recorder_online",
            ("recorder",),
            "Perekam {{1}} kembali terhubung.",
            "Recorder {{1}} is back online.",
        ),
        _t(
            "cw_reconsent",
            ("organisation", "link"),
            "Ada syarat persetujuan baru untuk {{1}}. Baca dan tanda tangani di {{2}}",
            "There are new consent terms for {{1}}. Read and sign them at {{2}}",
        ),
        _t(
            "cw_invitation",
            ("inviter", "organisation", "link"),
            "{{1}} mengundang Anda bergabung dengan {{2}} di CCTV Warga. Terima atau tolak "
            "di {{3}}",
            "{{1}} invites you to join {{2}} on CCTV Warga. Accept or decline at {{3}}",
        ),
        _t(
            "cw_new_submission",
            ("count", "village"),
            "{{1}} kamera baru menunggu pemeriksaan Anda di {{2}}.",
            "{{1}} new cameras await your review in {{2}}.",
        ),
        _t(
            "cw_daily_digest",
            ("unit", "queue", "offline"),
            "Ringkasan harian {{1}}: {{2}} kamera menunggu pemeriksaan, {{3}} perekam "
            "tidak terhubung.",
            "Daily summary for {{1}}: {{2}} cameras await review, {{3}} recorders are offline.",
        ),
        Template(
            "cw_sign_in_code",
            AUTHENTICATION,
            ("code",),
            {
                "id": "*{{1}}* adalah kode verifikasi Anda.",
                "en": "*{{1}}* is your verification code.",
            },
        ),
    ]
}

SIGN_IN_CODE = "cw_sign_in_code"
