"""compose.yaml's defaults pass ``check --deploy`` (issue 11, F7).

The reference stack used to report W004, W008, W012, W016 and mail.E001 once
DEBUG was off, a real key set and ALLOWED_HOSTS given. bin/test runs the same
check as a build step; this test keeps it next to the parser it relies on.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("compose_env", ROOT / "bin" / "compose_env.py")
assert _spec and _spec.loader
compose_env = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compose_env)

# What an operator must put in .env; everything else is compose.yaml's default.
REQUIRED = {
    "SECRET_KEY": secrets.token_urlsafe(60),
    "FIELD_ENCRYPTION_KEYS": "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=",
    "ALLOWED_HOSTS": "cctvwarga.example",
    "SITE_URL": "https://cctvwarga.example",
    "EMAIL_HOST": "smtp.cctvwarga.example",
}


def test_the_compose_defaults_pass_check_deploy_at_warning_level():
    env = compose_env.service_environment(ROOT / "compose.yaml", "web", REQUIRED)
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_the_compose_stack_will_not_start_without_a_required_value(missing):
    given = {name: value for name, value in REQUIRED.items() if name != missing}
    with pytest.raises(compose_env.ComposeError, match=missing):
        compose_env.service_environment(ROOT / "compose.yaml", "web", given)


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("${A}", {}, ""),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A:-d}", {"A": "x"}, "x"),
        ("$A/$$B", {"A": "x"}, "x/$B"),
        ("CCTV Warga <a@b>", {}, "CCTV Warga <a@b>"),
    ],
)
def test_variables_are_interpolated_as_compose_does(text, environ, expected):
    assert compose_env.interpolate(text, environ) == expected
