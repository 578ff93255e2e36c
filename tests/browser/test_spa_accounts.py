"""examples/spa's account flows in Chromium: the two-step login, links from mails (email
verification, password reset), sign-in with an OpenID Connect provider, and every main view on a
phone-sized screen without horizontal scrolling.

Mails are read from the workers' MAIL_DIR (`SpaStack.mailed_link`); their links point at the page
because FRONTEND_URL is the page's address followed by "#" (examples/spa/README.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import SpaStack
from tests.browser.test_spa import Shot, log_in, open_context
from tests.conftest import PASSWORD
from tests.harness import Worker

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Brand-new-battery-93"


def assert_fits(page: Page) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll} px wide in a {inner} px window"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def wrong_code(secret: str) -> str:
    """Six digits no step near now accepts."""
    near = {code(secret, step) for step in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222") if c not in near)


def two_factor_on(spa_stack: SpaStack, email: str) -> str:
    """Turn TOTP on for `email` through the API; its secret (the current step's code is spent,
    so the next one accepted is `code(secret, 1)`)."""
    tokens = spa_stack.login(email)
    with spa_stack.api() as client:
        secret = client.post("/api/auth/2fa/totp/enrol", headers=bearer(tokens)).json()["secret"]
        res = client.post(
            "/api/auth/2fa/totp/confirm", json={"code": code(secret)}, headers=bearer(tokens)
        )
        assert res.status_code == 200, res.text
    return str(secret)


def me(api_url: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        tokens = client.post("/api/auth/login", json={"email": email, "password": password})
        assert tokens.status_code == 200, tokens.text
        return dict(client.get("/api/auth/me", headers=bearer(tokens.json())).json())


def test_two_factor_login_asks_for_the_code(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("tess")
    secret = two_factor_on(spa_stack, email)
    page = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    page.goto(spa_stack.spa_url + "#/login")
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()

    # The password was right: the code step takes the login form's place, focused.
    step = page.get_by_role("form", name="Two-step verification")
    field = step.get_by_label("Authentication code")
    expect(field).to_be_focused()
    assert_fits(page)
    shot(page, "15-two-factor-code-step-phone")
    field.fill(wrong_code(secret))
    field.press("Enter")
    expect(step.get_by_role("alert")).to_contain_text("wrong")
    expect(field).to_be_focused()
    expect(page.locator("#who")).to_be_hidden()

    field.fill(code(secret, 1))
    field.press("Enter")
    expect(page.locator("#who")).to_contain_text("tess")
    expect(page.locator("#conn")).to_have_text("Live: connected")


def test_two_factor_is_turned_on_in_the_account_page_and_a_recovery_code_logs_in(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("ursula")
    page = open_context(new_context, spa_stack.api_url).new_page()
    log_in(page, spa_stack.spa_url, email)
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#tf-state")).to_contain_text("Off")
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code the app shows").fill(code(secret))
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    shot(page, "16-recovery-codes-shown-once")
    page.get_by_role("button", name="I have stored them").click()
    expect(page.locator("#tf-state")).to_contain_text("On")

    # The next login needs a second factor; a recovery code is one.
    page.get_by_role("button", name="Log out").click()
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    page.get_by_label("Authentication code").fill(recovery)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#who")).to_contain_text("ursula")


def test_password_reset_from_the_mailed_link(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("rosa")
    page = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    page.goto(spa_stack.spa_url + "#/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send me a reset link").click()
    expect(page.locator("#forgot-status")).to_contain_text("a link is on its way")
    assert_fits(page)

    # The mail's link opens the page's reset view; the token leaves the address bar.
    link = spa_stack.mailed_link(email, "Reset your password")
    assert link.startswith(spa_stack.spa_origin + "/demo/#/reset-password?token="), link
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert "token" not in page.url, page.url
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    assert_fits(page)
    shot(page, "17-reset-password-phone")
    page.get_by_role("button", name="Set the new password").click()

    # Off to the login, told why; the new password works there and the old one nowhere.
    expect(page.locator("#notice")).to_contain_text("Your password is changed")
    shot(page, "18-after-reset-login-phone")
    log_in(page, spa_stack.spa_url, email, NEW_PASSWORD)
    with spa_stack.api() as client:
        old = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401, old.text


def test_email_verification_link_lets_the_author_post(
    spa_stack: SpaStack,
    verified_posting_worker: Worker,
    new_context: Callable[..., BrowserContext],
    shot: Shot,
) -> None:
    # As with deploy/compose.yaml: only confirmed addresses submit posts.
    worker = verified_posting_worker
    api_url = f"http://localhost:{worker.port}"
    spa_url = f"http://127.0.0.1:{worker.port}/demo/index.html"
    email = "vera.verify@example.com"
    page = open_context(new_context, api_url, phone=True).new_page()
    page.goto(spa_url + "#/login")
    form = page.get_by_role("form", name="Create an account")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Username").fill("veraverify")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.locator("#who")).to_contain_text("veraverify")
    first_link = spa_stack.mailed_link(email, "Confirm your email address")

    page.get_by_role("link", name="Write").click()
    page.get_by_label("Title").fill("Checked address")
    page.get_by_label("Text (markdown)").fill("Posted once the address is confirmed.")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Submit for review").click()

    # Refused (403 email-not-verified): the page says so and offers a new link.
    expect(page.get_by_role("alert")).to_contain_text("Confirm your email address first")
    page.get_by_role("button", name="Send a new verification link").click()
    expect(page.locator("#verify-prompt")).to_contain_text("A new link is on its way")
    assert_fits(page)
    shot(page, "19-verify-prompt-phone")
    new_link = spa_stack.mailed_link(email, "Confirm your email address", after=1)

    # The first link was replaced by the new one; the new one confirms the address.
    page.goto(first_link)
    expect(page.get_by_role("alert")).to_contain_text("invalid, already used or expired")
    page.goto(new_link)
    expect(page.locator("#verify-status")).to_contain_text(f"{email} is confirmed")
    assert "token" not in page.url, page.url
    assert_fits(page)
    shot(page, "20-email-confirmed-phone")
    assert me(api_url, email)["email_verified"] is True

    page.get_by_role("link", name="Write a post").click()
    expect(page.get_by_label("Title")).to_have_value("Checked address")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#my-posts li[data-status=pending]")).to_contain_text("Checked address")


def test_sign_in_with_an_openid_connect_provider(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext]
) -> None:
    spa_stack.oidc.user = {
        "sub": "browser-user-1",
        "email": "otto.oidc@example.com",
        "email_verified": True,
        "preferred_username": "otto",
    }
    page = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    # A sign-in the provider refused comes back as an error in the fragment.
    page.goto(spa_stack.spa_url + "#/oidc/callback#error=provider_refused")
    expect(page.get_by_role("alert")).to_contain_text("cancelled at the provider")

    # The button leaves for the provider, which sends the browser back through the API's
    # callback to the page (FRONTEND_URL/oidc/callback#login_code=...), which signs in.
    page.goto(spa_stack.spa_url + "#/login")
    page.get_by_role("button", name="Sign in with Test ID").click()
    expect(page.locator("#who")).to_contain_text("otto")
    expect(page.locator("#conn")).to_have_text("Live: connected")
    assert "login_code" not in page.url, page.url
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#email-state")).to_have_text("confirmed")


def test_every_main_view_fits_a_phone_screen(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("phoebe_with_a_very_long_username", role="l1_approver")
    author = bearer(spa_stack.login(spa_stack.account("phil")))
    with spa_stack.api() as client:
        title = "A post with a rather long title that must wrap on a small screen"
        post = client.post("/api/blogs", json={"title": title, "content": "x"}, headers=author)
        assert post.status_code == 201, post.text
        post_id = post.json()["id"]
        approver = bearer(spa_stack.login(email))
        res = client.post(f"/api/blogs/{post_id}/approve", headers=approver)
        assert res.status_code == 200, res.text
    page = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    log_in(page, spa_stack.spa_url, email)
    signed_in = {
        "#/": "Posts",
        f"#/post/{post_id}": title,
        "#/write": "Write a post",
        "#/mine": "My posts",
        "#/review": "Review queue",
        "#/features": "Feature requests",
        "#/account": "Your account",
    }
    for route, title in signed_in.items():
        page.goto(spa_stack.spa_url + route)
        expect(page.locator("main h1")).to_have_text(title)
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        assert_fits(page)
    shot(page, "21-account-phone")
    page.get_by_role("button", name="Log out").click()
    signed_out = {
        "#/login": "Welcome",
        "#/forgot-password": "Forgot your password?",
        "#/reset-password?token=not-a-real-token": "Choose a new password",
        "#/verify-email": "Confirm your email address",
    }
    for route, title in signed_out.items():
        page.goto(spa_stack.spa_url + route)
        expect(page.locator("main h1")).to_have_text(title)
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        assert_fits(page)
    page.goto(spa_stack.spa_url + "#/login")
    expect(page.get_by_role("button", name="Sign in with Test ID")).to_be_visible()
    assert_fits(page)
    shot(page, "22-login-phone")
