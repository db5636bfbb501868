"""Specs over HTTP, against a real server on 127.0.0.1 (http.server in a thread, port 0).

What must hold (DESIGN.md §9): a URL named on the command line is fetched; a remote `$ref` is not
followed, and nothing is requested, unless `--allow-remote` is given; a failing URL is a finding,
never a traceback; a response over the size cap is refused.

The fetcher refuses loopback addresses unless allowed (remote.py's docstring), and the server here
is on 127.0.0.1: tests that need it reached use `loopback_allowed`, which builds the CLI's fetcher
with 127.0.0.1 on the allow-list, as the `remote-allow-hosts` setting does.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from machaudit.sources import remote
from machaudit.sources.documents import DocumentError
from machaudit.limits import Limits
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
REDIRECTS = {"/moved.yaml": "/spec.yaml", "/to-file.yaml": "file:///etc/passwd", "/loop.yaml": "/loop.yaml",
             # From the allowed server to places that must stay out of reach ({port}: this server's).
             "/to-metadata.yaml": "http://169.254.169.254/latest/meta-data/",
             "/to-localhost.yaml": "http://localhost:{port}/spec.yaml",
             "/to-internal.yaml": "http://internal.example:8080/spec.yaml",
             "/to-decimal.yaml": "http://2130706434:{port}/spec.yaml",
             "/to-userinfo.yaml": "http://admin:hunter2@127.0.0.1:{port}/spec.yaml"}
DRIP_SECONDS = 10.0  # how long /drip.yaml keeps sending, a byte at a time: far beyond any test deadline
SLOW_HOP_SECONDS = 0.3  # how long each /slow-N.yaml waits before redirecting to the next


class _Server:
    def __init__(self):
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path == "/drip.yaml":
                    self.drip()
                    return
                if self.path.startswith("/slow-"):
                    time.sleep(SLOW_HOP_SECONDS)
                    hop = int(self.path[len("/slow-"):-len(".yaml")])
                    REDIRECTS[self.path] = "/spec.yaml" if hop >= 3 else f"/slow-{hop + 1}.yaml"
                if self.path in REDIRECTS:
                    self.send_response(302)
                    self.send_header("Location", REDIRECTS[self.path].replace("{port}", str(server.port)))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = ROUTES.get(self.path)
                if body is None:
                    self.send_error(404, "not here")
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                if self.path == "/spec.yaml":
                    self.send_header("Set-Cookie", "session=s3cret-session; Path=/")
                self.send_header("Content-Type", "application/yaml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def drip(self):
                # Headers at once, then the body a byte every 20 ms: every read returns quickly,
                # so only a deadline on the whole fetch stops it.
                self.send_response(200)
                self.send_header("Content-Type", "application/yaml")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                ends = time.monotonic() + DRIP_SECONDS
                try:
                    while time.monotonic() < ends:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.02)
                except OSError:
                    pass  # the client hung up

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


def test_remote_ref_is_an_spc003_evidence_gap_and_not_requested_without_allow_remote(server, tmp_path):
    local_spec_with_remote_ref(tmp_path / "api", server.url("/fragment.yaml") + "#/components/schemas/Pet")
    run = audit(str(tmp_path / "api"))
    assert_ran_cleanly(run)
    assert not run.findings("SPC003"), describe(run)
    gaps = [g for g in run.report["evidence_gaps"] if g["check"] == "SPC003"]
    assert [(Path(g["location"]["file"]).name, g["location"]["line"], g["severity"]) for g in gaps] == \
        [("pets.yaml", REF_LINE, "info")]
    assert gaps[0]["message"].startswith(f"not checked: remote reference {server.url('/fragment.yaml')} (1 $ref), "
                                         "fetching is off (--allow-remote"), gaps[0]["message"]
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


# -- what the fetcher refuses to reach (remote.py's docstring) -----------------------------------


class StubResolver:
    """Stands in for socket.getaddrinfo: names from a table, every question recorded."""

    def __init__(self, table: dict[str, list[str]] | None = None):
        self.table = table or {}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "not in the test's table")
        return self.table[host]


@pytest.fixture
def connections(monkeypatch):
    """Every connection the fetcher opens, as (address, port). Only the test server's address is
    really connected to; any other attempt is recorded and fails, so no traffic leaves the host."""
    import httpcore

    seen: list[tuple[str, int]] = []
    real = remote._connect

    def watched(address, port, timeout):
        seen.append((address, port))
        if address != "127.0.0.1":
            raise httpcore.ConnectError(f"the test does not connect to {address}")
        return real(address, port, timeout)

    monkeypatch.setattr(remote, "_connect", watched)
    return seen


def refusal(fetch, url: str) -> str:
    with pytest.raises(DocumentError) as caught:
        fetch(url)
    message = caught.value.message
    assert "\n" not in message and "Traceback" not in message, message
    return message


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.200.0.9", "loopback"), ("10.0.0.1", "private"), ("172.16.5.4", "private"),
    ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"), ("100.64.0.1", "not a globally routable"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("fd12:3456::1", "private"), ("ff02::1", "multicast"),
    ("::", "unspecified"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a00:1", "private"), ("2002:7f00:1::", "loopback"),
])
def test_each_inside_address_class_is_refused_before_connecting(connections, address, kind):
    resolver = StubResolver({"specs.example.com": [address]})
    fetch = remote.make_fetcher(resolve=resolver)
    message = refusal(fetch, "http://specs.example.com/api.yaml")
    assert message.startswith("http://specs.example.com/api.yaml: not fetched:"), message
    assert f"resolves to {ipaddress.ip_address(address)}" in message and kind in message, message
    assert "remote-allow-hosts" in message, message
    assert connections == [], f"connected to {connections}"
    assert resolver.asked == ["specs.example.com"]


def test_public_address_is_connected_to_as_checked_with_one_lookup(connections):
    # The connection goes to the address that was checked, not to the name looked up again
    # (the hook refuses to really connect: nothing leaves this host).
    resolver = StubResolver({"specs.example.com": ["8.8.8.8"], "secure.example.com": ["2606:4700::1111"]})
    fetch = remote.make_fetcher(resolve=resolver)
    assert "cannot fetch" in refusal(fetch, "http://specs.example.com/api.yaml")
    assert "cannot fetch" in refusal(fetch, "https://secure.example.com:8443/api.yaml")
    assert connections == [("8.8.8.8", 80), ("2606:4700::1111", 8443)]
    assert resolver.asked == ["specs.example.com", "secure.example.com"]


def test_a_name_with_any_inside_address_is_refused(connections):
    # A name resolving to a public and an inside address is refused whole: were the public one
    # unreachable, a client falling back to the next address would land inside.
    fetch = remote.make_fetcher(resolve=StubResolver({"mixed.example.com": ["8.8.8.8", "10.0.0.1"]}))
    message = refusal(fetch, "http://mixed.example.com/api.yaml")
    assert "10.0.0.1" in message and "private" in message, message
    assert connections == []


@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "loopback"), ("2130706433", "loopback"), ("0x7f.1", "loopback"), ("017700000001", "loopback"),
    ("127.1", "loopback"), ("0177.0.0.1", "loopback"), ("0x7f000001", "loopback"), ("127.0.0.1.", "loopback"),
    ("0", "unspecified"), ("0.0.0.0", "unspecified"), ("[::1]", "loopback"), ("[::ffff:127.0.0.1]", "loopback"),
    ("[::ffff:7f00:1]", "loopback"),
])
def test_numeric_forms_of_the_server_address_are_refused(server, connections, host, kind):
    # Each form names the running test server (127.0.0.1 on its port): unrefused, it would answer.
    resolver = StubResolver()
    fetch = remote.make_fetcher(resolve=resolver)
    url = f"http://{host}:{server.port}/spec.yaml"
    message = refusal(fetch, url)
    assert message.startswith(f"{url}: not fetched:") and kind in message, message
    assert connections == [] and server.requests == []
    assert resolver.asked == [], "a numeric host was looked up as a name"


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "08.0.0.1", "1.2.3.0x100", "1..2.3"])
def test_a_host_that_looks_numeric_but_is_no_address_is_refused_not_looked_up(connections, host):
    resolver = StubResolver()
    message = refusal(remote.make_fetcher(resolve=resolver), f"http://{host}/api.yaml")
    assert "not a valid" in message, message
    assert resolver.asked == [] and connections == []


def test_unresolvable_name_is_a_one_line_error(connections):
    message = refusal(remote.make_fetcher(resolve=StubResolver()), "http://nowhere.example.com/api.yaml")
    assert message.startswith("http://nowhere.example.com/api.yaml: not fetched: host nowhere.example.com cannot be resolved"), message
    assert connections == []


@pytest.mark.parametrize("path, target, kind", [
    ("/to-metadata.yaml", "http://169.254.169.254/latest/meta-data/", "link-local"),
    ("/to-localhost.yaml", "http://localhost:{port}/spec.yaml", "loopback"),
    ("/to-internal.yaml", "http://internal.example:8080/spec.yaml", "private"),
    ("/to-decimal.yaml", "http://2130706434:{port}/spec.yaml", "loopback"),  # 127.0.0.2: not allowed
])
def test_redirect_from_an_allowed_server_to_the_inside_is_refused(server, connections, path, target, kind):
    # 127.0.0.1 is allowed (it is the test server), but only as that address: localhost resolves
    # to ::1 here, internal.example to 10.0.0.1, and neither is allowed.
    resolver = StubResolver({"localhost": ["::1"], "internal.example": ["10.0.0.1"]})
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",), resolve=resolver)
    message = refusal(fetch, server.url(path))
    target = target.replace("{port}", str(server.port))
    assert message.startswith(f"{server.url(path)} (redirected to {target}): not fetched:"), message
    assert kind in message, message
    assert server.requests == [path]
    assert connections == [("127.0.0.1", server.port)], "only the allowed server was connected to"


def test_redirect_to_a_url_with_credentials_is_refused(server, connections):
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",))
    message = refusal(fetch, server.url("/to-userinfo.yaml"))
    assert "user name or password" in message, message
    assert "hunter2" not in message, "the password was repeated in the message"
    assert server.requests == ["/to-userinfo.yaml"]


@pytest.mark.parametrize("userinfo", ["user:pass@", "user@", ":pass@"])
def test_url_with_credentials_is_refused(server, connections, userinfo):
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",))
    message = refusal(fetch, f"http://{userinfo}127.0.0.1:{server.port}/spec.yaml")
    assert "user name or password" in message, message
    assert "pass" not in message.replace("password", ""), message
    assert server.requests == [] and connections == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/spec.yaml", "file:///etc/passwd", "gopher://127.0.0.1:70/_x"])
def test_only_http_and_https(connections, url):
    message = refusal(remote.make_fetcher(allow_hosts=("127.0.0.0/8",)), url)
    assert "only http and https" in message, message
    assert connections == []


def test_allow_list_by_cidr(server, connections):
    fetch = remote.make_fetcher(allow_hosts=("10.0.0.0/8", "127.0.0.0/8"))
    assert fetch(server.url("/spec.yaml")) == SPEC
    other = remote.make_fetcher(allow_hosts=("10.0.0.0/8", "::1/128"))  # neither covers 127.0.0.1
    assert "loopback" in refusal(other, server.url("/fragment.yaml"))
    assert server.requests == ["/spec.yaml"]


def test_allow_list_by_name_keeps_the_host_header_and_pins_the_address(server, connections):
    resolver = StubResolver({"registry.internal": ["127.0.0.1"], "other.internal": ["127.0.0.1"]})
    fetch = remote.make_fetcher(allow_hosts=("Registry.Internal",), resolve=resolver)
    assert fetch(f"http://registry.internal:{server.port}/spec.yaml") == SPEC
    assert server.headers[0]["host"] == f"registry.internal:{server.port}"
    assert connections == [("127.0.0.1", server.port)]
    assert resolver.asked == ["registry.internal"], "the name was looked up more than once"
    # The name is allowed, not the address: another name for it is still refused.
    assert "loopback" in refusal(fetch, f"http://other.internal:{server.port}/spec.yaml")
    assert server.requests == ["/spec.yaml"]


def test_tls_server_name_is_the_host_name_not_the_address():
    # A TLS listener on 127.0.0.1 records the server name the client sends; with no certificate
    # the handshake then fails, which is all this needs.
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(10)

        def serve():
            connection, _ = listener.accept()
            with connection:
                try:
                    context.wrap_socket(connection, server_side=True)
                except (ssl.SSLError, OSError):
                    pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        fetch = remote.make_fetcher(allow_hosts=("registry.internal",), resolve=StubResolver({"registry.internal": ["127.0.0.1"]}))
        message = refusal(fetch, f"https://registry.internal:{listener.getsockname()[1]}/spec.yaml")
        thread.join(10)
    assert "cannot fetch" in message, message
    assert names == ["registry.internal"]


@pytest.mark.parametrize("entry", ["", "http://registry.internal", "127.1", "10.0.0.0/33", "not a host"])
def test_bad_allow_list_entry_is_a_value_error_naming_it(entry):
    with pytest.raises(ValueError, match="remote-allow-hosts") as caught:
        remote.make_fetcher(allow_hosts=(entry,))
    assert repr(entry) in str(caught.value)


def test_no_cookie_is_carried_to_the_next_request(server):
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",))
    assert fetch(server.url("/spec.yaml")) == SPEC  # answers with Set-Cookie
    assert fetch(server.url("/spec.yaml")) == SPEC
    assert len(server.headers) == 2 and "cookie" not in server.headers[1], server.headers[1]


# -- time --------------------------------------------------------------------------------------


def test_slow_drip_ends_at_the_fetch_deadline(server):
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",), deadline_seconds=0.5)
    start = time.monotonic()
    message = refusal(fetch, server.url("/drip.yaml"))
    elapsed = time.monotonic() - start
    assert message.startswith(server.url("/drip.yaml")) and "deadline of 0.5 s per fetch" in message, message
    # Ends at the deadline, not when the drip does (reads come every 20 ms: a per-read timeout never fires).
    assert 0.45 <= elapsed < 2.0, elapsed


def test_the_deadline_covers_the_redirects_together(server):
    # Four hops of 0.3 s each: each is quick, together they are over a 0.5 s deadline.
    quick = remote.make_fetcher(allow_hosts=("127.0.0.1",), deadline_seconds=0.5)
    start = time.monotonic()
    message = refusal(quick, server.url("/slow-0.yaml"))
    assert "deadline of 0.5 s" in message and time.monotonic() - start < 2.0, message
    patient = remote.make_fetcher(allow_hosts=("127.0.0.1",), deadline_seconds=10)
    assert patient(server.url("/slow-0.yaml")) == SPEC


def test_the_run_budget_is_shared_by_every_fetch_then_fetches_are_refused(server):
    fetch = remote.make_fetcher(allow_hosts=("127.0.0.1",), deadline_seconds=0.5, budget_seconds=0.8)
    start = time.monotonic()
    assert "deadline of 0.5 s per fetch" in refusal(fetch, server.url("/drip.yaml"))
    second = refusal(fetch, server.url("/drip.yaml"))  # only 0.3 s of the budget is left
    assert "budget of 0.8 s for this run ran out" in second, second
    assert time.monotonic() - start < 2.5
    third = refusal(fetch, server.url("/spec.yaml"))
    assert third == f"{server.url('/spec.yaml')}: not fetched: the remote fetch budget of 0.8 s for this run is spent", third
    assert server.requests == ["/drip.yaml", "/drip.yaml"], "a fetch was made after the budget was spent"


# -- end to end ----------------------------------------------------------------------------------


def test_allow_remote_ref_to_loopback_is_refused_and_reported(server, tmp_path):
    # No allow-list: --allow-remote lets a spec's $ref be fetched, but not from 127.0.0.1.
    local_spec_with_remote_ref(tmp_path / "api", server.url("/fragment.yaml") + "#/components/schemas/Pet")
    run = audit(str(tmp_path / "api"), "--allow-remote")
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC003") if Path(f["location"]["file"]).name == "pets.yaml"]
    assert found, describe(run)
    message = found[0]["message"]
    assert server.url("/fragment.yaml") in message and "loopback" in message and "remote-allow-hosts" in message, message
    assert found[0]["location"]["line"] == REF_LINE
    assert server.requests == [], f"the server was asked for {server.requests}"


def test_spec_url_on_loopback_is_refused_and_reported(server):
    url = server.url("/spec.yaml")
    run = audit(url)
    assert_ran_cleanly(run)
    found = [f for f in run.findings("SPC002") if f["location"] and f["location"]["file"] == url]
    assert found and "loopback" in found[0]["message"], describe(run)
    assert server.requests == []


def test_the_jobs_allow_list_reaches_an_internal_host_and_a_tree_config_cannot(server, tmp_path):
    """remote-allow-hosts from the job (--config or the environment) lets a $ref reach 127.0.0.1;
    the same key in a config file of the audited tree is not applied."""
    api = tmp_path / "api"
    local_spec_with_remote_ref(api, server.url("/fragment.yaml") + "#/components/schemas/Pet")
    config = tmp_path / "ci.toml"
    config.write_text('remote-allow-hosts = ["127.0.0.0/8"]\n')
    run = audit(str(api), "--allow-remote", "--config", str(config))
    assert_ran_cleanly(run)
    assert not run.findings("SPC003"), describe(run)
    assert server.fetched("/fragment.yaml")

    server.requests.clear()
    env_run = run_cli("audit", str(api), "--allow-remote", "-f", "json", "--fail-on", "never",
                      env={"MACHAUDIT_REMOTE_ALLOW_HOSTS": "127.0.0.1"})
    assert not env_run.findings("SPC003"), describe(env_run)

    server.requests.clear()
    (api / "machaudit.toml").write_text('remote-allow-hosts = ["127.0.0.1"]\n')
    tree_run = audit(str(api), "--allow-remote")
    assert [f["message"] for f in tree_run.findings("SPC003")] and server.requests == []
    assert [(s["key"], s["applied"]) for s in tree_run.report["configuration"]["tree_settings"]] == [
        ("remote-allow-hosts", False)]


def test_a_bad_allow_list_entry_is_a_configuration_error(tmp_path):
    config = tmp_path / "ci.toml"
    config.write_text('remote-allow-hosts = ["not a host!"]\n')
    run = run_cli("audit", str(tmp_path), "--config", str(config))
    assert run.exit_code == 2
    assert "remote-allow-hosts: 'not a host!' is neither a host name nor an IP network" in run.stderr
