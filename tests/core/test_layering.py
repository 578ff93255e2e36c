"""Core knows no domain: nothing under `blog_api/core` imports a domain package.

Domains depend on core (settings, errors, pagination, rate limits), never the other way round;
a core module that needs something per domain (the per-user rate-limit key) takes it as an
argument from the domain. Imports are read with `ast`, so an import inside a function or under
`TYPE_CHECKING` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import blog_api

PACKAGE_ROOT = Path(blog_api.__file__).parent
CORE = PACKAGE_ROOT / "core"
DOMAINS = frozenset(
    {
        "accounts",
        "auth",
        "blogs",
        "comments",
        "realtime",
        "users",
        "drafts",
        "feature_requests",
        "mail",
        "feeds",
        "media",
        "webhooks",
        "ops",
    }
)


def _imported_modules(source: str, package: str) -> set[str]:
    """Absolute module names imported by `source`, a module of `package` (relative resolved)."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            # `from blog_api import auth` imports a domain package too.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _package_of(path: Path) -> str:
    """`blog_api/core/x.py` -> `blog_api.core` (the package relative imports start from)."""
    return ".".join(path.relative_to(PACKAGE_ROOT.parent).parts[:-1])


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "blog_api" and parts[1] in DOMAINS:
        return parts[1]
    return None


def test_every_domain_package_is_listed() -> None:
    """A new top-level package is either core or a domain this test knows about."""
    packages = {p.name for p in PACKAGE_ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"core"} == DOMAINS


def test_core_imports_no_domain_module() -> None:
    """No module under blog_api/core imports blog_api.auth, blogs, comments, ... ."""
    offenders = [
        f"{path.relative_to(PACKAGE_ROOT.parent)} imports {module}"
        for path in sorted(CORE.rglob("*.py"))
        for module in sorted(_imported_modules(path.read_text(encoding="utf-8"), _package_of(path)))
        if _domain_of(module)
    ]
    assert offenders == []


def test_the_import_reader_sees_a_domain_import() -> None:
    """The check above would catch an absolute, a relative and a function-level import."""
    source = (
        "from blog_api.auth.dependencies import CurrentUser\n"
        "def f():\n    from ..users import models\n"
        "from blog_api import blogs\n"
        "from . import config\n"
    )
    domains = {_domain_of(m) for m in _imported_modules(source, "blog_api.core")} - {None}
    assert domains == {"auth", "users", "blogs"}
