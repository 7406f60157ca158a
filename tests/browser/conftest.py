"""Real headless Chromium (Debian's) driven by Playwright for Python, against the Hosting emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

# Many assertions wait on a callable function; a cold Functions emulator worker on a busy CI machine
# can take several seconds, so the default 5 s wait is too tight to be a meaningful failure signal.
expect.set_options(timeout=15_000)

APP_URL = os.environ.get("SALAMIN_APP_URL", "http://127.0.0.1:5000")
CHROMIUM = os.environ.get("SALAMIN_CHROMIUM", "/usr/bin/chromium")
# Fake camera and microphone, no permission prompts, and nothing that reaches out to the network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--no-first-run", "--disable-quic", "--disable-domain-reliability",
    "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,Translate",
]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto(f"{APP_URL}/signin")
    page.get_by_test_id("signin-email").fill(email)
    page.get_by_test_id("signin-password").fill(password)
    page.get_by_test_id("signin-submit").click()
    page.get_by_test_id("shell").wait_for()
