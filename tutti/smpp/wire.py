"""SMPP 3.4 on the wire: PDU framing over a socket, smpplib's codec, status names."""

from __future__ import annotations

import select
import socket
import struct

from smpplib import consts, smpp
from smpplib.command import Command
from smpplib.exceptions import UnknownCommandError

ROK = 0x00
RINVCMDID = 0x03
RINVBNDSTS = 0x04
RSYSERR = 0x08
RINVDSTADR = 0x0B
RBINDFAIL = 0x0D
RMSGQFUL = 0x14
RTHROTTLED = 0x58
RX_T_APPN = 0x64  # "temporary application error": the SMSC keeps the deliver_sm and retries

# Throttled and queue-full mean "not taken, try later", never "refused".
RETRYABLE = frozenset({RMSGQFUL, RTHROTTLED})

MAX_PDU = 64 * 1024  # far above any legal PDU; a larger length means a corrupt stream
_NAMES = {v: k.removeprefix("SMPP_") for k, v in vars(consts).items() if k.startswith("SMPP_ESME_R")}


def status_text(status: int) -> str:
    """Describe an SMPP command_status as '0x0000000B ESME_RINVDSTADR'."""
    return f"0x{status:08X} {_NAMES.get(status, 'unknown status')}"


_SUBMIT_FIELDS = frozenset({"source_addr_ton", "source_addr_npi", "source_addr", "dest_addr_ton", "dest_addr_npi",
                            "destination_addr", "esm_class", "data_coding", "short_message", "registered_delivery"})


def _cstr(value: object) -> bytes:
    return (value.encode("latin-1") if isinstance(value, str) else bytes(value or b"")) + b"\0"


def encode_submit_sm(sequence: int, f: dict) -> bytes:
    """submit_sm without TLVs, packed directly (smpplib's generic encoder costs ~10x more per PDU)."""
    sm = f["short_message"]
    body = b"".join((
        b"\0", bytes((f["source_addr_ton"], f["source_addr_npi"])), _cstr(f["source_addr"]),
        bytes((f["dest_addr_ton"], f["dest_addr_npi"])), _cstr(f["destination_addr"]),
        bytes((f["esm_class"], 0, 0)), b"\0\0", bytes((f["registered_delivery"], 0, f["data_coding"], 0, len(sm))), sm,
    ))
    return struct.pack(">IIII", 16 + len(body), 0x00000004, ROK, sequence) + body


def encode(command: str, sequence: int, status: int = ROK, **fields: object) -> bytes:
    """Build the bytes of one PDU with smpplib's command classes."""
    if command == "submit_sm" and status == ROK and fields.keys() == _SUBMIT_FIELDS:
        return encode_submit_sm(sequence, fields)
    pdu = smpp.make_pdu(command, sequence=sequence, status=status, **fields)
    # smpplib only takes the sequence from kwargs when its dummy client has none: set it for sure.
    pdu.sequence = sequence
    return pdu.generate()


def decode(frame: bytes) -> Command | None:
    """Parse one PDU, or None when its command_id is unknown to SMPP 3.4."""
    try:
        return smpp.parse_pdu(frame, sequence=0, allow_unknown_opt_params=True)
    except UnknownCommandError:
        return None


def text(value: object) -> str:
    """Turn a parsed C-octet-string field (bytes, or None when absent) into str."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def header(frame: bytes) -> tuple[int, int, int]:
    """Return (command_id, command_status, sequence_number) of a raw PDU."""
    return (
        int.from_bytes(frame[4:8], "big"),
        int.from_bytes(frame[8:12], "big"),
        int.from_bytes(frame[12:16], "big"),
    )


class FrameReader:
    """Read whole PDUs off a socket, keeping partial data across waits."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()

    def ready(self) -> bool:
        """Whether a whole PDU is already buffered, so frame() will not wait."""
        return len(self._buf) >= 16 and len(self._buf) >= int.from_bytes(self._buf[:4], "big")

    def frame(self, wait: float | None) -> bytes | None:
        """Return the next complete PDU, or None if none arrived within `wait` seconds."""
        while True:
            if len(self._buf) >= 16:
                length = int.from_bytes(self._buf[:4], "big")
                if not 16 <= length <= MAX_PDU:
                    raise ConnectionError(f"corrupt stream: command_length {length}")
                if len(self._buf) >= length:
                    frame = bytes(self._buf[:length])
                    del self._buf[:length]
                    return frame
            try:
                # select() rather than a socket timeout: a timeout also bounds sendall()
                # on this socket, and a half-written PDU would corrupt the stream.
                if wait is not None and not select.select([self._sock], [], [], wait)[0]:
                    return None
                chunk = self._sock.recv(65536)
            except (OSError, ValueError) as exc:  # ValueError: closed by another thread
                raise ConnectionError(str(exc)) from exc
            if not chunk:
                raise ConnectionError("connection closed by peer")
            self._buf += chunk


def hard_close(sock: socket.socket) -> None:
    """Close a socket now, waking any thread blocked on it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
