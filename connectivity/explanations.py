"""What each result code means for the owner, and what to do next.

Indonesian is the msgid (the product's language); the English text for each
entry is in the ``Translators:`` comment so makemessages carries it into the
English catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PASSED = frozenset({"ok", "ok_with_warnings"})
#: a check whose worker died or that never started before its deadline (the reaper's code)
LOST = "lost"


@dataclass(frozen=True)
class Explanation:
    code: str
    title: Promise
    text: Promise
    next_step: Promise

    def render(self, detail: dict[str, Any] | None = None) -> dict[str, str]:
        detail = {"port": "", "skew": "", **(detail or {})}
        return {
            "code": self.code,
            "title": str(self.title) % detail,
            "text": str(self.text) % detail,
            "next_step": str(self.next_step) % detail,
        }


def _e(code: str, title: Promise, text: Promise, next_step: Promise) -> Explanation:
    return Explanation(code=code, title=title, text=text, next_step=next_step)


EXPLANATIONS: dict[str, Explanation] = {
    e.code: e
    for e in (
        _e(
            "dns_failed",
            # Translators: EN: The host name was not found
            _("Nama host tidak ditemukan"),
            # Translators: EN: The address you entered does not resolve to any IP address.
            _("Alamat yang Anda isi tidak mengarah ke alamat IP mana pun."),
            # Translators: EN: Check the spelling, or use the public IP address or DDNS name of your recorder.
            _("Periksa ejaannya, atau pakai alamat IP publik atau nama DDNS perekam Anda."),
        ),
        _e(
            "address_not_allowed",
            # Translators: EN: This address cannot be tested
            _("Alamat ini tidak boleh diuji"),
            # Translators: EN: The address points to a private, local or reserved network that our server must not reach.
            _(
                "Alamat ini mengarah ke jaringan pribadi, lokal atau khusus yang tidak boleh "
                "dihubungi server kami."
            ),
            # Translators: EN: Enter the public IP address or DDNS name of your internet connection, not the address inside your home network (such as 192.168.x.x).
            _(
                "Isi alamat IP publik atau nama DDNS koneksi internet Anda, bukan alamat di "
                "dalam jaringan rumah (misalnya 192.168.x.x)."
            ),
        ),
        _e(
            "port_not_allowed",
            # Translators: EN: This port cannot be tested
            _("Port ini tidak boleh diuji"),
            # Translators: EN: Port %(port)s is not one of the ports recorders use.
            _("Port %(port)s bukan port yang biasa dipakai perekam."),
            # Translators: EN: Use the ONVIF or RTSP port of your recorder (for example 80, 554, 8000 or 8899).
            _("Pakai port ONVIF atau RTSP perekam Anda (misalnya 80, 554, 8000 atau 8899)."),
        ),
        _e(
            "rate_limited",
            # Translators: EN: Too many tests
            _("Terlalu banyak pengujian"),
            # Translators: EN: This recorder was tested many times in a short while.
            _("Perekam ini sudah diuji berkali-kali dalam waktu singkat."),
            # Translators: EN: Wait a few minutes and try again.
            _("Tunggu beberapa menit lalu coba lagi."),
        ),
        _e(
            "port_closed",
            # Translators: EN: Port %(port)s is closed
            _("Port %(port)s tertutup"),
            # Translators: EN: Nothing answers on port %(port)s from the internet.
            _("Tidak ada yang menjawab di port %(port)s dari internet."),
            # Translators: EN: Set up port forwarding on your router to the recorder for this port, and check that ONVIF/RTSP is enabled on the recorder.
            _(
                "Atur port forwarding di router ke perekam untuk port ini, dan pastikan ONVIF/"
                "RTSP sudah diaktifkan di perekam."
            ),
        ),
        _e(
            "no_response",
            # Translators: EN: The recorder does not answer
            _("Perekam tidak menjawab"),
            # Translators: EN: The connection on port %(port)s opened but nothing came back in time.
            _("Koneksi ke port %(port)s terbuka tetapi tidak ada jawaban tepat waktu."),
            # Translators: EN: Restart the recorder and check that the port is forwarded to the recorder and not to another device.
            _(
                "Nyalakan ulang perekam dan pastikan port diteruskan ke perekam, bukan ke "
                "perangkat lain."
            ),
        ),
        _e(
            "not_onvif",
            # Translators: EN: This is not an ONVIF service
            _("Ini bukan layanan ONVIF"),
            # Translators: EN: Something answered on port %(port)s, but it does not speak ONVIF (for example the recorder's web page or a router).
            _(
                "Ada yang menjawab di port %(port)s, tetapi bukan ONVIF (misalnya halaman web "
                "perekam atau router)."
            ),
            # Translators: EN: Enable ONVIF on the recorder and enter its ONVIF port, or turn ONVIF off in the form to test RTSP only.
            _(
                "Aktifkan ONVIF di perekam dan isi port ONVIF-nya, atau matikan ONVIF di "
                "formulir untuk menguji RTSP saja."
            ),
        ),
        _e(
            "auth_failed",
            # Translators: EN: Username or password refused
            _("Nama pengguna atau kata sandi ditolak"),
            # Translators: EN: The recorder refused the username and password.
            _("Perekam menolak nama pengguna dan kata sandi."),
            # Translators: EN: Check them. Hikvision and Dahua need a separate ONVIF user: create it in the recorder's ONVIF menu.
            _(
                "Periksa kembali. Hikvision dan Dahua membutuhkan pengguna ONVIF terpisah: "
                "buat di menu ONVIF perekam."
            ),
        ),
        _e(
            "clock_skew",
            # Translators: EN: The recorder's clock is wrong
            _("Jam perekam tidak tepat"),
            # Translators: EN: The recorder refused the login, and its clock differs from the real time by %(skew)s seconds. With a wrong clock a correct password looks wrong.
            _(
                "Perekam menolak login, dan jamnya berbeda %(skew)s detik dari waktu "
                "sebenarnya. Dengan jam yang salah, kata sandi yang benar pun terlihat salah."
            ),
            # Translators: EN: Set the date and time on the recorder (turn on NTP), then test again.
            _("Atur tanggal dan jam di perekam (aktifkan NTP), lalu uji lagi."),
        ),
        _e(
            "stream_not_found",
            # Translators: EN: Video stream not found
            _("Aliran video tidak ditemukan"),
            # Translators: EN: The recorder answered, but the RTSP path does not exist.
            _("Perekam menjawab, tetapi jalur RTSP tidak ada."),
            # Translators: EN: Choose the right brand, or enter the RTSP path from the recorder's manual.
            _("Pilih merek yang tepat, atau isi jalur RTSP dari buku petunjuk perekam."),
        ),
        _e(
            "session_limit",
            # Translators: EN: Too many viewers
            _("Terlalu banyak penonton"),
            # Translators: EN: The recorder refused because too many people are watching already.
            _("Perekam menolak karena sudah terlalu banyak yang menonton."),
            # Translators: EN: Close other apps watching the cameras, or raise the number of RTSP sessions on the recorder.
            _("Tutup aplikasi lain yang sedang menonton, atau naikkan batas sesi RTSP di perekam."),
        ),
        _e(
            "no_media",
            # Translators: EN: No video arrived
            _("Video tidak masuk"),
            # Translators: EN: The recorder accepted the connection but sent no pictures.
            _("Perekam menerima koneksi tetapi tidak mengirim gambar."),
            # Translators: EN: Check that the camera on this channel is connected and recording, and that the upload bandwidth is enough.
            _(
                "Pastikan kamera di kanal ini tersambung dan merekam, dan kecepatan unggah "
                "internet cukup."
            ),
        ),
        _e(
            "unsupported_codec",
            # Translators: EN: Video format not supported
            _("Format video tidak didukung"),
            # Translators: EN: The stream uses a video format we cannot decode.
            _("Aliran memakai format video yang tidak bisa kami baca."),
            # Translators: EN: Set the recorder's main stream to H.264 (or H.265).
            _("Atur aliran utama perekam ke H.264 (atau H.265)."),
        ),
        _e(
            "not_rtsp",
            # Translators: EN: This is not an RTSP service
            _("Ini bukan layanan RTSP"),
            # Translators: EN: Something answered on port %(port)s, but it does not speak RTSP (for example a web page).
            _("Ada yang menjawab di port %(port)s, tetapi bukan RTSP (misalnya halaman web)."),
            # Translators: EN: Enter the recorder's RTSP port (usually 554) and forward it on the router.
            _("Isi port RTSP perekam (biasanya 554) dan teruskan di router."),
        ),
        _e(
            "redirect_refused",
            # Translators: EN: The recorder sent us elsewhere
            _("Perekam mengalihkan ke alamat lain"),
            # Translators: EN: The recorder answered with a redirect to another address; for safety we do not follow redirects.
            _(
                "Perekam menjawab dengan pengalihan ke alamat lain; demi keamanan kami tidak "
                "mengikuti pengalihan."
            ),
            # Translators: EN: Enter the final address and port of the stream directly.
            _("Isi langsung alamat dan port akhir aliran video."),
        ),
        _e(
            "probe_crashed",
            # Translators: EN: The test stopped unexpectedly
            _("Pengujian berhenti tak terduga"),
            # Translators: EN: Our test program stopped while reading this recorder's video. The rest of the site is not affected.
            _(
                "Program pengujian kami berhenti saat membaca video perekam ini. Bagian lain "
                "situs tidak terpengaruh."
            ),
            # Translators: EN: Try again later; if it happens again, contact the officer.
            _("Coba lagi nanti; jika terulang, hubungi petugas."),
        ),
        _e(
            LOST,
            # Translators: EN: The check was interrupted; run it again
            _("Pemeriksaan terputus; jalankan lagi"),
            # Translators: EN: The check stopped before it finished (our checking server stopped or restarted). Nothing is known yet about your recorder.
            _(
                "Pemeriksaan berhenti sebelum selesai (server pemeriksa kami berhenti atau "
                "dimulai ulang). Keadaan perekam Anda belum diketahui."
            ),
            # Translators: EN: Run the check again. A scheduled check is run again automatically.
            _("Jalankan pemeriksaan lagi. Pemeriksaan terjadwal diulang otomatis."),
        ),
        _e(
            "ok",
            # Translators: EN: The recorder passed
            _("Perekam lolos uji"),
            # Translators: EN: We reached the recorder and decoded a picture from its video.
            _("Kami berhasil menghubungi perekam dan membaca gambar dari videonya."),
            # Translators: EN: Nothing to do. You can continue the registration.
            _("Tidak ada yang perlu dilakukan. Anda bisa melanjutkan pendaftaran."),
        ),
        _e(
            "ok_with_warnings",
            # Translators: EN: Passed, with notes
            _("Lolos, dengan catatan"),
            # Translators: EN: The video works, but some settings make it less useful (see the notes).
            _(
                "Video berjalan, tetapi beberapa pengaturan membuatnya kurang berguna (lihat catatan)."
            ),
            # Translators: EN: Follow the notes below if you can; the registration can continue.
            _("Ikuti catatan di bawah bila bisa; pendaftaran tetap bisa dilanjutkan."),
        ),
    )
}


@dataclass(frozen=True)
class Note:
    """A note on a passing check: what is wrong, and what the owner can do about it."""

    code: str
    text: Promise
    advice: Promise


NOTES: dict[str, Note] = {
    n.code: n
    for n in (
        Note(
            "low_resolution",
            # Translators: EN: Resolution under 720p: faces and number plates are hard to read.
            _("Resolusi di bawah 720p: wajah dan pelat nomor sulit terbaca."),
            # Translators: EN: In the recorder's settings, set the main stream to 1280x720 (720p) or higher.
            _("Di pengaturan perekam, atur aliran utama ke 1280x720 (720p) atau lebih tinggi."),
        ),
        Note(
            "low_fps",
            # Translators: EN: Low frame rate (under 10 per second): fast movement is missed.
            _("Laju gambar rendah (di bawah 10 per detik): gerakan cepat terlewat."),
            # Translators: EN: In the recorder's settings, raise the main stream's frame rate to 15 per second or more.
            _(
                "Di pengaturan perekam, naikkan laju gambar (frame rate) aliran utama ke 15 per "
                "detik atau lebih."
            ),
        ),
        Note(
            "h265_only",
            # Translators: EN: Only H.265 is offered; some viewers need H.264.
            _("Hanya H.265 yang tersedia; sebagian penampil butuh H.264."),
            # Translators: EN: If the recorder can, set one of its streams (for example the sub stream) to H.264.
            _("Bila perekam bisa, atur salah satu alirannya (misalnya sub-stream) ke H.264."),
        ),
        Note(
            "clock_skew",
            # Translators: EN: The recorder's clock is off: recording times will be wrong.
            _("Jam perekam tidak tepat: waktu rekaman akan salah."),
            # Translators: EN: Turn on NTP (automatic time) in the recorder's settings, then test again.
            _("Aktifkan NTP (waktu otomatis) di pengaturan perekam, lalu uji lagi."),
        ),
    )
}


STEP_LABELS: dict[str, Promise] = {
    "resolve": _("Mencari dan memeriksa alamat"),
    "tcp_onvif": _("Membuka port ONVIF"),
    "tcp_rtsp": _("Membuka port RTSP"),
    "onvif_time": _("Membaca jam perekam"),
    "onvif_device_info": _("Masuk dan membaca info perangkat"),
    "onvif_services": _("Mencari layanan media"),
    "onvif_profiles": _("Membaca profil video"),
    "onvif_stream_uri": _("Meminta alamat aliran video"),
    "onvif_snapshot_uri": _("Meminta alamat cuplikan"),
    "rtsp_first_frame": _("Membuka video dan membaca gambar pertama"),
}


def step_label(name: str) -> str:
    return str(STEP_LABELS.get(name, name))


def explain(code: str, detail: dict[str, Any] | None = None) -> dict[str, str]:
    """Title, text and next step for ``code`` in the active language."""
    explanation = EXPLANATIONS.get(code) or EXPLANATIONS["probe_crashed"]
    return explanation.render(detail)


def message_for(code: str, detail: dict[str, Any] | None = None) -> str:
    rendered = explain(code, detail)
    return f"{rendered['title']}. {rendered['text']} {rendered['next_step']}"


def warning_notes(codes: list[str]) -> list[dict[str, str]]:
    """Each note of a check (``Check.warnings``) with its advice, in the active language.

    An unknown code (from a newer probe) is shown as the code itself, with no advice.
    """
    notes = []
    for code in codes:
        note = NOTES.get(code)
        text, advice = (str(note.text), str(note.advice)) if note else (code, "")
        notes.append({"code": code, "text": text, "advice": advice})
    return notes
