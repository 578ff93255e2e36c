"""HandoffMiddleware: a handed-off connection runs after the stack, with nothing of it kept."""

from __future__ import annotations

from typing import Any

import pytest

from blog_api.core.handoff import HandoffMiddleware, HandoffUnavailable, hand_off


class Recorder:
    """A continuation that records how it was run."""

    def __init__(self) -> None:
        self.ran_with: tuple[Any, Any] | None = None
        self.aborted = False

    async def __call__(self, receive: Any, send: Any) -> None:
        self.ran_with = (receive, send)

    async def abort(self) -> None:
        self.aborted = True


async def receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}


async def send(message: dict[str, Any]) -> None:
    return None


def route(recorder: Recorder, *, fail_after: bool = False) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["fastapi_astack"] = object()  # what a framework stores on the way down
        hand_off(scope, recorder)
        if fail_after:
            raise RuntimeError("a middleware failed on the way up")

    return app


async def test_the_continuation_runs_with_the_servers_own_callables_and_a_clean_scope() -> None:
    recorder = Recorder()
    scope: dict[str, Any] = {
        "type": "http",
        "path": "/sse",
        "query_string": b"ticket=secret",
        "headers": [(b"authorization", b"Bearer secret")],
    }
    await HandoffMiddleware(route(recorder))(scope, receive, send)
    assert recorder.ran_with == (receive, send)
    # Nothing the stack added, and no credentials of the request, outlive the opening.
    assert scope == {"type": "http", "path": "/sse", "query_string": b"", "headers": []}


async def test_a_failure_after_the_hand_off_aborts_the_continuation() -> None:
    recorder = Recorder()
    with pytest.raises(RuntimeError):
        await HandoffMiddleware(route(recorder, fail_after=True))({"type": "http"}, receive, send)
    assert recorder.aborted and recorder.ran_with is None


async def test_hand_off_without_the_middleware_is_an_error() -> None:
    with pytest.raises(HandoffUnavailable):
        await route(Recorder())({"type": "http"}, receive, send)
