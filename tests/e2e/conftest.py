"""Browser journeys: Playwright driving Debian's chromium against a live server.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` from Debian
(bin/system-packages.txt). Every request that does not go to the live server is
aborted, so the journeys never touch the internet (map tiles included).

Fixtures
- ``browser``: one headless chromium per test session.
- ``phone``: a fresh page in a 360x780 phone context (Indonesian locale), already
  pointed at nothing; use ``phone.goto(live_server.url + "/")``.
- ``shot(page, name)``: save a screenshot to ``docs/user-guide/img/<name>.png``
  (the screenshots are committed and used by docs/user-guide/README.md).

Tests are marked ``@pytest.mark.e2e`` and use
``@pytest.mark.django_db(transaction=True, serialized_rollback=True)`` so the
Wagtail root page and locale survive the live server's table flush.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 780}
# Assertions wait for their condition; shared CI machines can be slow, so wait long.
expect.set_options(timeout=30_000)
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "user-guide" / "img"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install chromium (see bin/system-packages.txt)"
        )
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse ORM calls from the test body (factories, asserts on rows).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def only_live_server(context: BrowserContext, live_server_url: str) -> None:
    """Abort every request that does not go to the live server (tiles, fonts, anything)."""
    allowed = urlsplit(live_server_url).netloc

    def handle(route: Route) -> None:
        if urlsplit(route.request.url).netloc == allowed:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", handle)


@pytest.fixture
def phone_context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
    )
    context.set_default_timeout(15_000)
    only_live_server(context, live_server.url)
    yield context
    context.close()


@pytest.fixture
def phone(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    def save(page: Page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return save


@pytest.fixture(scope="session", autouse=True)
def _live_server_settings(tmp_path_factory) -> Iterator[None]:
    # WhiteNoise warns (an error here) when STATIC_ROOT does not exist; the live
    # server loads the middleware once per session, before function fixtures.
    from django.conf import settings

    previous = settings.STATIC_ROOT, getattr(settings, "PAGE_CACHE_MEMO_SECONDS", None)
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    # Each journey builds new data: the page cache must see it at once.
    settings.PAGE_CACHE_MEMO_SECONDS = 0
    yield
    settings.STATIC_ROOT, settings.PAGE_CACHE_MEMO_SECONDS = previous
