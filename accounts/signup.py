"""Sign-up that does not reveal which email addresses and phone numbers have accounts.

allauth hides a registered phone number at sign-up by sending the visitor to the
same "enter the code" page either way. It hides a registered email address only
under "mandatory" email verification, which needs an email for every sign-up;
ours may be by phone alone, so verification is "optional". Under "optional" a new
address would be signed in at once, and a registered one cannot be answered that
way. So a sign-up that gives an email address waits for the address to be
verified, exactly as "mandatory" does (``EmailVerificationStage``), and a
registered address gets that same answer while its owner is told by email
(``SignupForm``), after the same password hashing a new account costs, so the
time of the answer does not tell them apart either. Signing in later with an
unverified address stays allowed.

This module is separate from ``accounts.forms`` because allauth builds its sign-up
form on top of ``ACCOUNT_SIGNUP_FORM_CLASS`` (``accounts.forms.SignupExtraForm``),
so that module cannot import allauth's forms.
"""

from __future__ import annotations

from typing import Any

from allauth.account import stages
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest

from accounts.models import User


def email_is_registered(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


class SignupForm(AllauthSignupForm):
    def validate_unique_email(self, value: str) -> str:
        # allauth raises "already registered" here unless verification is
        # "mandatory"; instead, mark the sign-up so that allauth answers as for a
        # new account and mails the owner ("prevent enumeration").
        if email_is_registered(value):
            self.account_already_exists = True
        return value

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        if self.account_already_exists:
            # A new account costs a password hash; spend it for a registered one
            # too, so that the time of the answer does not tell them apart.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class EmailVerificationStage(stages.EmailVerificationStage):
    """allauth's stage, with "mandatory" verification for sign-ups that give an email."""

    def handle(self) -> tuple[Any, bool]:
        login = self.login
        if login.signup and _gives_email(login):
            login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()


def _gives_email(login: Any) -> bool:
    if login.email:
        return True
    return login.user is not None and EmailAddress.objects.filter(user_id=login.user.pk).exists()
