"""Specs over HTTP, against a real server on 127.0.0.1 (http.server in a thread, port 0).

What must hold (DESIGN.md §9): a URL named on the command line is fetched; a remote `$ref` is not
followed, and nothing is requested, unless `--allow-remote` is given; a failing URL is a finding,
never a traceback; a response over the size cap is refused.

The fetcher refuses loopback addresses unless allowed (remote.py's docstring), and the server here
is on 127.0.0.1: tests that need it reached use `loopback_allowed`, which builds the CLI's fetcher
with 127.0.0.1 on the allow-list, as the `remote-allow-hosts` setting does.
"""

from __future__ import annotations

import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from machaudit.sources import remote
from machaudit.sources.documents import DocumentError, Limits
from tests.conftest import Run, run_cli

SPEC = """\
openapi: 3.0.3
info:
  title: Served API
  version: "1.0"
paths:
  /pets:
    get:
      responses:
        "200": {description: the pets}
    post:
      responses:
        "201": {description: created}
"""
FRAGMENT = """\
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
"""
SMALL_LIMIT = 1000
BIG = "openapi: 3.0.3\ninfo: {title: Big, version: '1.0'}\npaths: {}\nx-padding: '" + "x" * (5 * SMALL_LIMIT) + "'\n"

ROUTES = {"/spec.yaml": SPEC, "/fragment.yaml": FRAGMENT, "/big.yaml": BIG}
REDIRECTS = {"/moved.yaml": "/spec.yaml", "/to-file.yaml": "file:///etc/passwd", "/loop.yaml": "/loop.yaml"}


class _Server:
    def __init__(self):
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path in REDIRECTS:
                    self.send_response(302)
                    self.send_header("Location", REDIRECTS[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = ROUTES.get(self.path)
                if body is None:
                    self.send_error(404, "not here")
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/yaml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fetched(self, path: str) -> bool:
        return any(r.split("?")[0] == path for r in self.requests)


@pytest.fixture(scope="module")
def http_server():
    server = _Server()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(http_server):
    http_server.requests.clear()
    http_server.headers.clear()
    return http_server


@pytest.fixture
def loopback_allowed(monkeypatch):
    real = remote.make_fetcher

    def with_loopback(limits=Limits(), **options):
        allowed = tuple(options.pop("allow_hosts", ())) + ("127.0.0.1",)
        return real(limits, allow_hosts=allowed, **options)

    monkeypatch.setattr(remote, "make_fetcher", with_loopback)


def audit(*args: str) -> Run:
    return run_cli("audit", *args, "-f", "json", "--fail-on", "never")


def assert_ran_cleanly(run: Run) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    assert "internal error" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1), f"exit {run.exit_code}: {run.stderr}"
    run.report


def describe(run: Run) -> str:
    return "\n".join(f"  {f['check']} {f['subject']}: {f['message']} @ {f['location']}" for f in run.report["findings"]) or "  (no findings)"


def spec_entry(run: Run, file: str) -> dict | None:
    return next((s for s in run.report["specs"] if s["file"] == file or Path(s["file"]).name == file), None)


def local_spec_with_remote_ref(folder: Path, ref: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pets.yaml"
    path.write_text(textwrap.dedent(f"""\
        openapi: 3.0.3
        info: {{title: Pets, version: "1.0"}}
        paths:
          /pets:
            get:
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        $ref: "{ref}"
        """), encoding="utf-8")
    return path


REF_LINE = 12


def test_spec_url_is_audited(loopback_allowed, server):
    url = server.url("/spec.yaml")
    run = audit(url)
    assert_ran_cleanly(run)
    entry = spec_entry(run, url)
    assert entry is not None, run.report["specs"]
    assert entry["title"] == "Served API"
    assert entry["operations"] == 2
    assert entry["valid"] is True, describe(run)
    assert not run.findings("SPC002"), describe(run)
    assert server.requests == ["/spec.yaml"]


def test_remote_ref_is_spc003_and_not_requested_without_allow_remote(server, tmp_path):
    local_spec_with_remote_ref(tmp_path / "api", server.url("/fragment.yaml") + "#/components/schemas/Pet")
    run = audit(str(tmp_path / "api"))
    assert_ran_cleanly(run)
    problems = [f for f in run.findings("SPC003") if Path(f["location"]["file"]).name == "pets.yaml"]
    assert problems, describe(run)
    assert problems[0]["location"]["line"] == REF_LINE
    assert "--allow-remote" in problems[0]["message"], problems[0]["message"]
    assert server.requests == [], f"the server was asked for {server.requests}"
    entry = spec_entry(run, "pets.yaml")
    assert entry is not None and entry["operations"] == 1


def test_remote_ref_resolves_with_allow_remote(loopback_allowed, server, tmp_path):
    local_spec_with_remote_ref(tmp_path / "api", server.url("/fragment.yaml") + "#/components/schemas/Pet")
    run = audit(str(tmp_path / "api"), "--allow-remote")
    assert_ran_cleanly(run)
    assert not run.findings("SPC003"), describe(run)
    assert not run.findings("SPC002"), describe(run)
    assert server.fetched("/fragment.yaml")
    entry = spec_entry(run, "pets.yaml")
    assert entry is not None and entry["operations"] == 1 and entry["valid"] is True, (entry, describe(run))


def test_missing_spec_url_is_a_finding(loopback_allowed, server):
    url = server.url("/missing.yaml")
    run = audit(url)
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC002") if f["location"] and f["location"]["file"] == url]
    assert found, describe(run)
    assert "404" in found[0]["message"], found[0]["message"]


def test_missing_remote_ref_target_is_spc003(loopback_allowed, server, tmp_path):
    local_spec_with_remote_ref(tmp_path / "api", server.url("/gone.yaml") + "#/components/schemas/Pet")
    run = audit(str(tmp_path / "api"), "--allow-remote")
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC003") if Path(f["location"]["file"]).name == "pets.yaml"]
    assert found, describe(run)
    assert "404" in found[0]["message"], found[0]["message"]
    assert found[0]["location"]["line"] == REF_LINE


def test_unreachable_host_is_a_finding(loopback_allowed, tmp_path):
    # A port nothing listens on: connection refused, reported, no traceback.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/spec.yaml"
    run = audit(url)
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC002") if f["location"] and f["location"]["file"] == url]
    assert found, describe(run)


def test_response_over_the_size_limit_is_refused_by_the_fetcher(server):
    fetch = remote.make_fetcher(Limits(max_bytes=SMALL_LIMIT), allow_hosts=("127.0.0.1",))
    with pytest.raises(DocumentError, match="limit"):
        fetch(server.url("/big.yaml"))
    assert fetch(server.url("/spec.yaml")) == SPEC  # a response under the cap comes through whole


def test_response_over_the_size_limit_is_a_finding(server, monkeypatch):
    # The CLI has no option to lower the 64 MiB cap, so the fetcher it builds is given a small one;
    # everything else (fetching, refusal, the finding) is the real path.
    real = remote.make_fetcher
    monkeypatch.setattr(remote, "make_fetcher", lambda limits=Limits(), **_: real(Limits(max_bytes=SMALL_LIMIT), allow_hosts=("127.0.0.1",)))
    url = server.url("/big.yaml")
    run = audit(url, server.url("/spec.yaml"))
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC002") if f["location"] and f["location"]["file"] == url]
    assert found, describe(run)
    assert "limit" in found[0]["message"].lower(), found[0]["message"]
    entry = spec_entry(run, server.url("/spec.yaml"))
    assert entry is not None and entry["operations"] == 2


def test_redirect_is_followed(loopback_allowed, server):
    run = audit(server.url("/moved.yaml"))
    assert_ran_cleanly(run)
    assert server.requests == ["/moved.yaml", "/spec.yaml"]
    assert [s["operations"] for s in run.report["specs"]] == [2]


@pytest.mark.parametrize("path", ["/to-file.yaml", "/loop.yaml"], ids=["redirect-to-file-scheme", "redirect-loop"])
def test_bad_redirect_is_a_finding(loopback_allowed, server, path):
    url = server.url(path)
    run = audit(url)
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC002") if f["location"] and f["location"]["file"] == url]
    assert found, describe(run)
    assert "root:" not in run.stdout  # /etc/passwd was not read
    assert len(server.requests) <= 6  # redirects are capped


def test_no_credentials_or_proxy_from_the_environment(loopback_allowed, server, tmp_path):
    # A .netrc entry for the host and a proxy setting must not leak into requests to spec hosts.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n", encoding="utf-8")
    netrc.chmod(0o600)
    env = {"NETRC": str(netrc), "HOME": str(tmp_path), "HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
           "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""}
    run = run_cli("audit", server.url("/spec.yaml"), "-f", "json", "--fail-on", "never", env=env)
    assert_ran_cleanly(run)
    assert server.requests == ["/spec.yaml"], "the request did not reach the server directly (proxy used?)"
    assert "authorization" not in server.headers[0], server.headers[0]
    assert [s["operations"] for s in run.report["specs"]] == [2]
