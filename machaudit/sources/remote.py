"""Fetching a spec over http(s) without reaching inside the network it runs in.

A remote spec or `$ref` is untrusted input: with `--allow-remote`, a spec can name any URL, and
whatever answers ends up in the findings. So a fetch is held to these rules (a SECURITY section
can quote them as they stand):

* **Only http and https**, on any port. Any other scheme (file, ftp, gopher, ...) is refused,
  also as the target of a redirect.
* **No credentials.** A URL with a user name or password in it (`http://user:pass@host/`) is
  refused, and the password is never repeated in a message. Nothing is taken from the
  environment (no `.netrc`, no proxy variables: `trust_env=False`) and no cookie is kept
  between requests.
* **Public addresses only.** The host is resolved (`socket.getaddrinfo`) and *every* address it
  resolves to must be public. Refused: loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12,
  192.168/16, fc00::/7, ...), link-local (169.254/16, including the cloud metadata address
  169.254.169.254, and fe80::/10), multicast, unspecified (0.0.0.0, ::), reserved (240/4, ...)
  and any other address that is not globally routable (100.64/10 shared space, documentation
  ranges). IPv6 addresses carrying an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64
  `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address. Hosts written as numbers
  in any form a resolver accepts (`2130706433`, `0x7f.1`, `017700000001`, `127.1`) are read as
  the address they stand for and judged the same way; a host that looks like a number but is
  not a valid address is refused.
* **Checked at every hop, connected as checked.** The check runs whenever a connection is
  opened: for the first request and for every redirect (at most 5). The connection goes to the
  address that was checked (no second lookup, so DNS cannot "rebind" the name to an inside
  address in between), while the Host header and the TLS server name (SNI and certificate
  check) stay the host name of the URL.
* **Bounded in time and size.** A fetch, redirects included, must be complete within a
  deadline (30 s by default) however slowly the server sends; all the fetches of a run share a
  budget (120 s by default), after which further fetches are refused. A response over the size
  cap (`Limits.max_bytes`) is refused. (Looking a name up is the one wait not cut short: it is
  bounded by the system resolver's own timeout, and counted against the deadline.)
* **An internal registry can be allowed.** `make_fetcher(limits, allow_hosts=(...))` takes host
  names (matched exactly, case-insensitively, non-ASCII names in their `xn--` form) and IP
  addresses or CIDR networks (`10.20.0.0/16`, `127.0.0.1`). A listed host name may resolve to
  any address; otherwise an address inside a listed network is allowed even though it is
  private or loopback. All other rules still hold. The configuration key `remote-allow-hosts`
  is meant to pass this list in; `parse_allow_hosts` checks it (ValueError, one line).

A refused fetch raises DocumentError with a one-line message naming the URL, what is wrong and
the rule or option involved; it becomes a finding (SPC002 for a spec, SPC003 for a `$ref`).

How it is done: httpx's transport is given a connection pool whose network backend resolves,
checks and connects by itself (`_GuardedBackend.connect_tcp`), the one place where every
connection of every hop is opened. Resolving in `fetch` and handing httpx the IP with a Host
header and `sni_hostname` would also pin the address, but then the pool would key connections
by IP (a TLS connection made for one name could be reused for another name on the same IP) and
the deadline could only be checked between reads. Here the pool keys connections by host name,
TLS is untouched, and the stream the backend returns clamps every read and write to the time
left, which makes the deadline a real one.

Validation workers (validation_runs) build their own fetcher per process, so the run budget is
per process there.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.cookiejar import CookieJar, CookiePolicy
from urllib.parse import urlsplit, urlunsplit

from machaudit.sources.documents import DocumentError
from machaudit.limits import Limits

FETCH_DEADLINE_SECONDS = 30.0
RUN_BUDGET_SECONDS = 120.0
MAX_REDIRECTS = 5
ALLOW_OPTION = "remote-allow-hosts"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

# IPv6 ranges that carry an IPv4 address a gateway would forward to (the IPv4 address decides).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class Refused(Exception):
    """A connection that the rules above do not allow; raised before any socket is opened."""


class _OutOfTime(Exception):
    """A fetch that ran past its deadline (the message is the URL; `fetch` says which limit)."""


# -- addresses ---------------------------------------------------------------------------------


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order (tests pass their own)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ipv4_number(part: str) -> int | None:
    """One part of a numeric IPv4 host as inet_aton reads it: 0x.. hex, 0.. octal, else decimal."""
    if part[:2].lower() == "0x":
        digits, base = part[2:] or "0", 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not re.fullmatch(r"[0-9a-fA-F]+", digits):
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an address stands for (None for a name).

    Every form resolvers accept is read here, not left to the resolver: `2130706433`, `0x7f.1`,
    `017700000001`, `127.1` are 127.0.0.1. A host whose last label is a number (as the URL
    standard has it) but that is not a valid address is refused, never looked up as a name."""
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused(f"host {host} is not a valid IPv6 address") from None
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # "127.0.0.1." is 127.0.0.1
    last = parts[-1]
    if not (last.isdigit() or re.fullmatch(r"0[xX][0-9a-fA-F]*", last)):
        return None  # a name
    numbers = [_ipv4_number(p) for p in parts] if len(parts) <= 4 and all(parts) else [None]
    if None in numbers or any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise Refused(f"host {host} looks like a numeric address but is not a valid one")
    value = 0
    for n in numbers[:-1]:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + numbers[-1]
    return ipaddress.IPv4Address(value)


def refusal_reason(address: IPAddress) -> str | None:
    """Why this address may not be fetched from (None: it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal_reason(embedded)
            return None if inner is None else f"{inner} (it carries the IPv4 address {embedded})"
    for test, kind in (("is_unspecified", "an unspecified"), ("is_loopback", "a loopback"),
                       ("is_link_local", "a link-local"), ("is_multicast", "a multicast"),
                       ("is_reserved", "a reserved"), ("is_private", "a private")):
        if getattr(address, test):
            return f"{kind} address"
    if not address.is_global:
        return "not a globally routable address"
    return None


def parse_allow_hosts(entries: Iterable[str]) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    """(host names, networks) from allow-list entries; ValueError naming a bad entry."""
    if isinstance(entries, str):
        entries = [entries]
    names: set[str] = set()
    networks = []
    for entry in entries:
        text = entry.strip() if isinstance(entry, str) else ""
        if not text:
            raise ValueError(f"{ALLOW_OPTION}: {entry!r} is neither a host name nor an IP network")
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        name = text.rstrip(".").lower()
        if not re.fullmatch(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*", name) or \
                re.fullmatch(r"[0-9.]+|.*\.[0-9]+|0x[0-9a-f.x]*", name):
            raise ValueError(f"{ALLOW_OPTION}: {entry!r} is neither a host name nor an IP network "
                             "(a network is written like 10.20.0.0/16)")
        names.add(name)
    return frozenset(names), tuple(networks)


def _written_plainly(host: str, address: IPAddress) -> bool:
    """Whether the host is the address in its usual notation (else messages say what it stands for)."""
    try:
        return ipaddress.ip_address(host) == address
    except ValueError:
        return False


class _Guard:
    """Decides, for one host, which addresses a connection may go to."""

    def __init__(self, allow_hosts: Iterable[str], resolve: Resolver):
        self.names, self.networks = parse_allow_hosts(allow_hosts)
        self.resolve = resolve

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        name = host.strip("[]").rstrip(".").lower()
        literal = literal_address(name)
        if literal is not None:
            found = [literal]
        else:
            if not name:
                raise Refused("the URL has no host")
            try:
                found = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolve(name, port)]
            except (OSError, UnicodeError) as exc:
                raise Refused(f"host {name} cannot be resolved ({_one_line(exc)})") from None
            except ValueError:
                raise Refused(f"host {name} resolved to something that is not an address") from None
            if not found:
                raise Refused(f"host {name} resolves to no address")
        if name in self.names:
            return found
        for address in found:
            reason = refusal_reason(address)
            if reason is None or any(address in net for net in self.networks if net.version == address.version):
                continue
            if literal is None:
                what = f"{name} resolves to {address}, {reason}"
            elif _written_plainly(name, address):
                what = f"{name} is {reason}"
            else:
                what = f"{name} stands for {address}, {reason}"
            raise Refused(f"{what}: remote fetches go to public addresses only "
                          f"(to allow an internal host, list it in {ALLOW_OPTION})")
        return found


# -- the network, as httpcore sees it ------------------------------------------------------------


def _connect(address: str, port: int, timeout: float | None):
    """Open a TCP stream to an address already checked (tests replace this to watch connections).
    The address is a literal: create_connection does no name lookup for it."""
    import httpcore

    return httpcore.SyncBackend().connect_tcp(address, port, timeout=timeout, socket_options=[])


class _Deadline:
    """The deadline of the fetch running on each thread; every socket wait is clamped to it."""

    def __init__(self):
        self._local = threading.local()

    def set(self, when: float | None) -> None:
        self._local.when = when

    def clamp(self, timeout: float | None, exception) -> float | None:
        when = getattr(self._local, "when", None)
        if when is None:
            return timeout
        left = when - time.monotonic()
        if left <= 0:
            raise exception("the fetch deadline has passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """httpcore's network stream, each read and write given no more than the time left."""

    def __init__(self, inner, deadline: _Deadline):
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        import httpcore

        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadline)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _GuardedBackend:
    """httpcore's network backend: every connection, of every hop, is checked here first."""

    def __init__(self, guard: _Guard, deadline: _Deadline):
        self._guard = guard
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address=None, socket_options=None):
        import httpcore

        addresses = self._guard.addresses(host, port)  # raises Refused before any socket exists
        error: Exception | None = None
        for address in addresses:
            try:
                stream = _connect(str(address), port, self._deadline.clamp(timeout, httpcore.ConnectTimeout))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error if error is not None else httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise Refused("unix sockets are not fetched from")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _NoCookies(CookiePolicy):
    """Cookies a server sets are dropped, so none is carried to the next request."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False

    def domain_return_ok(self, domain, request):
        return False

    def path_return_ok(self, path, request):
        return False


# -- fetching ----------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _shown(url: str) -> str:
    """The URL for messages, without any user name or password in it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def _seconds(value: float) -> str:
    return f"{value:g} s"


def make_fetcher(
    limits: Limits = Limits(),
    *,
    allow_hosts: Iterable[str] = (),
    deadline_seconds: float = FETCH_DEADLINE_SECONDS,
    budget_seconds: float = RUN_BUDGET_SECONDS,
    resolve: Resolver = system_resolver,
) -> Callable[[str], str]:
    """A function URL -> text under the rules of this module's docstring.

    `allow_hosts`: host names, IP addresses and CIDR networks that may be fetched from although
    private (the `remote-allow-hosts` setting). `deadline_seconds`: the most one fetch may take,
    redirects and the whole body included. `budget_seconds`: the most all fetches of this fetcher
    may take together. `resolve(host, port)`: the addresses of a host name (socket.getaddrinfo
    unless a test stubs it). Raises ValueError for a bad allow-list entry."""
    import httpcore
    import httpx

    deadline = _Deadline()
    guard = _Guard(allow_hosts, resolve)
    transport = httpx.HTTPTransport(trust_env=False)
    # The one place httpx is reached into: its transport's pool, rebuilt with the guarded backend
    # (httpx has no public parameter for a network backend; httpcore's pool does). Should an httpx
    # release keep its pool elsewhere, the guard would be bypassed: refuse to fetch instead.
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise DocumentError(f"remote fetching is off: httpx {httpx.__version__} is not a version whose "
                            "connections machaudit can check (install the one pyproject.toml names)")
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=_GuardedBackend(guard, deadline),
    )
    # trust_env=False: no .netrc credentials or proxy settings leak into requests to spec hosts.
    client = httpx.Client(transport=transport, timeout=deadline_seconds, follow_redirects=False,
                          trust_env=False, cookies=CookieJar(policy=_NoCookies()))
    lock = threading.Lock()
    spent = [0.0]

    def fetch_within(url: str, until: float) -> str:
        first = url
        for hop in range(MAX_REDIRECTS + 1):
            where = _shown(first) if hop == 0 else f"{_shown(first)} (redirected to {_shown(url)})"
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                raise DocumentError(f"{where}: only http and https URLs are fetched")
            if "@" in parts.netloc:
                raise DocumentError(f"{where}: URLs with a user name or password are refused (no credentials are sent)")
            try:
                # A host written as an address is judged here too, before httpx parses it (httpx
                # rejects forms like 0177.0.0.1 that resolvers accept, with a less useful message).
                if literal_address(parts.hostname or "") is not None:
                    guard.addresses(parts.hostname, parts.port or 0)
            except Refused as exc:
                raise DocumentError(f"{where}: not fetched: {exc}") from None
            except ValueError as exc:
                raise DocumentError(f"{where}: not a valid URL ({_one_line(exc)})") from None
            left = until - time.monotonic()
            try:
                with client.stream("GET", url, headers={"Accept": "application/json, application/yaml, */*"},
                                   timeout=max(left, 0.001)) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers.get("location", "")))
                        continue
                    if response.status_code >= 400:
                        raise DocumentError(f"{where}: HTTP {response.status_code}")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limits.max_bytes:
                            raise DocumentError(f"{where}: response over the limit of {limits.max_bytes:,} bytes")
                        chunks.append(chunk)
                    raw = b"".join(chunks)
            except Refused as exc:
                raise DocumentError(f"{where}: not fetched: {exc}") from None
            except httpx.TimeoutException:
                raise _OutOfTime(where) from None
            except httpx.HTTPError as exc:
                raise DocumentError(f"{where}: cannot fetch: {_one_line(exc)}") from None
            except httpx.InvalidURL as exc:  # not an HTTPError
                raise DocumentError(f"{where}: not a valid URL ({_one_line(exc)})") from None
            try:
                return raw.decode(response.encoding or "utf-8")
            except (UnicodeDecodeError, LookupError):
                raise DocumentError(f"{where}: not UTF-8 text") from None
        raise DocumentError(f"{_shown(first)}: more than {MAX_REDIRECTS} redirects")

    def fetch(url: str) -> str:
        with lock:
            left = budget_seconds - spent[0]
        if left <= 0:
            raise DocumentError(f"{_shown(url)}: not fetched: the remote fetch budget of {_seconds(budget_seconds)} "
                                "for this run is spent")
        start = time.monotonic()
        by_budget = left < deadline_seconds
        until = start + min(deadline_seconds, left)
        deadline.set(until)  # for the streams of this thread's connections
        try:
            return fetch_within(url, until)
        except _OutOfTime as exc:
            if by_budget:
                raise DocumentError(f"{exc}: stopped when the remote fetch budget of {_seconds(budget_seconds)} "
                                    "for this run ran out") from None
            raise DocumentError(f"{exc}: no complete response within the deadline of "
                                f"{_seconds(deadline_seconds)} per fetch (redirects included)") from None
        finally:
            deadline.set(None)
            with lock:
                spent[0] += time.monotonic() - start

    return fetch
