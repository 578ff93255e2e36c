"""Static checks of the deployment files.

These catch a broken file in seconds; the image and deploy/compose.yaml are proven for real by
scripts/deploy-smoke (the last stage of ./scripts/test, docs/deploy.md). There is no Kubernetes
cluster here, so the manifests are parsed as YAML and checked for the properties we rely on
(non-root, probes, migrations as a separate step, no secret values). The Caddyfile is checked by
Caddy itself (`caddy validate` / `caddy adapt`); the e2e tests run it for real.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import CaddyMissing, caddy_binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"


def _k8s_docs() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def _k8s(kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [
        d
        for d in _k8s_docs()
        if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


# --- Dockerfile -------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_and_runtime_copies_from_build() -> None:
    instructions = _dockerfile_instructions()
    stages = [rest for kw, rest in instructions if kw == "FROM"]
    assert len(stages) >= 2
    assert any(kw == "COPY" and rest.startswith("--from=build") for kw, rest in instructions)


def test_dockerfile_final_user_is_not_root() -> None:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    users = [rest for kw, rest in instructions[last_from:] if kw == "USER"]
    assert users, "the runtime stage must switch to an unprivileged USER"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_healthcheck_probes_readiness_with_python() -> None:
    # /readyz: 503 without the database turns the container unhealthy; /healthz never would.
    checks = [rest for kw, rest in _dockerfile_instructions() if kw == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "urllib.request" in checks[0] and "/readyz" in checks[0]


def test_dockerfile_builds_without_buildkit_or_a_frontend_image() -> None:
    # No registry may be reachable: no `# syntax=` frontend to pull, nothing only BuildKit knows.
    text = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I)
    for kw, rest in _dockerfile_instructions():
        assert not (kw in ("COPY", "ADD") and "--chmod" in rest), rest
        assert not (kw == "RUN" and rest.startswith("--")), rest


def test_dockerfile_bakes_in_no_secret_values() -> None:
    for kw, rest in _dockerfile_instructions():
        if kw in ("ENV", "ARG"):
            assert not re.search(
                r"\b(SECRET_KEY|DATABASE_URL|REDIS_URL|PASSWORD)\w*\s*=", rest, re.I
            ), rest


def test_dockerfile_serves_with_workers_and_does_not_migrate_on_start() -> None:
    cmds = [rest for kw, rest in _dockerfile_instructions() if kw == "CMD"]
    assert len(cmds) == 1
    cmd = " ".join(json.loads(cmds[0]))
    assert "blog-api serve" in cmd and "--workers ${WORKERS}" in cmd
    assert "migrate" not in cmd


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    # Deny everything, then allow only what the image needs.
    assert "*" in lines
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed <= {
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "blog_api",
        "aerich_migrations",
        "deploy/docker-entrypoint.sh",
    }


# --- entry point: *_FILE secrets ----------------------------------------------------------------


def _entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DEPLOY / "docker-entrypoint.sh"), "env"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_entrypoint_reads_secret_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("s3cr3t-value-from-a-file\n")
    result = _entrypoint({"SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY=s3cr3t-value-from-a-file\n" in result.stdout
    assert "SECRET_KEY_FILE" not in result.stdout


def test_entrypoint_reads_the_smtp_password_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "smtp_password"
    secret.write_text("mail-pass\n")
    result = _entrypoint({"SMTP_PASSWORD_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert "SMTP_PASSWORD=mail-pass\n" in result.stdout


def test_entrypoint_refuses_both_value_and_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("x")
    result = _entrypoint({"SECRET_KEY_FILE": str(secret), "SECRET_KEY": "y"})
    assert result.returncode != 0
    assert "both SECRET_KEY and SECRET_KEY_FILE" in result.stderr


def test_entrypoint_reports_missing_secret_file(tmp_path: Path) -> None:
    result = _entrypoint({"DATABASE_URL_FILE": str(tmp_path / "nope")})
    assert result.returncode != 0
    assert "DATABASE_URL_FILE" in result.stderr and "not a readable file" in result.stderr


def test_make_deploy_secrets_creates_private_consistent_files(tmp_path: Path) -> None:
    target = tmp_path / "secrets"
    result = subprocess.run(
        [str(ROOT / "scripts" / "make-deploy-secrets")],
        env={**os.environ, "DIR": str(target)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    password = (target / "postgres_password").read_text().strip()
    assert len((target / "secret_key").read_text().strip()) >= 32
    assert (target / "database_url").read_text().strip() == (
        f"postgres://blog:{password}@postgres:5432/blog"
    )
    # Each file: group of the one container user that reads it, 0640; the folder is 0700.
    groups = {"secret_key": 10001, "database_url": 10001, "redis_url": 10001}
    groups |= {"postgres_password": 999, "redis_acl": 999}
    for name, gid in groups.items():
        info = (target / name).stat()
        assert (info.st_gid, info.st_mode & 0o777) == (gid, 0o640), name
    assert target.stat().st_mode & 0o777 == 0o700


def test_make_deploy_secrets_gives_redis_the_hash_of_the_apps_password(tmp_path: Path) -> None:
    target = tmp_path / "secrets"
    env = {**os.environ, "DIR": str(target)}
    script = str(ROOT / "scripts" / "make-deploy-secrets")
    result = subprocess.run([script], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    url = (target / "redis_url").read_text().strip()
    match = re.fullmatch(r"redis://default:([A-Za-z0-9_-]{40,})@redis:6379/0", url)
    assert match, url
    digest = hashlib.sha256(match.group(1).encode()).hexdigest()
    assert (target / "redis_acl").read_text() == f"user default on #{digest} ~* &* +@all\n"


# --- compose ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_the_whole_stack(compose: dict[str, Any]) -> None:
    assert {"caddy", "app1", "app2", "migrate", "postgres", "redis"} <= set(compose["services"])


def test_compose_migrates_once_before_the_apps_start(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["blog-api", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("app1", "app2"):
        assert "command" not in services[name]
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_compose_takes_secrets_from_docker_secrets_not_values(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        for key, value in env.items():
            if re.search(r"SECRET|PASSWORD|DATABASE_URL|REDIS_URL", key):
                assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), (
                    f"{name}.{key} must come from a Docker secret"
                )
    assert set(compose["secrets"]) == {
        "secret_key",
        "database_url",
        "postgres_password",
        "redis_url",
        "redis_acl",
    }


def test_compose_redis_needs_a_password_from_a_secret(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--aclfile") + 1] == "/run/secrets/redis_acl"
    assert redis["secrets"] == ["redis_acl"]
    assert compose["services"]["app1"]["environment"]["REDIS_URL_FILE"] == "/run/secrets/redis_url"


def test_compose_keeps_data_services_private(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis", "app1", "app2", "migrate"):
        assert "ports" not in services[name], f"{name} must not publish ports"
        assert services[name]["networks"] == ["backend"]
    assert compose["networks"]["backend"]["internal"] is True
    caddy_ip = services["caddy"]["networks"]["backend"]["ipv4_address"]
    assert services["app1"]["environment"]["TRUSTED_PROXIES"] == caddy_ip


def test_compose_caddy_uses_the_top_level_caddyfile(compose: dict[str, Any]) -> None:
    volumes = compose["services"]["caddy"]["volumes"]
    assert "../Caddyfile:/etc/caddy/Caddyfile:ro" in volumes
    assert compose["services"]["caddy"]["environment"]["UPSTREAMS"] == "app1:8000 app2:8000"


# --- Kubernetes -------------------------------------------------------------------------------


def test_k8s_manifests_parse_and_are_namespaced() -> None:
    docs = _k8s_docs()
    assert {d["kind"] for d in docs} >= {
        "Deployment",
        "Service",
        "Ingress",
        "Job",
        "Secret",
        "ConfigMap",
    }
    for doc in docs:
        if doc["kind"] not in ("Namespace", "Kustomization"):
            assert doc["metadata"]["namespace"] == "blog-api", doc["metadata"]["name"]


def test_k8s_deployment_probes_and_graceful_shutdown() -> None:
    spec = _k8s("Deployment", "blog-api")["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # Longer than Uvicorn's 8 s graceful timeout plus the preStop sleep.
    assert spec["terminationGracePeriodSeconds"] >= 8 + 5
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert "migrate" not in " ".join(container["args"])


def test_k8s_migration_is_a_job() -> None:
    job = _k8s("Job", "blog-api-migrate")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["blog-api", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_k8s_secret_example_holds_placeholders_only() -> None:
    secret = _k8s("Secret", "blog-api-secrets")
    for key, value in secret["stringData"].items():
        assert "<" in value and ">" in value, f"{key} must be a placeholder"


def test_k8s_ingress_allows_long_lived_streams() -> None:
    annotations = _k8s("Ingress", "blog-api")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 300


# --- Caddyfile, checked by Caddy --------------------------------------------------------------


@pytest.fixture(scope="module")
def caddy() -> str:
    try:
        return caddy_binary()
    except CaddyMissing as exc:
        pytest.skip(str(exc))


def _adapt(caddy: str, config: Path, tmp_path: Path, **env: str) -> dict[str, Any]:
    result = subprocess.run(
        [caddy, "adapt", "--config", str(config), "--adapter", "caddyfile"],
        cwd=config.parent,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _routes(config: dict[str, Any]) -> str:
    return json.dumps(config["apps"]["http"]["servers"])


def test_caddyfile_validates(caddy: str, tmp_path: Path) -> None:
    for config in (ROOT / "Caddyfile", DEPLOY / "Caddyfile"):
        result = subprocess.run(
            [caddy, "validate", "--config", str(config), "--adapter", "caddyfile"],
            cwd=config.parent,
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOMAIN": "blog.example.com"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Valid configuration" in result.stdout + result.stderr


def test_deploy_caddyfile_is_the_top_level_one(caddy: str, tmp_path: Path) -> None:
    env = {"DOMAIN": "blog.example.com", "UPSTREAMS": "a:8000 b:8000"}
    assert _adapt(caddy, DEPLOY / "Caddyfile", tmp_path, **env) == _adapt(
        caddy, ROOT / "Caddyfile", tmp_path, **env
    )


def test_caddyfile_takes_domain_and_upstreams_from_environment(caddy: str, tmp_path: Path) -> None:
    config = _adapt(
        caddy, ROOT / "Caddyfile", tmp_path, DOMAIN="blog.example.com", UPSTREAMS="a:1 b:2"
    )
    routes = _routes(config)
    assert '"host": ["blog.example.com"]' in routes
    assert '{"dial": "a:1"}, {"dial": "b:2"}' in routes


def test_caddyfile_proxy_streams_unbuffered_with_health_checks(caddy: str, tmp_path: Path) -> None:
    config = _adapt(caddy, ROOT / "Caddyfile", tmp_path, DOMAIN="blog.example.com")
    routes = _routes(config)
    assert '"flush_interval": -1' in routes
    assert '"uri": "/readyz"' in routes
    assert '"fail_duration"' in routes
    assert '"selection_policy"' in routes


def test_caddyfile_never_compresses_event_streams(caddy: str, tmp_path: Path) -> None:
    config = _adapt(caddy, ROOT / "Caddyfile", tmp_path, DOMAIN="blog.example.com")
    match = re.search(r'"handler": "encode", "match": (\{.*?\]\}\})', _routes(config))
    assert match, "encode must have an explicit content-type match list"
    types = json.loads(match.group(1))["headers"]["Content-Type"]
    assert "application/json*" in types
    assert not any("event-stream" in t or t in ("*", "text/*") for t in types)


def test_caddyfile_serves_media_from_disk(caddy: str, tmp_path: Path) -> None:
    config = _adapt(
        caddy, ROOT / "Caddyfile", tmp_path, DOMAIN="blog.example.com", MEDIA_ROOT="/srv/m"
    )
    routes = _routes(config)
    assert '"path": ["/media/*"]' in routes
    assert '"root": "/srv/m"' in routes and '"handler": "file_server"' in routes


def test_caddyfile_serves_the_reference_spa_with_its_own_csp(caddy: str, tmp_path: Path) -> None:
    config = _adapt(
        caddy, ROOT / "Caddyfile", tmp_path, DOMAIN="blog.example.com", SPA_ROOT="/srv/the-spa"
    )
    routes = _routes(config)
    assert '"path": ["/demo/*"]' in routes
    assert '"root": "/srv/the-spa"' in routes
    assert "script-src 'self'" in routes and "connect-src 'self'" in routes


def test_compose_mounts_the_reference_spa_for_caddy(compose: dict[str, Any]) -> None:
    caddy_service = compose["services"]["caddy"]
    assert "../examples/spa:/srv/spa:ro" in caddy_service["volumes"]
    assert caddy_service["environment"]["SPA_ROOT"] == "/srv/spa"
    assert (ROOT / "examples" / "spa" / "index.html").is_file()
