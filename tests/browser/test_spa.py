"""examples/spa in Chromium, on another origin than the API, against two workers.

Each test drives the pages as a person would (labels, buttons, links) and waits for what the
person would see; nothing is reloaded unless the test says so. Screenshots of the key steps go
to test-artifacts/browser/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import SpaStack, route_config, wait_port_free
from tests.conftest import PASSWORD
from tests.harness import Worker

pytestmark = pytest.mark.browser  # run them alone: pytest -m browser tests/browser

Shot = Callable[[Page, str], Path]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Live updates arrive within a second; the margin is for a loaded CI machine.
expect.set_options(timeout=10_000)


def open_context(
    new_context: Callable[..., BrowserContext], api_url: str, *, phone: bool = False
) -> BrowserContext:
    context = new_context(viewport=PHONE if phone else DESKTOP)
    route_config(context, api_url)
    # Shown with a failing test's output: what the page itself complained about.
    context.on("console", lambda msg: print(f"[console {msg.type}] {msg.text}"))
    context.on("weberror", lambda err: print(f"[page error] {err.error}"))
    context.on(
        "response",
        lambda r: (
            print(f"[http {r.status}] {r.request.method} {r.url} {r.text()[:300]}")
            if r.status >= 400
            else None
        ),
    )
    return context


def png(color: str = "teal") -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return {"name": "picture.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def log_in(page: Page, spa_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(spa_url + "#/login")
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()
    expect(page.locator("#who")).to_contain_text(email.split("@")[0])
    expect(page.locator("#conn")).to_have_text("Live: connected")


def register(page: Page, spa_url: str, username: str) -> None:
    page.goto(spa_url + "#/login")
    form = page.get_by_role("form", name="Create an account")
    form.get_by_label("Email").fill(f"{username}@example.com")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.locator("#who")).to_contain_text(username)
    expect(page.locator("#conn")).to_have_text("Live: connected")


def record_states(page: Page, selector: str) -> None:
    """Keep every text the element shows in window.__states[selector] (for short states)."""
    page.evaluate(
        """(selector) => {
            window.__states = window.__states || {};
            const seen = (window.__states[selector] = []);
            const el = document.querySelector(selector);
            seen.push(el.textContent);
            new MutationObserver(() => seen.push(el.textContent)).observe(el, {
                subtree: true, childList: true, characterData: true, attributes: true,
            });
        }""",
        selector,
    )


def states(page: Page, selector: str) -> list[str]:
    return list(page.evaluate("(s) => window.__states[s]", selector))


def test_review_flow_and_live_chat_between_author_and_approver(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    spa = spa_stack.spa_url
    approver_email = spa_stack.account("rita", role="l1_approver")
    approver = open_context(new_context, spa_stack.api_url).new_page()
    author = open_context(new_context, spa_stack.api_url, phone=True).new_page()

    # The approver opens the review queue; it is empty and the live stream is connected.
    log_in(approver, spa, approver_email)
    approver.get_by_role("link", name="Review queue").click()
    expect(approver.locator("#queue-empty")).to_be_visible()

    # The author signs up in the page (on a phone-sized screen) and writes a post with an image.
    register(author, spa, "ada")
    author.get_by_role("link", name="Write").click()
    author.get_by_label("Title").fill("Hello from the browser")
    author.get_by_label("Text (markdown)").fill("A post written in **Chromium**.")
    author.get_by_label("Tags").fill("browser, demo")
    author.get_by_label("Attach an image").set_input_files(png())
    expect(author.get_by_role("img", name=re.compile("Attached image"))).to_be_visible()
    shot(author, "01-author-writes-post-phone")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("#my-posts li[data-status=pending]")).to_contain_text(
        "Hello from the browser"
    )

    # The approver's queue shows it live, without a reload; they reject it with a reason.
    card = approver.locator("#queue li", has_text="Hello from the browser")
    expect(card).to_be_visible()
    shot(approver, "02-approver-queue-live")
    card.get_by_label("Reason for rejecting “Hello from the browser”").fill(
        "Please say which browser."
    )
    card.get_by_role("button", name="Reject").click()
    expect(card).to_have_count(0)

    # The author hears about it live, edits and resubmits.
    expect(author.locator(".toast", has_text="rejected: Please say which browser.")).to_be_visible()
    expect(author.locator("#my-posts li[data-status=rejected]")).to_be_visible()
    shot(author, "03-author-sees-rejection-phone")
    author.get_by_role("link", name="Edit and resubmit “Hello from the browser”").click()
    expect(author.locator("#rejection")).to_contain_text("Please say which browser.")
    author.get_by_label("Text (markdown)").fill("A post written in **Chromium** 156.")
    author.get_by_role("button", name="Resubmit for review").click()
    expect(author.locator("#my-posts li[data-status=pending]")).to_be_visible()

    # Back in the approver's queue live; approved from there.
    card = approver.locator("#queue li", has_text="Hello from the browser")
    expect(card).to_be_visible()
    card.get_by_role("button", name="Approve “Hello from the browser”").click()
    expect(card).to_have_count(0)

    # The author is notified live; the post is public now.
    expect(author.locator(".toast", has_text="was approved")).to_be_visible()
    link = author.locator("#my-posts li[data-status=approved] a")
    expect(link).to_have_text("Hello from the browser")
    shot(author, "04-author-notified-approved-phone")
    post_hash = link.get_attribute("href")
    assert post_hash and post_hash.startswith("#/post/")

    # Both open the post and chat under it: presence, typing, each other's messages.
    link.click()
    approver.goto(spa + post_hash)
    for page in (author, approver):
        expect(page.locator("#chat-state")).to_have_text("Chat: connected")
        expect(page.locator("#presence")).to_have_text("2 people here")
    expect(author.get_by_role("img", name=re.compile("Image .* of the post"))).to_be_visible()
    author.get_by_label("Write a comment").press_sequentially("Hi Rita", delay=20)
    expect(approver.locator("#typing")).to_have_text("ada is typing…")
    author.get_by_label("Write a comment").press("Enter")
    expect(approver.locator("#comments li", has_text="Hi Rita")).to_be_visible()
    approver.get_by_label("Write a comment").fill("Welcome, Ada!")
    approver.get_by_role("button", name="Send").click()
    expect(author.locator("#comments li", has_text="Welcome, Ada!")).to_be_visible()
    expect(author.locator("#comments li.pending")).to_have_count(0)
    shot(author, "05-author-chat-phone")
    shot(approver, "06-approver-chat")

    # The approver leaves: the author's presence drops to one.
    approver.goto(spa + "#/")
    expect(author.locator("#presence")).to_have_text("1 person here (you)")


def test_draft_survives_a_reload(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("drafter")
    page = open_context(new_context, spa_stack.api_url).new_page()
    log_in(page, spa_stack.spa_url, email)
    page.get_by_role("link", name="Write").click()
    page.get_by_label("Title").fill("Half-written")
    page.get_by_label("Text (markdown)").fill("Autosaved while I type.")
    page.get_by_label("Attach an image").set_input_files(png("orange"))
    expect(page.get_by_role("img", name=re.compile("Attached image"))).to_be_visible()
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")

    page.reload()
    # Still signed in (the refresh token is in this tab's sessionStorage) and the draft is back.
    expect(page.locator("#draft-status")).to_contain_text("Draft restored")
    expect(page.get_by_label("Title")).to_have_value("Half-written")
    expect(page.get_by_label("Text (markdown)")).to_have_value("Autosaved while I type.")
    expect(page.get_by_role("img", name=re.compile("Attached image"))).to_be_visible()
    shot(page, "07-draft-restored-after-reload")

    # Submitting uses the draft and removes it.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#my-posts li[data-status=pending]")).to_contain_text("Half-written")
    page.get_by_role("link", name="Write").click()
    expect(page.get_by_label("Title")).to_have_value("")


def test_public_list_scrolls_through_every_page(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    author = spa_stack.account("prolific")
    reviewer = spa_stack.account("lister", role="l1_approver")
    author_auth = {"Authorization": f"Bearer {spa_stack.login(author)['access_token']}"}
    reviewer_auth = {"Authorization": f"Bearer {spa_stack.login(reviewer)['access_token']}"}
    with spa_stack.api() as client:
        for n in range(23):
            res = client.post(
                "/api/blogs",
                json={"title": f"Scroll post {n:02}", "content": "x"},
                headers=author_auth,
            )
            assert res.status_code == 201, res.text
            ok = client.post(f"/api/blogs/{res.json()['id']}/approve", headers=reviewer_auth)
            assert ok.status_code == 200, ok.text

    page = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    page.goto(spa_stack.spa_url)
    items = page.locator("#posts li", has_text="Scroll post")
    expect(items.first).to_be_visible()
    # Anonymous reader, 10 per page: scrolling to the end loads the next pages by cursor.
    for _ in range(6):
        page.locator("#posts li").last.scroll_into_view_if_needed()
        page.mouse.wheel(0, 5000)
        if page.get_by_text("That is everything.").is_visible():
            break
        page.wait_for_timeout(300)
    expect(page.get_by_text("That is everything.")).to_be_visible()
    expect(items).to_have_count(23)
    titles = items.locator("h2").all_inner_texts()
    assert len(set(titles)) == 23, titles
    shot(page, "08-public-list-phone")


def test_feature_requests_vote_and_submit(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext]
) -> None:
    email = spa_stack.account("voter")
    page = open_context(new_context, spa_stack.api_url).new_page()
    log_in(page, spa_stack.spa_url, email)
    page.get_by_role("link", name="Feature requests").click()
    page.get_by_label("Title").fill("Dark mode")
    page.get_by_label("Description").fill("For reading at night.")
    page.get_by_role("button", name="Submit request").click()
    card = page.locator("#features li", has_text="Dark mode")
    expect(card).to_be_visible()
    vote = card.get_by_role("button", name="Vote for “Dark mode”, 0 votes")
    vote.click()
    voted = page.locator("#features li", has_text="Dark mode").get_by_role(
        "button", name="Remove your vote for “Dark mode”, 1 votes"
    )
    expect(voted).to_have_attribute("aria-pressed", "true")
    expect(voted).to_be_focused()  # keyboard users stay where they were


def test_a_killed_worker_and_both_pages_recover_with_nothing_missed(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    author_email = spa_stack.account("kit")
    approver_email = spa_stack.account("vera", role="l1_approver")
    token = spa_stack.login(author_email)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    approver_token = spa_stack.login(approver_email)["access_token"]
    with spa_stack.api() as client:
        post = client.post(
            "/api/blogs", json={"title": "Crash test", "content": "x"}, headers=headers
        ).json()
        res = client.post(
            f"/api/blogs/{post['id']}/approve",
            headers={"Authorization": f"Bearer {approver_token}"},
        )
        assert res.status_code == 200, res.text

    author = open_context(new_context, spa_stack.api_url, phone=True).new_page()
    approver = open_context(new_context, spa_stack.api_url).new_page()
    log_in(author, spa_stack.spa_url, author_email)
    author.goto(spa_stack.spa_url + f"#/post/{post['id']}")
    expect(author.locator("#chat-state")).to_have_text("Chat: connected")
    log_in(approver, spa_stack.spa_url, approver_email)
    approver.get_by_role("link", name="Review queue").click()
    expect(approver.locator("#queue-empty")).to_be_visible()

    cluster = spa_stack.cluster
    sent: list[str] = []
    connections = ((author, "#conn"), (author, "#chat-state"), (approver, "#conn"))
    for page, selector in connections:
        record_states(page, selector)
    for round_, victim in enumerate((cluster.a, cluster.b)):
        # Kill one worker (SIGKILL, a crash), and right away make events the pages must not
        # miss, on the surviving worker: comments under the post, a post for the queue.
        # Killing A, then B after A is back, leaves no browser connection untouched: one on A
        # moves to B in the first round (A is down), and B is killed in the second.
        victim.kill()
        wait_port_free(victim.port)
        survivor = cluster.b if victim is cluster.a else cluster.a
        with httpx.Client(base_url=survivor.url, headers=headers, timeout=10) as client:
            for n in range(2):
                body = f"comment {round_}-{n} while a worker was down"
                res = client.post(f"/api/blogs/{post['id']}/comments", json={"body": body})
                assert res.status_code == 201, res.text
                sent.append(body)
            res = client.post(
                "/api/blogs", json={"title": f"Submitted in outage {round_}", "content": "x"}
            )
            assert res.status_code == 201, res.text

        for page, selector, text in (
            (author, "#conn", "Live: connected"),
            (author, "#chat-state", "Chat: connected"),
            (approver, "#conn", "Live: connected"),
        ):
            expect(page.locator(selector)).to_have_text(text)
        expect(
            approver.locator("#queue li", has_text=f"Submitted in outage {round_}")
        ).to_be_visible()
        for body in sent:
            expect(author.locator("#comments li", has_text=body)).to_have_count(1)
        if round_ == 0:
            shot(author, "09-author-after-worker-a-killed-phone")
            victim.restart()  # back on its port before B is killed

    # Every live connection of both pages went through a reconnect and recovered by itself.
    for page, selector in connections:
        seen = states(page, selector)
        assert any("reconnecting" in text for text in seen), (selector, seen)

    # The chat works again on the surviving worker.
    author.get_by_label("Write a comment").fill("still here")
    author.get_by_label("Write a comment").press("Enter")
    expect(author.locator("#comments li", has_text="still here")).to_have_count(1)
    expect(author.locator("#comments li.pending")).to_have_count(0)
    expect(approver.locator("#queue li", has_text="Submitted in outage")).to_have_count(2)
    shot(author, "10-author-recovered-phone")
    shot(approver, "11-approver-recovered")
    # Leave two workers for whatever runs next.
    cluster.b.restart()


def test_an_expired_access_token_is_refreshed_silently(
    spa_stack: SpaStack,
    short_token_worker: Worker,
    new_context: Callable[..., BrowserContext],
    shot: Shot,
) -> None:
    # This worker's access tokens live 6 s; the page keeps working well past that.
    worker = short_token_worker
    email = spa_stack.account("sleepy")
    context = open_context(new_context, f"http://localhost:{worker.port}")
    page = context.new_page()
    refreshes: list[int] = []
    page.on(
        "response",
        lambda r: refreshes.append(r.status) if r.url.endswith("/api/auth/refresh") else None,
    )
    log_in(page, f"http://127.0.0.1:{worker.port}/demo/index.html", email)
    page.get_by_role("link", name="Feature requests").click()
    page.wait_for_timeout(14_000)  # past the token's expiry and the server's 5 s leeway

    # Refreshed in the background, never signed out, the stream still live.
    assert refreshes and all(status == 200 for status in refreshes), refreshes
    expect(page.locator("#who")).to_contain_text("sleepy")
    expect(page.locator("#conn")).to_have_text("Live: connected")
    page.get_by_label("Title").fill("Longer sessions")
    page.get_by_label("Description").fill("Sent with a refreshed token.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#features li", has_text="Longer sessions")).to_be_visible()
    shot(page, "12-after-silent-refresh")


def test_a_call_made_with_an_expired_token_is_refreshed_and_retried(
    spa_stack: SpaStack,
    short_token_worker: Worker,
    new_context: Callable[..., BrowserContext],
    shot: Shot,
) -> None:
    # A laptop that slept: the page's timers did not run, so its access token expired without
    # the planned refresh. Playwright's clock freezes the page's time while real time (and the
    # token's expiry on the server) goes on; the next call gets a 401, refreshes, and retries.
    worker = short_token_worker
    email = spa_stack.account("sleeper")
    page = open_context(new_context, f"http://localhost:{worker.port}").new_page()
    calls: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            calls.append((f"{r.request.method} {r.url.split('/api/', 1)[-1]}", r.status))
            if "/api/" in r.url
            else None
        ),
    )
    page.clock.install()
    log_in(page, f"http://127.0.0.1:{worker.port}/demo/index.html", email)
    page.get_by_role("link", name="Feature requests").click()
    expect(page.get_by_role("button", name="Submit request")).to_be_visible()
    page.clock.pause_at(page.evaluate("Date.now()") + 500)
    page.wait_for_timeout(12_000)  # real time: past the 6 s token and the 5 s leeway
    page.clock.resume()
    calls.clear()

    page.get_by_label("Title").fill("Wake-up call")
    page.get_by_label("Description").fill("Sent after a nap.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#features li", has_text="Wake-up call")).to_be_visible()
    expect(page.locator("#conn")).to_have_text("Live: connected")
    # A call after the nap was refused (the stream's ticket or the submit, whichever went
    # first), the token was refreshed and the call retried; nothing signed the page out. (The
    # order of Playwright's response events is not the order of the requests: counted only.)
    refused = [call for call, status in calls if status == 401]
    assert refused and "auth/refresh" not in " ".join(refused), calls
    assert ("POST auth/refresh", 200) in calls, calls
    assert ("POST auth/refresh", 401) not in calls, calls
    assert ("POST feature-requests", 201) in calls, calls
    expect(page.locator("#who")).to_contain_text("sleeper")
    shot(page, "13-refreshed-after-a-401")


def test_refresh_token_reuse_signs_the_page_out(
    spa_stack: SpaStack, new_context: Callable[..., BrowserContext], shot: Shot
) -> None:
    email = spa_stack.account("victim")
    page = open_context(new_context, spa_stack.api_url).new_page()
    log_in(page, spa_stack.spa_url, email)
    stolen = page.evaluate("sessionStorage.getItem('blog_api.refresh_token')")
    # Someone else rotates the page's refresh token first; the page's next refresh presents a
    # spent token, and the server revokes the whole login.
    with spa_stack.api() as client:
        thief = client.post("/api/auth/refresh", json={"refresh_token": stolen})
        assert thief.status_code == 200, thief.text
        page.reload()
        expect(page.get_by_role("form", name="Log in")).to_be_visible()
        expect(page.locator(".toast", has_text="Your session ended")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('blog_api.refresh_token')") is None
        # ... and the thief's new pair is revoked with it.
        again = client.post(
            "/api/auth/refresh", json={"refresh_token": thief.json()["refresh_token"]}
        )
        assert again.status_code == 401, again.text
    shot(page, "14-signed-out-after-reuse")


def test_the_page_keeps_its_origin_and_the_api_answers_cors(spa_stack: SpaStack) -> None:
    # Guard against a test set-up that would make CORS moot: page and API differ in origin.
    assert spa_stack.spa_origin != spa_stack.api_url
    with httpx.Client(timeout=10) as client:
        res = client.options(
            spa_stack.api_url + "/api/auth/login",
            headers={
                "Origin": spa_stack.spa_origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
    assert res.status_code == 200
    assert res.headers["access-control-allow-origin"] == spa_stack.spa_origin
