"""Print the environment that compose.yaml gives one service, NUL-separated KEY=VALUE.

bin/test runs ``manage.py check --deploy`` in exactly that environment, so the
reference stack's defaults stay production-safe. Variables are interpolated from
this process's environment the way Compose does it: ``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:?message}``, ``${VAR?message}``, ``$VAR`` and ``$$``.

    python bin/compose_env.py web [compose.yaml]
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_REFERENCE = re.compile(
    r"\$\$"
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class ComposeError(Exception):
    pass


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = environ.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op in ("-", ":-"):
            return arg if unset else str(current)
        if op in ("?", ":?"):
            if unset:
                raise ComposeError(f"{name}: {arg or 'required'}")
            return str(current)
        return current or ""

    return _REFERENCE.sub(substitute, value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def service_environment(
    compose_file: Path, service: str, environ: Mapping[str, str]
) -> dict[str, str]:
    document = yaml.safe_load(compose_file.read_text(encoding="utf-8"))  # merges "<<:" keys
    try:
        raw = document["services"][service].get("environment") or {}
    except KeyError as exc:
        raise ComposeError(f"no service {service!r} in {compose_file}") from exc
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return {str(key): interpolate(_as_text(value), environ) for key, value in raw.items()}


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    compose_file = Path(argv[2] if len(argv) == 3 else "compose.yaml")
    try:
        env = service_environment(compose_file, argv[1], os.environ)
    except ComposeError as exc:
        print(f"compose_env: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{key}={value}\0" for key, value in env.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
