"""The provider account's bind settings, read once from TUTTI_SMS_TRANSPORT's smpp:// URL."""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORT = 2775


@dataclass(frozen=True)
class BindConfig:
    """Where to bind, as whom, and how hard to push: shared by the transport, its sessions and the receiver.

    The bind mode is not here: the transport binds as a transceiver, the receiver as a receiver,
    both with the same account.
    """

    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    timeout: float = 10.0  # seconds to wait for a bind answer, a submit_sm_resp, an enquire_link_resp
    keepalive: float = 30.0  # seconds of silence before an enquire_link
    throughput: float = 50.0  # segments per second; 0 sends without a cap
    window: int = 10  # submit_sm in flight at once
    source_ton: int = 5  # alphanumeric sender
    source_npi: int = 0
    retries: int = 10  # per part, after a throttled or queue-full answer
    reconnects: int = 6  # binds tried after a connection lost mid-batch

    def __post_init__(self) -> None:
        # A window below one would never send anything: it means "one at a time".
        object.__setattr__(self, "window", max(1, self.window))

    @classmethod
    def from_url(cls, url: str) -> BindConfig:
        """Read smpp://SYSTEM_ID:PASSWORD@HOST:PORT?throughput=50&window=10&system_type=&source_ton=5….

        Credentials may be percent-encoded and the port defaults to 2775; any other query
        parameter is one of the fields above. Raise ValueError on a malformed URL, an unknown
        parameter or a value that is not a number where one is expected.
        """
        parts = urlsplit(url)
        if parts.scheme != "smpp" or not parts.hostname or parts.username is None:
            raise ValueError("expected smpp://SYSTEM_ID:PASSWORD@HOST:PORT")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if unknown := set(query) - set(_OPTIONS):
            raise ValueError(f"unknown SMPP URL parameters: {', '.join(sorted(unknown))}")
        options = {k: _OPTIONS[k](v) for k, v in query.items()}
        return cls(parts.hostname, parts.port or DEFAULT_PORT, unquote(parts.username), unquote(parts.password or ""),
                   **options)  # fmt: skip


_CONVERTERS = {"str": str, "int": int, "float": float}
# What the URL's query may set: every field after the address and the credentials, with its type.
_OPTIONS = {f.name: _CONVERTERS[str(f.type)] for f in fields(BindConfig)[4:]}
