"""The polite HTTP client: the one place nianbao touches the network.

Every request goes through PoliteSession.fetch, which honours robots.txt,
spaces requests to a host (default 1 per second, at most 2 at once, across
threads), retries connection errors, timeouts, 429 and 5xx with exponential
backoff and jitter (Retry-After respected), caps body size and redirects,
sends conditional headers, and refuses private, loopback, link-local and every
other non-global address unless the portal itself lives there. It never raises
for an HTTP outcome: the caller gets a typed Response with ``outcome`` set.

The address guard reads a URL with the parser that connects (urllib3's), refuses
URLs the standard library reads differently, resolves each host once, and
connects to the very address it checked (no second lookup, so no DNS rebinding).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# Operators put their own contact page in NIANBAO_CONTACT so portal webmasters can reach them.
CONTACT = os.environ.get("NIANBAO_CONTACT", "https://github.com/nianbao/nianbao")
USER_AGENT = f"nianbao/0.1 (+{CONTACT}; government open-data research crawler)"
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_WAIT = 60.0  # a Crawl-delay or Retry-After beyond this defers the host for the run instead of waiting
MAX_ROBOTS_BYTES = 512 * 1024  # as the big crawlers do: a longer robots.txt is read up to here

# Set by the command line on SIGINT/SIGTERM: every session then refuses new requests at once, so portal
# tasks wind down in a request's time and the process can exit (and stop any server it started).
STOP = threading.Event()


@dataclass
class Response:
    url: str  # final URL after redirects
    requested_url: str
    # ok, not_modified, robots_disallowed, unreachable (refused, DNS, no route), http_4xx, http_5xx, timeout
    # (including a response that did not complete within the deadline), too_large, off_site, deferred (the host
    # asks to wait longer than a run waits, or the portal's request budget is spent), cancelled, error
    outcome: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed_ms: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def check_delay(value) -> float:
    """A delay between requests to one host, in seconds: a finite number from 0 to MAX_WAIT. A larger one
    would hold the host's shared gate for every later run; a host that needs more is deferred instead."""
    try:
        delay = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"delay {value!r} is not a number of seconds") from None
    if not (math.isfinite(delay) and 0 <= delay <= MAX_WAIT):
        raise ValueError(f"delay {value!r} is outside 0–{MAX_WAIT:g} seconds")
    return delay


@dataclass
class HostPolicy:
    delay: float = 1.0  # seconds between request starts to one host
    max_connections: int = 2


def _pause(seconds: float) -> None:
    """Sleep, but wake at once when the run is stopped (STOP), so a signal never waits out a long delay."""
    if seconds > 0:
        STOP.wait(min(seconds, MAX_WAIT))


class _HostGate:
    """Per-host spacing and concurrency, shared by all threads. A slot taken is always given back."""

    def __init__(self, policy: HostPolicy):
        self.policy = policy
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.slots = threading.Semaphore(policy.max_connections)

    def __enter__(self):
        self.slots.acquire()
        try:
            _pause(self._claim())
        except BaseException:
            self.slots.release()
            raise
        return self

    def _claim(self) -> float:
        """Claim the host's next start time; returns the seconds to wait for it (never over MAX_WAIT)."""
        with self.lock:
            now = time.monotonic()
            start = max(now, min(self.next_start, now + MAX_WAIT))
            self.next_start = start + self.policy.delay
        return start - now

    def __exit__(self, *exc):
        self.slots.release()


class _SharedHostGate(_HostGate):
    """The same spacing across processes and machines: the host's next free start time lives in a file on a
    disk every worker mounts (the archive's), claimed under an flock. Times are wall-clock (NTP-synced hosts).

    The file holds only a number this code wrote, yet it is read as untrusted: a value that is not a finite
    time, or lies more than MAX_WAIT ahead (a stopped run with a huge delay), counts as now. When the file
    cannot be used at all (a disk error), the gate falls back to this process's own spacing."""

    def __init__(self, policy: HostPolicy, path: Path):
        super().__init__(policy)
        self.path = path

    def _claim(self) -> float:
        import fcntl

        try:
            with self.lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a+") as fh:  # threads of this process take turns, then processes
                    fcntl.flock(fh, fcntl.LOCK_EX)
                    try:
                        fh.seek(0)
                        try:
                            next_start = float(fh.read(64).strip() or 0)
                        except ValueError:
                            next_start = 0.0
                        now = time.time()
                        if not math.isfinite(next_start) or next_start > now + MAX_WAIT + self.policy.delay:
                            next_start = now
                        start = max(now, next_start)
                        fh.seek(0)
                        fh.truncate()
                        fh.write(repr(start + self.policy.delay))
                        fh.flush()
                    finally:
                        fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError:
            return super()._claim()
        return start - now


def gate_file_name(netloc: str) -> str:
    """A file name for a host's gate that no host name can make too long or unsafe: a readable prefix and a
    hash of the whole netloc (host names reach 253 characters; file names stop at 255 bytes)."""
    readable = re.sub(r"[^A-Za-z0-9.-]", "_", netloc)[:60].lstrip(".") or "host"
    return f"{readable}-{hashlib.sha256(netloc.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}.next"


def registrable_domain(host: str) -> str:
    """pingtan.gov.cn for www.pingtan.gov.cn; example.com for a.b.example.com; an IP stays itself."""
    host = (host or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("gov", "com", "net", "org", "edu") and labels[-1] == "cn":
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def blocked_address(address: str) -> bool:
    """True for every address that is not on the public internet: private, loopback, link-local, shared
    (100.64.0.0/10, e.g. cloud metadata at 100.100.100.200), 192.0.0.0/24, reserved, multicast, and the
    same inside IPv6 (IPv4-mapped, NAT64 and 6to4 forms included)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and any(ip in ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::/96")):
            inner = ipaddress.ip_address(int(ip) & 0xFFFFFFFF)  # NAT64, and IPv4-compatible (::127.0.0.1)
        if inner is not None and blocked_address(str(inner)):
            return True
    return not ip.is_global or ip.is_multicast or ip.is_reserved or \
        any(ip in net for net in ALWAYS_BLOCKED if net.version == ip.version)


# Special-purpose blocks refused whole, whatever a Python version's is_global says of their exceptions.
ALWAYS_BLOCKED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "240.0.0.0/4",
    "64:ff9b:1::/48", "2001::/23", "2002::/16", "fc00::/7", "fe80::/10")]


def redact(url: str) -> str:
    """The URL without user:password@, for logs and stored rows."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


class UnsafeURL(ValueError):
    """A URL the crawler refuses to request (the message says why, without credentials)."""


def normalise_url(url: str) -> str:
    """Read a URL as the connection will: browsers' backslash-as-slash, then one parse that both parsers share.

    Raises UnsafeURL for credentials, control characters, or a host the standard library and urllib3
    (which requests connects with) read differently.
    """
    url = url.strip().replace("\\", "/")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise UnsafeURL("control characters or spaces in the URL")
    try:
        u3 = parse_url(url)
    except LocationParseError as exc:
        raise UnsafeURL(f"unparseable URL: {exc}") from None
    std = urlsplit(url)
    if std.scheme not in ("http", "https"):
        raise UnsafeURL(f"scheme {std.scheme!r} is not http(s)")
    if u3.auth or "@" in std.netloc:
        raise UnsafeURL("credentials in the URL")
    try:
        std_port = std.port
    except ValueError:
        raise UnsafeURL("invalid port") from None
    if (u3.host or "").strip("[]").lower() != (std.hostname or "").lower() or (u3.port or None) != std_port:
        raise UnsafeURL("the URL's host reads differently to different parsers")
    if not std.hostname:
        raise UnsafeURL("no host in the URL")
    return url


def stop_requests() -> None:
    """Stop the run's network work at once (a signal's handler calls this): no new request starts, every
    wait at a gate or between retries ends, and every request in flight has its socket shut."""
    STOP.set()
    with _ACTIVE_LOCK:
        active = list(_ACTIVE)
    for watchdog in active:
        watchdog.fire()


class _Watchdog:
    """Cuts a response off at its deadline by shutting its socket down. Read timeouts restart with every
    byte, so a server dripping its headers a byte a second is never cut off by them; this is."""

    def __init__(self, seconds: float):
        self.fired = False
        self._sock = None
        self._lock = threading.RLock()  # re-entrant, as _ACTIVE_LOCK
        self._timer = threading.Timer(max(seconds, 0.0), self.fire)
        self._timer.daemon = True
        with _ACTIVE_LOCK:
            _ACTIVE.add(self)
        self._timer.start()

    def watch(self, sock) -> None:
        with self._lock:
            self._sock = sock
            fired = self.fired
        if fired:
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired, sock = True, self._sock
        if sock is not None:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()
        with _ACTIVE_LOCK:
            _ACTIVE.discard(self)


def _shut(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_CURRENT = threading.local()  # the watchdog of the request this thread is making
_ACTIVE: set[_Watchdog] = set()  # every request in flight, for stop_requests
_ACTIVE_LOCK = threading.RLock()  # re-entrant: a signal's handler may run while its own thread holds it


def _watch(sock) -> None:
    watchdog = getattr(_CURRENT, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


def _pinned_adapter(address_for) -> HTTPAdapter:
    """A requests adapter whose connections go to ``address_for(host)``: the address that was checked.

    The Host header, TLS SNI and certificate checks still use the host name; only the socket's
    destination is pinned.
    """

    class Pinned:
        def _new_conn(self):
            host = self._dns_host
            self._dns_host = address_for(host)  # raises OSError for a refused address
            try:
                sock = super()._new_conn()
            finally:
                self._dns_host = host
            _watch(sock)
            return sock

        def getresponse(self, *args, **kwargs):
            _watch(self.sock)  # a kept-alive connection's socket is watched by the request that reuses it
            return super().getresponse(*args, **kwargs)

    class PinnedHTTP(Pinned, HTTPConnection):
        pass

    class PinnedHTTPS(Pinned, HTTPSConnection):
        pass

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTP

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPS

    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}
    return adapter


class HostRegistry:
    """Per-host state shared by every session of a process: request spacing and robots.txt.

    Portals share hosts (a city's departments on one CMS), and each portal task has
    its own session, so the budget must live above the sessions: one gate and one
    robots.txt per host for all portals, tasks and threads. A host's delay is the
    largest any portal asked for. robots.txt is fetched once per host and kept for
    ``robots_ttl`` seconds (a run), then checked again (conditionally).
    """

    def __init__(self, robots_ttl: float = 3600.0, shared_dir: str | Path | None = None):
        self.robots_ttl = robots_ttl
        self.shared_dir = Path(shared_dir) if shared_dir else None  # gates shared with other processes
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, tuple[float, object]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def gate(self, netloc: str, policy: HostPolicy) -> _HostGate:
        with self._lock:
            gate = self._gates.get(netloc)
            if gate is None:
                gate = self._gates[netloc] = (_HostGate(policy) if self.shared_dir is None else _SharedHostGate(
                    policy, self.shared_dir / gate_file_name(netloc)))
            elif policy.delay > gate.policy.delay:
                gate.policy = HostPolicy(policy.delay, gate.policy.max_connections)
            return gate

    def robots(self, key: str, fetch):
        """The cached robots.txt verdict for scheme://host, fetched by ``fetch()`` once when missing or stale."""
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per host, however many threads ask at once
            with self._lock:
                cached = self._robots.get(key)
            if cached is not None and time.monotonic() - cached[0] < self.robots_ttl:
                return cached[1]
            verdict = fetch()
            with self._lock:
                self._robots[key] = (time.monotonic(), verdict)
            return verdict


@dataclass
class Deferred:
    """robots.txt verdict for a host that asks for more patience than a run gives (Crawl-delay over the cap)."""

    reason: str


SHARED_HOSTS = HostRegistry()
_REGISTRIES: dict[str, HostRegistry] = {}
_REGISTRIES_LOCK = threading.Lock()


def hosts_sharing(directory: str | Path) -> HostRegistry:
    """The process's HostRegistry whose gates are shared, through ``directory``, with every process (and
    machine) using the same directory: one politeness budget per host across Dask workers."""
    key = str(Path(directory).resolve())
    with _REGISTRIES_LOCK:
        if key not in _REGISTRIES:
            _REGISTRIES[key] = HostRegistry(shared_dir=key)
        return _REGISTRIES[key]


UNREACHABLE = object()  # robots.txt verdict for a host that could not be reached at all


class PoliteSession:
    def __init__(self, *, delay: float = 1.0, max_connections: int = 2, retries: int = 3,
                 backoff: float = 1.0, timeout: tuple[float, float] = (10.0, 30.0), max_bytes: int = MAX_BYTES,
                 user_agent: str = USER_AGENT, respect_robots: bool = True, hosts: HostRegistry | None = None,
                 deadline: float = 120.0):
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment: the address guard decides
        adapter = _pinned_adapter(self._connect_address)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = user_agent
        self.session.max_redirects = MAX_REDIRECTS
        self.default_policy = HostPolicy(delay, max_connections)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.respect_robots = respect_robots
        self.allowed_private: set[str] = set()  # hosts whose portal entry URL is private (test servers)
        self.policies: dict[str, HostPolicy] = {}
        self.hosts = hosts if hosts is not None else SHARED_HOSTS
        self.requests = 0  # requests sent and bytes received by this session (a portal run's figures)
        self.bytes = 0
        self.deadline = deadline  # seconds for a whole response: a server dripping bytes is cut off
        self._addresses: dict[str, tuple[str | None, str | None]] = {}  # host -> (address, refusal)
        self._lock = threading.Lock()
        self.on_robots = None  # callback(Response) for robots.txt responses (the archive keeps them too)
        self.robots_archived = None  # callable(url) -> (etag, last_modified, body) | None: robots.txt made conditional

    def _lookup(self, host: str) -> tuple[str | None, str | None]:
        """(address to connect to, refusal): resolved once per host and session, then pinned."""
        host = host.strip("[]").lower()
        with self._lock:
            known = self._addresses.get(host)
        if known is not None:
            return known
        try:
            addresses = [host] if _is_ip(host) else \
                list(dict.fromkeys(i[4][0] for i in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)))
        except (socket.gaierror, UnicodeError):
            return None, None  # unresolvable: not cached, the connection reports it
        refusal = None
        if host not in self.allowed_private and any(blocked_address(a) for a in addresses):
            refusal = f"{host} is a private, loopback, link-local or other non-public address"
        with self._lock:
            self._addresses[host] = (addresses[0], refusal)
        return addresses[0], refusal

    def _connect_address(self, host: str) -> str:
        address, refusal = self._lookup(host)
        if refusal:
            raise OSError(refusal)
        if address is None:
            raise socket.gaierror(f"cannot resolve {host}")
        return address

    def allow_portal(self, entry_url: str, delay: float | None = None, max_connections: int | None = None) -> None:
        """Register a portal, which may carry its own politeness. Its host may be private only when the
        entry URL names a private address itself (``http://127.0.0.1:8000/``, ``http://localhost/``: a test
        server, an intranet the operator typed in). A host *name* is always checked where its DNS points, so
        a registry row cannot reach 10.x or a metadata address through a name."""
        host = (urlsplit(entry_url).hostname or "").lower()
        if _is_ip(host) or host == "localhost":
            with self._lock:
                self.allowed_private.add(host)
                self._addresses.pop(host, None)
        netloc = urlsplit(entry_url).netloc
        if delay is not None or max_connections is not None:
            self.policies[netloc] = HostPolicy(delay if delay is not None else self.default_policy.delay,
                                               max_connections or self.default_policy.max_connections)

    def _gate(self, netloc: str) -> _HostGate:
        return self.hosts.gate(netloc, self.policies.get(netloc, self.default_policy))

    def _robots_for(self, url: str):
        """The host's robots.txt as a Protego parser, None (no robots.txt: all allowed) or UNREACHABLE."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        return self.hosts.robots(key, lambda: self._fetch_robots(key, parts.netloc))

    def _fetch_robots(self, key: str, netloc: str):
        known = self.robots_archived(key + "/robots.txt") if self.robots_archived else None
        headers = {}
        if known and known[0]:
            headers["If-None-Match"] = known[0]
        if known and known[1]:
            headers["If-Modified-Since"] = known[1]
        resp = self._request(key + "/robots.txt", headers, check_robots=False, limit=MAX_ROBOTS_BYTES)
        if self.on_robots is not None:
            self.on_robots(resp)
        parser = None
        if resp.outcome == "not_modified" and known:
            parser = Protego.parse(known[2].decode("utf-8", "replace"))
        elif resp.outcome == "ok":
            parser = Protego.parse(resp.body.decode("utf-8", "replace"))
        elif resp.outcome in ("unreachable", "timeout"):
            return UNREACHABLE  # the host itself cannot be reached: every URL on it is unreachable
        elif resp.outcome in ("http_5xx", "error"):
            # robots.txt answered with a server error: be safe and treat the site as closed for this run.
            parser = Protego.parse("User-agent: *\nDisallow: /")
        delay = parser.crawl_delay(self.user_agent) if parser else None
        if delay and float(delay) > MAX_WAIT:
            return Deferred(f"robots.txt asks for a Crawl-delay of {float(delay):g} s, over the {MAX_WAIT:g} s cap")
        if delay:  # a site's Crawl-delay slows us further, never speeds us up
            gate = self._gate(netloc)
            gate.policy = HostPolicy(max(gate.policy.delay, float(delay)), gate.policy.max_connections)
        return parser

    def allowed_by_robots(self, url: str) -> bool:
        return not self.respect_robots or self._allows(self._robots_for(url), url)

    def _allows(self, verdict, url: str) -> bool:
        """Whether a robots.txt verdict (parser, None for no robots.txt, UNREACHABLE, Deferred) lets ``url`` be read."""
        return verdict is None or (verdict is not UNREACHABLE and not isinstance(verdict, Deferred)
                                   and verdict.can_fetch(url, self.user_agent))

    def close(self) -> None:
        """Close its kept-alive connections. A portal's session is closed when its portal is done: an open
        pool kept the session, its portal's crawler and archive alive to the end of the run (about 0.3 MB a
        portal: a national night's memory grew with its sites)."""
        self.session.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              form: dict | None = None, cutoff: float | None = None) -> Response:
        """GET ``url`` politely (POST ``form`` when given); conditional when ``etag``/``last_modified`` are given.
        ``cutoff``: a time.monotonic() by which the caller's own work must end (a portal's deadline)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._request(url, headers, check_robots=True, form=form, cutoff=cutoff)

    def _request(self, url: str, headers: dict, check_robots: bool, limit: int | None = None,
                 form: dict | None = None, cutoff: float | None = None) -> Response:
        """Follow redirects by hand so every hop passes the guard and robots.txt. ``limit``: read at most
        this many bytes and keep them (robots.txt), where a page over ``max_bytes`` is refused. The whole
        URL, its retries and redirects included, ends within ``deadline`` seconds (and by ``cutoff``)."""
        started = time.monotonic()
        cutoff = min(started + self.deadline, cutoff if cutoff is not None else math.inf)
        current = url
        site = registrable_domain(urlsplit(url).hostname or "")
        for hop in range(MAX_REDIRECTS + 1):
            if STOP.is_set():
                return self._done(Response(redact(current), redact(url), "cancelled", detail="stopped by a signal"),
                                  started)
            try:
                current = normalise_url(current)
            except UnsafeURL as exc:
                return self._done(Response(redact(current), redact(url), "off_site", detail=str(exc)), started)
            host = urlsplit(current).hostname or ""
            if hop and registrable_domain(host) != site:
                return self._done(Response(current, redact(url), "off_site",
                                           detail=f"redirect leaves {site} for {host}: not followed"), started)
            refusal = self._lookup(host)[1]
            if refusal:
                return self._done(Response(current, url, "off_site", detail=refusal), started)
            verdict = self._robots_for(current) if check_robots and self.respect_robots else None
            if verdict is UNREACHABLE:
                return self._done(Response(current, url, "unreachable", detail=f"{host} cannot be reached"), started)
            if isinstance(verdict, Deferred):
                return self._done(Response(current, url, "deferred", detail=verdict.reason), started)
            if check_robots and self.respect_robots and not self._allows(verdict, current):  # the one lookup above
                return self._done(Response(current, url, "robots_disallowed", detail="disallowed by robots.txt"),
                                  started)
            resp = self._with_retries(current, headers, cutoff, limit, form if hop == 0 else None)  # redirect: GET
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("location"):
                current = urljoin(current, resp.headers["location"])
                continue
            resp.requested_url = url
            return self._done(resp, started)
        return self._done(Response(current, url, "error", detail=f"more than {MAX_REDIRECTS} redirects"), started)

    def _done(self, resp: Response, started: float) -> Response:
        resp.elapsed_ms = int((time.monotonic() - started) * 1000)
        return resp

    def _with_retries(self, url: str, headers: dict, cutoff: float, limit: int | None = None,
                      form: dict | None = None) -> Response:
        attempt = 0
        while True:
            if time.monotonic() >= cutoff:
                return Response(url, url, "timeout", detail=f"no complete response within {self.deadline:g} s")
            resp = self._once(url, headers, cutoff, limit, form)
            retryable = resp.outcome in ("timeout", "error", "unreachable") or resp.status == 429 \
                or resp.outcome == "http_5xx"
            if not retryable or attempt >= self.retries or time.monotonic() >= cutoff:
                return resp
            wait = self.backoff * (2 ** attempt) * (0.5 + random.random())
            retry_after = resp.headers.get("retry-after")
            if retry_after:
                asked = _retry_after_seconds(retry_after)
                if asked > MAX_WAIT:  # not waited for: this URL is deferred to a later run, and recorded
                    resp.outcome, resp.detail = "deferred", f"Retry-After {asked:g} s, over the {MAX_WAIT:g} s cap"
                    return resp
                wait = max(wait, asked)
            _pause(wait)
            if STOP.is_set():
                return resp
            attempt += 1

    def _once(self, url: str, headers: dict, cutoff: float, limit: int | None = None,
              form: dict | None = None) -> Response:
        netloc = urlsplit(url).netloc
        with self._gate(netloc):
            watchdog = _CURRENT.watchdog = _Watchdog(cutoff - time.monotonic())
            try:
                resp = self._exchange(url, headers, cutoff, limit, form)
            finally:
                watchdog.cancel()
                _CURRENT.watchdog = None
        if watchdog.fired:  # its socket was shut mid-response: what was read may end early, so it is never "ok"
            resp.outcome, resp.body = ("cancelled", b"") if STOP.is_set() else ("timeout", b"")
            resp.detail = "stopped by a signal" if STOP.is_set() else f"no complete response within {self.deadline:g} s"
        return resp

    def _exchange(self, url: str, headers: dict, cutoff: float, limit: int | None, form: dict | None) -> Response:
        """One request and its response, read within ``cutoff`` (the watchdog enforces it on the socket too)."""
        fetched_at = datetime.now(UTC)
        try:
            r = self.session.request("POST" if form is not None else "GET", url, data=form, headers=headers,
                                     timeout=self.timeout, stream=True, allow_redirects=False)
        except (requests.ConnectTimeout, requests.ConnectionError) as exc:  # refused, DNS, no route
            return Response(url, url, "unreachable", fetched_at=fetched_at,
                            detail=redact(f"{type(exc).__name__}: {exc}")[:200])
        except requests.Timeout as exc:
            return Response(url, url, "timeout", fetched_at=fetched_at, detail=str(exc)[:200])
        except requests.RequestException as exc:
            return Response(url, url, "error", fetched_at=fetched_at, detail=f"{type(exc).__name__}: {exc}"[:200])
        hdrs = {k.lower(): v for k, v in r.headers.items()}
        try:
            declared = _content_length(hdrs.get("content-length"))
            if limit is None and declared > self.max_bytes:
                r.close()
                return Response(url, url, "too_large", r.status_code, hdrs, fetched_at=fetched_at,
                                detail=f"Content-Length {declared}")
            chunks, size = [], 0
            while chunk := r.raw.read1(65536, decode_content=True):  # returns as soon as bytes arrive
                if time.monotonic() > cutoff:
                    r.close()
                    return Response(url, url, "timeout", r.status_code, hdrs, fetched_at=fetched_at,
                                    detail=f"no complete response within {self.deadline:g} s")
                size += len(chunk)
                if limit is not None and size >= limit:
                    chunks.append(chunk[:len(chunk) - (size - limit)])
                    break
                if size > self.max_bytes:
                    r.close()
                    return Response(url, url, "too_large", r.status_code, hdrs, fetched_at=fetched_at,
                                    detail=f"more than {self.max_bytes} bytes")
                chunks.append(chunk)
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            return Response(url, url, "timeout", r.status_code, hdrs, fetched_at=fetched_at, detail=str(exc)[:200])
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            return Response(url, url, "error", r.status_code, hdrs, fetched_at=fetched_at,
                            detail=f"{type(exc).__name__}: {exc}"[:200])
        finally:
            r.close()
        body = b"".join(chunks)
        with self._lock:
            self.requests += 1
            self.bytes += len(body)
        return Response(url, url, _outcome(r.status_code), r.status_code, hdrs, body, fetched_at)


def _content_length(value: str | None) -> int:
    """A Content-Length header as a number; a malformed one (``abc``) counts as absent, since the body
    is capped as it is read anyway."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def _outcome(status: int) -> str:
    if status == 304:
        return "not_modified"
    if 200 <= status < 300:
        return "ok"
    if 300 <= status < 400:
        return "redirect"
    if status >= 500:
        return "http_5xx"
    return "http_4xx"


def _retry_after_seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return 0.0
