# shellcheck shell=bash
# Shared by bin/run, bin/test and .ci/run: find Python 3.12+, install the locked
# dependencies into .venv with uv, and keep local development keys in var/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION="0.13.8"
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy

find_python() {
    local candidate
    for candidate in python3.13 python3.12; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$candidate"; return 0
        fi
    done
    # pyenv installs that are not the global version: their shims refuse, the binaries work.
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    for candidate in "$root"/versions/3.13*/bin/python3.13 "$root"/versions/3.12*/bin/python3.12; do
        if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
    done
    echo "error: CCTV Warga needs Python 3.12 or newer (Django 6.1, PyAV 19)." >&2
    echo "       Install python3.12 or python3.13 and put it on PATH." >&2
    return 1
}

ensure_env() {
    local python
    python="$(find_python)"
    if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
        echo "==> installing uv $UV_VERSION into .tools/ (with $python)"
        "$python" -m venv .tools
        .tools/bin/pip install --quiet "uv==$UV_VERSION"
    fi
    echo "==> installing locked dependencies into .venv"
    UV_PROJECT_ENVIRONMENT="$ROOT/.venv" .tools/bin/uv sync --locked --python "$python" --quiet "$@"
    export PATH="$ROOT/.venv/bin:$PATH"
}

# Development keys live in var/dev.env so that encrypted demo data stays readable
# across runs. Production sets SECRET_KEY and FIELD_ENCRYPTION_KEYS itself.
ensure_dev_keys() {
    local dir="${VAR_DIR:-$ROOT/var}"
    mkdir -p "$dir"
    if [ ! -f "$dir/dev.env" ]; then
        .venv/bin/python - > "$dir/dev.env" <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
PY
        chmod 600 "$dir/dev.env"
    fi
    set -a; . "$dir/dev.env"; set +a
}
