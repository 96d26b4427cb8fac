"""`ranks serve` and `ranks check --deploy` as an operator runs them, in subprocesses with the
environment of a production server behind a TLS proxy (docs/deploy.md). Each uses a database file
of its own, whatever DATABASE_URL the tests run on: run once, on the SQLite pass."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ranks.web.management.commands.serve import gunicorn_argv
from ranks.web.staticfiles import hashed_name

pytestmark = pytest.mark.pure

RANKS = str(Path(sys.executable).with_name("ranks"))
HTTPS = {"X-Forwarded-Proto": "https"}


def production_env(tmp_path: Path, **more: str) -> dict[str, str]:
    # Not the tests' own settings (conftest allows async-unsafe calls for Playwright).
    skip = ("RANKS_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PW_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return env | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ranks.sqlite3'}",
        "RANKS_VAR_DIR": str(tmp_path),
        "RANKS_DEBUG": "0",
        "RANKS_TLS": "1",
        "RANKS_SECRET_KEY": secrets.token_urlsafe(50),
        "RANKS_ALLOWED_HOSTS": "127.0.0.1,ranks.example.org",
        **more,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def wait_until_listening(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start listening")


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    done = subprocess.run(
        [RANKS, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_check_deploy_warns_without_tls(tmp_path):
    """Served over plain http, the deploy check says what TLS would bring."""
    done = subprocess.run(
        [RANKS, "check", "--deploy"],
        env=production_env(tmp_path, RANKS_TLS="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = done.stdout + done.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in said, said


def test_gunicorn_is_run_with_the_settings_workers_and_threads():
    argv = gunicorn_argv(
        bind="127.0.0.1:9000,unix:/run/ranks.sock", workers=3, threads=8, timeout=60
    )
    assert argv[1:4] == ["-m", "gunicorn", "ranks.wsgi:application"]
    line = " ".join(argv)
    assert "--bind 127.0.0.1:9000 --bind unix:/run/ranks.sock" in line
    assert "--workers 3 --threads 8 --timeout 60" in line


def test_ranks_serve_answers_health_static_files_and_signs_in_over_tls(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path, RANKS_BIND=f"127.0.0.1:{port}", RANKS_WEB_WORKERS="2", RANKS_WEB_THREADS="2"
    )
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [RANKS, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    try:
        wait_until_listening(port, server)
        # Liveness over plain http too (a probe on the machine, not through the proxy).
        status, headers, body = fetch(port, "/healthz")
        assert (status, body) == (200, b"ok")
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        # Through the proxy, browsers are told to keep to https.
        status, headers, _ = fetch(port, "/healthz", HTTPS)
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        # Not ready before the database is migrated; ready once it is, without a restart.
        status, _, body = fetch(port, "/readyz")
        assert status == 503 and b"not applied" in body
        migrate = subprocess.run([RANKS, "migrate", "-v", "0"], env=env, timeout=300)
        assert migrate.returncode == 0
        status, _, body = fetch(port, "/readyz")
        assert (status, body) == (200, b'{"status": "ready"}')
        # A static file under its hashed name, compressed, cached for good.
        css = "/static/" + hashed_name("ranks/site.css")
        assert re.search(r"site\.[0-9a-f]{12}\.css$", css)
        status, headers, body = fetch(port, css, HTTPS | {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]
        assert headers["Content-Encoding"] == "gzip" and b"body" in gzip.decompress(body)
        # A page asked over plain http is sent to https.
        status, headers, _ = fetch(port, "/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        # Signing in over https: both cookies secure, the session for a working day.
        status, headers, body = fetch(port, "/accounts/login/", HTTPS)
        assert status == 200
        csrf_cookie = headers["Set-Cookie"]
        assert "Secure" in csrf_cookie
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        csrf = csrf_cookie.split(";")[0]
        create = subprocess.run(
            [RANKS, "createsuperuser", "--no-input", "--username", "op", "--email", "op@x.vn"],
            env=env | {"DJANGO_SUPERUSER_PASSWORD": "a long enough password"},
            timeout=120,
        )
        assert create.returncode == 0
        form = f"csrfmiddlewaretoken={token}&username=op&password=a+long+enough+password"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers=HTTPS
            | {
                "Cookie": csrf,
                "Origin": f"https://127.0.0.1:{port}",
                "Referer": f"https://127.0.0.1:{port}/accounts/login/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 302, response.status
        session = next(c for c in response.headers.get_all("Set-Cookie") if "sessionid" in c)
        assert "Secure" in session and "HttpOnly" in session and "Max-Age=28800" in session
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
    text = log.read_text()
    assert server.returncode == 0, text
    # The workers of RANKS_WEB_WORKERS, threaded.
    assert text.count("Booting worker") == 2 and "gthread" in text, text
