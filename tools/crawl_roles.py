"""Follow every link of a running bin/run as every demo role, on a phone-sized window.

Reports every page that answers 4xx/5xx or raises a JavaScript error. Staff roles
sign in with the demo authenticator (``bin/manage demo_totp``).

usage: .venv/bin/python tools/crawl_roles.py BASE_URL REPO_DIR [max_pages_per_role]
e.g.   .venv/bin/python tools/crawl_roles.py http://127.0.0.1:8000 . 45
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import deque
from urllib.parse import urljoin, urlparse

from playwright.sync_api import Page, sync_playwright

# Links that change state or download files are not followed.
SKIP = re.compile(
    r"/(keluar|logout|hapus|delete|tarik|withdraw)|\.(pdf|xlsx|csv|json|jpg|png)$"
    r"|/static/|/media/"
)


def manage(repo: str, *args: str) -> str:
    done = subprocess.run(
        [f"{repo}/bin/manage", *args], capture_output=True, text=True, cwd=repo, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def sign_in(page: Page, base: str, repo: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if page.locator("input[name=code]").count():
        page.fill("input[name=code]", manage(repo, "demo_totp"))
        page.click("main form button[type=submit]")
        page.wait_for_load_state()


def crawl(page: Page, base: str, limit: int) -> tuple[int, list[tuple[str, object]]]:
    problems: list[tuple[str, object]] = []
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    seen: set[str] = set()
    queue = deque([page.url, base + "/", base + "/en/"])
    count = 0
    while queue and count < limit:
        url = queue.popleft().split("#")[0]
        if url in seen or not url.startswith(base) or SKIP.search(urlparse(url).path):
            continue
        seen.add(url)
        count += 1
        try:
            response = page.goto(url, wait_until="load", timeout=30000)
        except Exception as exc:  # a page that never loads is a finding, not a crash
            problems.append((url, f"goto failed: {exc}"))
            continue
        if response is not None and response.status >= 400:
            problems.append((url, response.status))
        if errors:
            problems.append((url, "JS: " + "; ".join(errors)))
            errors.clear()
        if page.url.startswith(base + "/admin"):
            continue
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        queue.extend(urljoin(page.url, href) for href in hrefs)
    return count, problems


def main() -> int:
    base, repo = sys.argv[1].rstrip("/"), sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    password = manage(repo, "seed_demo", "--print-password")
    logins = subprocess.run(
        [f"{repo}/bin/manage", "seed_demo", "--list-logins"],
        capture_output=True,
        text=True,
        cwd=repo,
        check=True,
    ).stdout.splitlines()
    emails = [line.split()[0] for line in logins if "@" in line]
    findings: list[tuple[str, str, object]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for email in [None, *emails]:
            context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True)
            page = context.new_page()
            if email:
                sign_in(page, base, repo, email, password)
            count, problems = crawl(page, base, limit)
            who = email or "anonymous"
            print(f"{who}: {count} pages", flush=True)
            findings += [(who, url, what) for url, what in problems]
            context.close()
        browser.close()
    for finding in findings:
        print("  problem:", finding)
    print("no problems" if not findings else f"{len(findings)} problems")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
