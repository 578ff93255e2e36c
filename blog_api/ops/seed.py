"""Demo data: users of every role, then whatever each domain's seeder adds through its service.

Extension point: a domain adds demo data by appending a `Seeder` to `SEEDERS` (or by being listed in
`_optional_seeders`). A seeder gets the demo users and a count and must create its rows through its
own service, so demo data obeys the same rules and records the same events as real use.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from blog_api.auth.schemas import RegisterRequest
from blog_api.core.config import Settings
from blog_api.core.security import hash_password
from blog_api.users.models import Role, User

DEMO_DOMAIN = "demo.example.com"
WORDS = [
    *("async", "api", "cache", "caddy", "design", "event", "fastapi", "http", "index", "json"),
    *("latency", "migration", "network", "observability", "postgres", "python", "queue"),
    *("redis", "release", "review", "schema", "security", "stream", "testing", "tortoise"),
    *("uvicorn", "worker"),
]

Progress = Callable[[int], None]


@dataclass
class Plan:
    """How much to create. Users are split over the roles; at least one admin and one approver."""

    users: int
    blogs: int
    feature_requests: int
    rng: random.Random = field(default_factory=random.Random)

    def role_counts(self) -> dict[Role, int]:
        admins = max(1, self.users // 20)
        approvers = max(1, self.users // 10)
        return {
            Role.admin: admins,
            Role.l1_approver: approvers,
            Role.user: max(0, self.users - admins - approvers),
        }


@dataclass
class DemoUsers:
    by_role: dict[Role, list[User]]

    def pick(self, role: Role, rng: random.Random) -> User:
        return rng.choice(self.by_role[role])

    @property
    def authors(self) -> list[User]:
        return self.by_role[Role.user] or self.by_role[Role.admin]


@dataclass
class Seeder:
    """Creates `count(plan)` rows of one kind; calls `advance(1)` after each."""

    name: str
    count: Callable[[Plan], int]
    run: Callable[[Plan, DemoUsers, Settings, Progress], Awaitable[None]]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


async def seed_users(
    plan: Plan, *, settings: Settings, password: str, advance: Progress
) -> DemoUsers:
    """Create (or reuse) `demo_<role>_<n>` accounts; every one gets `password`."""
    # argon2 is slow on purpose: hash once and share the hash among the demo accounts.
    password_hash: str | None = None
    by_role: dict[Role, list[User]] = {role: [] for role in Role}
    for role, count in plan.role_counts().items():
        for n in range(1, count + 1):
            username = f"demo_{role.value.replace('_', '')}_{n}"
            data = RegisterRequest(
                email=f"{username}@{DEMO_DOMAIN}", username=username, password=password
            )
            user = await User.get_or_none(email=data.email)
            if user is None:
                password_hash = password_hash or await hash_password(
                    password, settings.password_hash_profile
                )
                user = await User.create(
                    email=data.email, username=data.username, password_hash=password_hash, role=role
                )
            by_role[role].append(user)
            advance(1)
    return DemoUsers(by_role)


async def _seed_blogs(plan: Plan, users: DemoUsers, settings: Settings, advance: Progress) -> None:
    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.schemas import BlogCreate

    rng = plan.rng
    for n in range(plan.blogs):
        author = rng.choice(users.authors)
        title = f"{_sentence(rng, rng.randint(2, 6))} #{n + 1}"
        paragraphs = [_sentence(rng, rng.randint(12, 40)) + "." for _ in range(rng.randint(1, 4))]
        data = BlogCreate(
            title=title,
            content="\n\n".join(paragraphs),
            tags=rng.sample(WORDS, rng.randint(0, 3)),
            image_ids=[],
        )
        result = await blogs_service.create_blog(data, author=author, media_url=settings.media_url)
        blog = result.blog
        assert blog is not None  # no idempotency key, so never a replay
        fate = rng.random()
        reviewer = users.pick(Role.l1_approver, rng)
        if fate < 0.6:
            await blogs_service.approve_blog(blog, reviewer=reviewer)
        elif fate < 0.75:
            await blogs_service.reject_blog(
                blog, reviewer=reviewer, reason="Demo rejection: please add an example."
            )
        advance(1)


async def _seed_feature_requests(
    plan: Plan, users: DemoUsers, settings: Settings, advance: Progress
) -> None:
    from blog_api.feature_requests import service as fr_service
    from blog_api.feature_requests.schemas import FeatureRequestCreate

    rng = plan.rng
    everyone = [u for group in users.by_role.values() for u in group]
    for n in range(plan.feature_requests):
        author = rng.choice(everyone)
        # The number keeps titles apart: the service refuses near-duplicates by one author.
        data = FeatureRequestCreate(
            title=f"Request {n + 1}: {_sentence(rng, rng.randint(2, 5))}",
            description=_sentence(rng, rng.randint(8, 30)) + ".",
        )
        fr = await fr_service.create_request(data, author=author)
        for voter in rng.sample(everyone, rng.randint(0, min(5, len(everyone)))):
            fr = await fr_service.vote(fr, user=voter)
        advance(1)


def _registered(models_module: str) -> bool:
    from blog_api.core.db import MODEL_MODULES

    return models_module in MODEL_MODULES


def available_seeders() -> list[Seeder]:
    """Seeders for the domains registered in this build (their models are in MODEL_MODULES)."""
    seeders: list[Seeder] = []
    if _registered("blog_api.blogs.models"):
        seeders.append(Seeder("blog posts", lambda p: p.blogs, _seed_blogs))
    if _registered("blog_api.feature_requests.models"):
        seeders.append(
            Seeder("feature requests", lambda p: p.feature_requests, _seed_feature_requests)
        )
    return seeders + SEEDERS


# Other domains (comments, ...) append their seeders here.
SEEDERS: list[Seeder] = []
