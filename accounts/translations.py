"""Strings of allauth and Django that our catalogues translate our own way.

Their Indonesian catalogues label the password "Kata Kunci" beside "Kata sandi
(lagi)", the sign-in field "Masuk:" and write a lowercase "anda"; the entries in
``locale/id`` (first in ``LOCALE_PATHS``, so they win) say "Kata sandi", "Email
atau nomor HP" and "Anda". ``locale/en`` names the sign-in field the same way.
Listing the msgids here keeps ``makemessages`` from marking those entries
obsolete. Nothing imports this module.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, pgettext_lazy

OVERRIDDEN = (
    # allauth: sign-up and sign-in
    gettext_noop("Password"),
    pgettext_lazy("field label", "Login"),
    gettext_noop("Email or phone"),
    gettext_noop("Phone"),
    gettext_noop("Email (optional)"),
    gettext_noop("Email address"),
    gettext_noop("Remember Me"),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("The phone number and/or password you specified are not correct."),
    # Django's password validators (the help text under the sign-up password)
    gettext_noop("Your password can’t be too similar to your other personal information."),  # noqa: RUF001
    gettext_noop("Your password can’t be a commonly used password."),  # noqa: RUF001
    gettext_noop("Your password can’t be entirely numeric."),  # noqa: RUF001
)
