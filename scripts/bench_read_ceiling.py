#!/usr/bin/env python3
"""The ceiling of `bench_read.py`: a bare FastAPI app returning stored bytes from memory.

It serves, for each URL the benchmark loads, the exact bytes and content type the real API
answered (fetched by `bench_read.py` before the load and written to --bodies), with no database,
no Redis, no middleware and no validation beyond FastAPI's routing: what one route of the
framework costs on these Uvicorn settings, the speed a cache of rendered answers could approach.
Uvicorn runs it like `blog-api serve` runs the API: --workers processes on one port, uvloop and
httptools when installed, no access log, no log configuration.

    .venv/bin/python scripts/bench_read_ceiling.py --port 8001 --workers 2 --bodies bodies.json
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
from pathlib import Path

from fastapi import FastAPI, Request, Response

BODIES_ENV = "BENCH_READ_CEILING_BODIES"


def answer_key(path_and_query: str, authenticated: bool) -> str:
    """How a stored answer is found: the bearer and anonymous answers of a URL may differ."""
    return f"{'bearer' if authenticated else 'anonymous'} {path_and_query}"


def app_factory() -> FastAPI:
    """The app (each Uvicorn worker calls this): answers from the file named by BODIES_ENV."""
    stored = json.loads(Path(os.environ[BODIES_ENV]).read_text())
    answers = {
        key: (base64.b64decode(value["body"]), value["content_type"])
        for key, value in stored.items()
    }
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def answer(request: Request) -> Response:
        query = request.scope["query_string"].decode("latin-1")
        path = request.url.path + (f"?{query}" if query else "")
        found = answers.get(answer_key(path, "authorization" in request.headers))
        if found is None:
            return Response(b'{"detail":"not stored"}', 404, media_type="application/json")
        body, content_type = found
        return Response(body, headers={"content-type": content_type})

    @app.get("/readyz")
    async def readyz() -> Response:
        return Response(b'{"status":"ready"}', media_type="application/json")

    @app.get("/api/blogs")
    async def list_blogs(request: Request) -> Response:
        return answer(request)

    @app.get("/api/blogs/{blog_id}")
    async def get_blog(blog_id: int, request: Request) -> Response:
        return answer(request)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bodies", required=True, help="JSON written by bench_read.py")
    parser.add_argument("--graceful-timeout", type=int, default=8)
    args = parser.parse_args()
    import uvicorn

    # Read by app_factory in each worker process (they inherit the environment).
    os.environ[BODIES_ENV] = str(Path(args.bodies).resolve())
    has = importlib.util.find_spec
    uvicorn.run(
        "bench_read_ceiling:app_factory",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop" if has("uvloop") else "asyncio",
        http="httptools" if has("httptools") else "h11",
        timeout_graceful_shutdown=args.graceful_timeout,
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
