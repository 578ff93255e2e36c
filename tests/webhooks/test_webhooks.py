"""Outbound webhooks end to end: a real receiving server, Standard Webhooks signatures checked,
retries, disabling, order per endpoint, the delivery log and replays."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from blog_api.realtime.events import Audience, Event, Subject
from blog_api.webhooks import service as webhooks_service
from blog_api.webhooks.models import WebhookDelivery
from blog_api.webhooks.signing import sign, verify
from tests.conftest import Actor
from tests.webhooks.conftest import Register
from tests.webhooks.receiver import Receiver


def test_signature_matches_the_specification_example() -> None:
    # The example of the Standard Webhooks specification (and of its reference libraries).
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body='{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


async def _post(client: AsyncClient, author: Actor, title: str = "Hooked") -> dict:
    resp = await client.post(
        "/api/blogs", json={"title": title, "content": "x"}, headers=author.headers
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def _deliveries(client: AsyncClient, admin: Actor, endpoint_id: int) -> list[dict]:
    resp = await client.get(
        f"/api/webhooks/endpoints/{endpoint_id}/deliveries", headers=admin.headers
    )
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


async def _settled(client: AsyncClient, admin: Actor, endpoint_id: int, count: int) -> list[dict]:
    for _ in range(200):
        items = await _deliveries(client, admin, endpoint_id)
        if len(items) >= count and all(d["status"] in ("succeeded", "failed") for d in items):
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries not settled: {items}")


async def test_secret_is_shown_once(client: AsyncClient, admin: Actor, register: Register) -> None:
    created = await register(["blog.submitted"])
    assert created["secret"].startswith("whsec_")
    assert created["is_active"] is True
    resp = await client.get(f"/api/webhooks/endpoints/{created['id']}", headers=admin.headers)
    assert resp.status_code == 200
    assert "secret" not in resp.json()
    listed = (await client.get("/api/webhooks/endpoints", headers=admin.headers)).json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]


async def test_event_is_delivered_signed(
    client: AsyncClient, user: Actor, register: Register, receiver: Receiver
) -> None:
    endpoint = await register(["blog.submitted"])
    post = await _post(client, user)
    (request,) = await asyncio.to_thread(receiver.wait_for, 1)
    headers = request.headers
    assert headers["content-type"] == "application/json"
    timestamp = int(headers["webhook-timestamp"])
    assert abs(timestamp - datetime.now(timezone.utc).timestamp()) < 30
    assert verify(
        endpoint["secret"],
        msg_id=headers["webhook-id"],
        timestamp=timestamp,
        body=request.body,
        signature_header=headers["webhook-signature"],
    )
    assert not verify(
        endpoint["secret"],
        msg_id=headers["webhook-id"],
        timestamp=timestamp,
        body=request.body + " ",
        signature_header=headers["webhook-signature"],
    )
    payload = json.loads(request.body)
    assert payload["type"] == "blog.submitted"
    assert payload["data"]["subject"] == {"kind": "blog", "id": post["id"]}
    assert headers["webhook-id"] == f"msg_{payload['data']['id']}"
    assert "audience" not in payload["data"]


async def test_only_subscribed_types_are_sent(
    client: AsyncClient, user: Actor, approver: Actor, register: Register, receiver: Receiver
) -> None:
    await register(["blog.approved"])
    post = await _post(client, user)  # blog.submitted: not subscribed
    resp = await client.post(f"/api/blogs/{post['id']}/approve", headers=approver.headers)
    assert resp.status_code == 200
    (request,) = await asyncio.to_thread(receiver.wait_for, 1)
    assert json.loads(request.body)["type"] == "blog.approved"
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1


async def test_internal_events_never_go_to_webhooks(
    client: AsyncClient, admin: Actor, register: Register
) -> None:
    resp = await client.post(
        "/api/webhooks/endpoints",
        json={"url": "https://example.com/h", "event_types": ["session.revoked"]},
        headers=admin.headers,
    )
    assert resp.status_code == 422
    await register(sorted(webhooks_service.EVENT_TYPES))
    internal = Event(
        id="1-0",
        type="session.revoked",
        occurred_at=datetime.now(timezone.utc),
        actor_id=None,
        subject=Subject(kind="user", id=1),
        audience=Audience(),
        data={"sid": "x"},
    )
    assert await webhooks_service.enqueue_events([internal]) == 0


async def test_failures_are_retried_and_logged(
    client: AsyncClient, user: Actor, admin: Actor, register: Register, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    endpoint = await register(["blog.submitted"])
    await _post(client, user)
    first, second = await asyncio.to_thread(receiver.wait_for, 2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    (delivery,) = await _settled(client, admin, endpoint["id"], 1)
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 2
    assert delivery["response_status"] == 200
    assert delivery["response_ms"] is not None and delivery["response_ms"] >= 0
    assert delivery["next_attempt_at"] is None


async def test_persistent_failure_disables_the_endpoint_and_tells_its_owner(
    client: AsyncClient, user: Actor, admin: Actor, register: Register, receiver: Receiver
) -> None:
    receiver.statuses = [503] * 10
    endpoint = await register(["blog.submitted"])
    await _post(client, user)
    (delivery,) = await _settled(client, admin, endpoint["id"], 1)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 3  # the first try and the two of the schedule
    assert delivery["response_status"] == 503
    state = (
        await client.get(f"/api/webhooks/endpoints/{endpoint['id']}", headers=admin.headers)
    ).json()
    assert state["is_active"] is False
    assert "3 failed attempts" in state["disabled_reason"]
    for _ in range(50):
        notes = (await client.get("/api/notifications", headers=admin.headers)).json()["items"]
        if any(n["type"] == "webhook.endpoint_disabled" for n in notes):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the owner was not told")
    # Re-enabled by an admin, it receives again.
    resp = await client.patch(
        f"/api/webhooks/endpoints/{endpoint['id']}", json={"is_active": True}, headers=admin.headers
    )
    assert resp.status_code == 200 and resp.json()["disabled_reason"] is None


async def test_messages_of_an_endpoint_arrive_in_event_order(
    client: AsyncClient, user: Actor, register: Register, receiver: Receiver
) -> None:
    receiver.statuses = [500]  # the first message fails once: the others must wait for it
    await register(["blog.submitted"])
    for n in range(5):
        await _post(client, user, f"Post {n}")
    received = await asyncio.to_thread(receiver.wait_for, 6)
    ids = [r.headers["webhook-id"] for r in received]
    assert ids[0] == ids[1]
    titles = [json.loads(r.body)["data"]["data"]["title"] for r in received[1:]]
    assert titles == [f"Post {n}" for n in range(5)]


async def test_a_delivery_can_be_replayed(
    client: AsyncClient, user: Actor, admin: Actor, register: Register, receiver: Receiver
) -> None:
    endpoint = await register(["blog.submitted"])
    await _post(client, user)
    (delivery,) = await _settled(client, admin, endpoint["id"], 1)
    resp = await client.post(
        f"/api/webhooks/deliveries/{delivery['id']}/replay", headers=admin.headers
    )
    assert resp.status_code == 202
    assert resp.json()["replay_of"] == delivery["id"]
    first, again = await asyncio.to_thread(receiver.wait_for, 2)
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    log = await _settled(client, admin, endpoint["id"], 2)
    assert [d["status"] for d in log] == ["succeeded", "succeeded"]


async def test_endpoint_can_be_changed_and_deleted(
    client: AsyncClient, admin: Actor, register: Register
) -> None:
    endpoint = await register(["blog.submitted"])
    url = f"/api/webhooks/endpoints/{endpoint['id']}"
    resp = await client.patch(
        url, json={"event_types": ["blog.published"], "description": "x"}, headers=admin.headers
    )
    assert resp.status_code == 200
    assert resp.json()["event_types"] == ["blog.published"]
    assert (await client.delete(url, headers=admin.headers)).status_code == 204
    assert (await client.get(url, headers=admin.headers)).status_code == 404


async def test_housekeeping_drops_old_settled_deliveries_only(
    app: FastAPI,
    client: AsyncClient,
    user: Actor,
    admin: Actor,
    register: Register,
    receiver: Receiver,
) -> None:
    endpoint = await register(["blog.submitted"])
    for _ in range(2):
        await _post(client, user)
    await asyncio.to_thread(receiver.wait_for, 2)
    log = f"/api/webhooks/endpoints/{endpoint['id']}/deliveries"
    for _ in range(100):  # the sender records the outcome after the receiver answered
        items = (await client.get(log, headers=admin.headers)).json()["items"]
        if [d["status"] for d in items] == ["succeeded", "succeeded"]:
            break
        await asyncio.sleep(0.05)
    older = datetime.now(timezone.utc) - timedelta(
        seconds=app.state.settings.event_retention_seconds + 3600
    )
    await WebhookDelivery.all().update(created_at=older)
    # One of them still waits for an attempt: it must stay, however old.
    waiting = items[0]["id"]
    await WebhookDelivery.filter(id=waiting).update(
        status="retrying", next_attempt_at=datetime.now(timezone.utc) + timedelta(hours=1)
    )  # not due: the sender must not settle it before the round

    pruned = await app.state.realtime.housekeeping.run_once()
    assert pruned is not None and pruned.webhook_deliveries == 1
    left = (await client.get(log, headers=admin.headers)).json()["items"]
    assert [d["id"] for d in left] == [waiting]


async def test_a_lease_holds_for_a_worker_whose_clock_runs_ahead(
    client: AsyncClient,
    user: Actor,
    admin: Actor,
    register: Register,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = await register(["blog.submitted"])
    # Another worker's sender holds the endpoint for a minute.
    assert await webhooks_service.take_lease(endpoint["id"], owner="elsewhere", seconds=60)

    def ahead() -> datetime:
        return datetime.now(timezone.utc) + timedelta(hours=1)

    # This worker's clock runs an hour ahead: by it, that lease ran out long ago.
    monkeypatch.setattr(webhooks_service, "now", ahead)
    monkeypatch.setattr(webhooks_service, "_now", ahead)
    await _post(client, user)
    for _ in range(100):
        if await _deliveries(client, admin, endpoint["id"]):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # several rounds of this worker's sender
    assert receiver.received == []
    assert not await webhooks_service.take_lease(endpoint["id"], owner="here", seconds=60)

    await webhooks_service.release_lease(endpoint["id"], owner="elsewhere")
    await asyncio.to_thread(receiver.wait_for, 1)


async def test_an_endpoint_is_picked_only_when_its_first_message_is_due(
    app: FastAPI, client: AsyncClient, user: Actor, admin: Actor, register: Register
) -> None:
    endpoint = await register(["blog.submitted"])
    intake, sender = app.state.webhooks
    await sender.stop()  # messages are written but not sent
    for n in range(3):
        await _post(client, user, f"Post {n}")
    for _ in range(100):
        log = await _deliveries(client, admin, endpoint["id"])
        if len(log) == 3:
            break
        await asyncio.sleep(0.05)
    first = log[-1]["id"]  # newest first
    # The first message failed and waits hours for its retry; the newer two are due.
    await WebhookDelivery.filter(id=first).update(
        status="retrying",
        attempts=1,
        next_attempt_at=datetime.now(timezone.utc) + timedelta(hours=3),
    )
    watermark = await intake.watermark()

    due = await webhooks_service.endpoints_with_due_messages(
        watermark=watermark, now=webhooks_service.now()
    )
    assert endpoint["id"] not in due
    later = webhooks_service.now() + timedelta(hours=3, seconds=1)
    due = await webhooks_service.endpoints_with_due_messages(watermark=watermark, now=later)
    assert endpoint["id"] in due
