"""The public list queries can use an index (PostgreSQL: EXPLAIN with sequential scans off).

With sequential scans disabled, the planner still picks a sequential scan when no index fits the
query; finding the index name in the plan proves one does.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from tortoise import connections
from tortoise.queryset import QuerySet

from blog_api.blogs.models import Blog
from blog_api.blogs.service import _search_filter, list_query, ordered
from tests.blogs.conftest import CreatePost
from tests.conftest import IS_POSTGRES, Actor

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="query plans are PostgreSQL's")


async def _explain(
    query: QuerySet[Blog], sort: str, *, seqscan: bool = True, indexscan: bool = True
) -> str:
    """PostgreSQL's plan (VERBOSE) for the page query, with the parameters the app sends."""
    page = ordered(query, sort).limit(21)
    page.sql()  # builds page.query
    sql, params = page.query.get_parameterized_sql()
    conn = connections.get("default")
    async with conn._in_transaction() as tx:  # SET LOCAL lasts for this transaction only
        if not seqscan:
            await tx.execute_script("SET LOCAL enable_seqscan = off")
        if not indexscan:
            await tx.execute_script("SET LOCAL enable_indexscan = off")
        rows = await tx.execute_query_dict("EXPLAIN VERBOSE " + sql, params)
    return "\n".join(row["QUERY PLAN"] for row in rows)


async def _plan(**filters: object) -> str:
    query, sort = list_query(viewer=None, **filters)  # type: ignore[arg-type]
    return await _explain(query, sort, seqscan=False)


@pytest.fixture
async def posts(app: FastAPI, create_post: CreatePost, user: Actor, approver: Actor) -> list[dict]:
    return [
        await create_post(user, status="approved", reviewer=approver, tags=["news"])
        for _ in range(3)
    ]


async def test_first_page_and_cursor_pages_walk_the_status_published_index(posts) -> None:
    from blog_api.core.pagination import encode_cursor

    assert "idx_blogs_status_2827e3" in await _plan(cursor=None)
    cursor = encode_cursor(
        {"s": "published_at", "t": posts[1]["published_at"], "id": posts[1]["id"]}
    )
    assert "idx_blogs_status_2827e3" in await _plan(cursor=cursor)


async def test_a_tag_page_finds_its_posts_by_index(posts) -> None:
    plan = await _plan(cursor=None, tag="news")
    assert "idx_blog_tags_tag_blog" in plan
    assert "Seq Scan" not in plan


async def test_search_can_use_the_full_text_index_and_vectorises_nothing(posts) -> None:
    # The match alone (no status condition another index could serve), plain index scans off:
    # only the GIN index can find the matching posts without reading them all.
    match_only = _search_filter(Blog.all(), "zebra")
    assert "idx_blogs_search_vector" in await _explain(
        match_only, "published_at", seqscan=False, indexscan=False
    )
    # No document is vectorised at query time (the stored column is): computing to_tsvector
    # per post cost ~0.13 ms each, 40 ms a page when the planner walked the date index.
    query, sort = list_query(viewer=None, cursor=None, q="zebra")
    assert "to_tsvector" not in (await _explain(query, sort)).lower()
