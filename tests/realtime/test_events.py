"""`Event.encoded`: one serialisation per event and wire format, shared by every connection."""

from __future__ import annotations

from datetime import datetime, timezone

from blog_api.realtime.events import Audience, Event, Subject


def _event(event_id: str = "1-0") -> Event:
    return Event(
        id=event_id,
        type="blog.submitted",
        occurred_at=datetime(2026, 12, 1, tzinfo=timezone.utc),
        actor_id=1,
        subject=Subject(kind="blog", id=1),
        audience=Audience(roles=["admin"]),
    )


def test_each_wire_format_is_encoded_once() -> None:
    event = _event()
    calls: list[str] = []

    def encode(e: Event) -> str:
        calls.append(e.id)
        return f"frame {e.id}"

    frames = [event.encoded("sse", encode) for _ in range(1000)]

    assert calls == ["1-0"]
    assert all(frame is frames[0] for frame in frames)
    assert event.encoded("ws", lambda e: "other") == "other"  # formats are kept apart


def test_a_copy_with_another_id_does_not_reuse_the_original_frames() -> None:
    event = _event("1-0")
    assert event.encoded("sse", lambda e: e.id) == "1-0"

    copy = event.model_copy(update={"id": "2-0"})

    assert copy.encoded("sse", lambda e: e.id) == "2-0"
    assert event.encoded("sse", lambda e: e.id) == "1-0"
