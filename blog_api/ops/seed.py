"""Demo data: users of every role, then whatever each domain's seeder adds through its service.

Extension point: a domain adds demo data by appending a `Seeder` to `SEEDERS` (or by being listed in
`available_seeders`). A seeder gets the demo users and a count and must create its rows through its
own service, so demo data obeys the same rules and records the same events as real use.

**Resumable.** Every item is numbered (`demo_user_3`, post `... #12`, `Request 4: ...`), created
in one transaction with everything that belongs to it (a post with its review decision, a request
with its votes), and skipped when its number is already there. Its random choices come from
`(random seed, kind, number)` alone. So a seed that stopped part-way (a crash, a conflicting row,
a lock) is finished by running the same command again, and the result is what one uninterrupted
run would have made: nothing duplicated, nothing half-made.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from tortoise.exceptions import BaseORMException

from blog_api.auth.schemas import RegisterRequest
from blog_api.core.config import Settings
from blog_api.core.db import transaction
from blog_api.core.errors import AppError
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


class SeedFailed(Exception):
    """An item could not be created; the items before it are complete and kept."""

    def __init__(self, kind: str, number: int, detail: str) -> None:
        super().__init__(f"{kind} #{number}: {detail}")
        self.kind, self.number, self.detail = kind, number, detail


@dataclass
class Plan:
    """How much to create. Users are split over the roles; at least one admin and one approver.

    `random_seed` fixes every random choice: the same seed gives the same data, which is what
    lets a second run finish an interrupted one.
    """

    users: int
    blogs: int
    feature_requests: int
    random_seed: int = 0

    def rng(self, kind: str, number: int) -> random.Random:
        """The random choices of item `number` of `kind`, independent of every other item."""
        return random.Random(f"{self.random_seed}/{kind}/{number}")  # noqa: S311 - demo data

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
    """Makes sure items 1..`count(plan)` of one kind exist; calls `advance(1)` after each and
    returns how many it created (see `seed_items`)."""

    name: str
    count: Callable[[Plan], int]
    run: Callable[[Plan, DemoUsers, Settings, Progress], Awaitable[int]]


async def seed_items(
    kind: str,
    count: int,
    *,
    existing: Iterable[int],
    make: Callable[[int], Awaitable[object]],
    advance: Progress,
) -> int:
    """Create items 1..`count` missing from `existing`, each in its own transaction (the services'
    transactions nest in it, and their events are published once it commits). Returns how many
    were created; raises `SeedFailed` naming the item that failed (nothing of it is kept)."""
    present = set(existing)
    created = 0
    for number in range(1, count + 1):
        if number not in present:
            try:
                async with transaction():
                    await make(number)
            except AppError as exc:
                raise SeedFailed(kind, number, exc.detail) from exc
            except BaseORMException as exc:
                raise SeedFailed(kind, number, str(exc)) from exc
            created += 1
        advance(1)
    return created


def _numbers(values: Iterable[str], pattern: re.Pattern[str]) -> set[int]:
    return {int(m.group(1)) for v in values if (m := pattern.search(v))}


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


async def seed_users(
    plan: Plan, *, settings: Settings, password: str, advance: Progress
) -> tuple[DemoUsers, int]:
    """Create (or reuse) `demo_<role>_<n>` accounts; every new one gets `password`. Returns the
    demo users and how many were created."""
    # argon2 is slow on purpose: hash once and share the hash among the demo accounts.
    password_hash: str | None = None
    by_role: dict[Role, list[User]] = {role: [] for role in Role}
    created = 0
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
                try:
                    user = await User.create(
                        email=data.email,
                        username=data.username,
                        password_hash=password_hash,
                        role=role,
                    )
                except BaseORMException as exc:
                    raise SeedFailed(
                        "user", n, f"cannot create {username} ({role.value}): {exc}"
                    ) from exc
                created += 1
            by_role[role].append(user)
            advance(1)
    return DemoUsers(by_role), created


_POST_NUMBER = re.compile(r" #(\d+)$")
_REQUEST_NUMBER = re.compile(r"^Request (\d+): ")


async def _seed_blogs(plan: Plan, users: DemoUsers, settings: Settings, advance: Progress) -> int:
    from blog_api.blogs import service as blogs_service
    from blog_api.blogs.models import Blog
    from blog_api.blogs.schemas import BlogCreate

    async def make(n: int) -> None:
        rng = plan.rng("blog", n)
        author = rng.choice(users.authors)
        title = f"{_sentence(rng, rng.randint(2, 6))} #{n}"
        paragraphs = [_sentence(rng, rng.randint(12, 40)) + "." for _ in range(rng.randint(1, 4))]
        data = BlogCreate(
            title=title,
            content="\n\n".join(paragraphs),
            tags=rng.sample(WORDS, rng.randint(0, 3)),
            image_ids=[],
        )
        fate = rng.random()
        reviewer = users.pick(Role.l1_approver, rng)
        result = await blogs_service.create_blog(data, author=author, media_url=settings.media_url)
        blog = result.blog
        assert blog is not None  # no idempotency key, so never a replay
        if fate < 0.6:
            await blogs_service.approve_blog(blog, reviewer=reviewer)
        elif fate < 0.75:
            await blogs_service.reject_blog(
                blog, reviewer=reviewer, reason="Demo rejection: please add an example."
            )

    titles = await Blog.filter(author__email__endswith=f"@{DEMO_DOMAIN}").values_list(
        "title", flat=True
    )
    existing = _numbers(titles, _POST_NUMBER)  # type: ignore[arg-type]
    return await seed_items("blog post", plan.blogs, existing=existing, make=make, advance=advance)


async def _seed_feature_requests(
    plan: Plan, users: DemoUsers, settings: Settings, advance: Progress
) -> int:
    from blog_api.feature_requests import service as fr_service
    from blog_api.feature_requests.models import FeatureRequest
    from blog_api.feature_requests.schemas import FeatureRequestCreate

    everyone = [u for group in users.by_role.values() for u in group]

    async def make(n: int) -> None:
        rng = plan.rng("feature_request", n)
        author = rng.choice(everyone)
        # The number keeps titles apart: the service refuses near-duplicates by one author.
        data = FeatureRequestCreate(
            title=f"Request {n}: {_sentence(rng, rng.randint(2, 5))}",
            description=_sentence(rng, rng.randint(8, 30)) + ".",
        )
        voters = rng.sample(everyone, rng.randint(0, min(5, len(everyone))))
        fr = await fr_service.create_request(data, author=author)
        for voter in voters:
            fr = await fr_service.vote(fr, user=voter)

    titles = await FeatureRequest.filter(author__email__endswith=f"@{DEMO_DOMAIN}").values_list(
        "title", flat=True
    )
    existing = _numbers(titles, _REQUEST_NUMBER)  # type: ignore[arg-type]
    return await seed_items(
        "feature request", plan.feature_requests, existing=existing, make=make, advance=advance
    )


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
