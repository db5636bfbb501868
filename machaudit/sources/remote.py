"""Fetching a spec over http(s): timeouts, a size cap, no credentials, nothing but http(s)."""

from __future__ import annotations

from urllib.parse import urlsplit

from machaudit.sources.documents import DocumentError, Limits

TIMEOUT_SECONDS = 15.0
MAX_REDIRECTS = 5


def make_fetcher(limits: Limits = Limits()):
    import httpx  # imported only when the network is used

    # trust_env=False: no .netrc credentials or proxy settings leak into requests to spec hosts.
    client = httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)

    def fetch(url: str) -> str:
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise DocumentError(f"only http(s) URLs are fetched, not {url}")
            try:
                with client.stream("GET", url, headers={"Accept": "application/json, application/yaml, */*"}) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers.get("location", "")))
                        continue
                    if response.status_code >= 400:
                        raise DocumentError(f"HTTP {response.status_code} from {url}")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limits.max_bytes:
                            raise DocumentError(f"response over the limit of {limits.max_bytes:,} bytes")
                        chunks.append(chunk)
                    raw = b"".join(chunks)
            except httpx.HTTPError as exc:
                raise DocumentError(f"cannot fetch {url}: {exc}") from None
            try:
                return raw.decode(response.encoding or "utf-8")
            except (UnicodeDecodeError, LookupError):
                raise DocumentError(f"{url} is not UTF-8 text") from None
        raise DocumentError(f"more than {MAX_REDIRECTS} redirects from {url}")

    return fetch
