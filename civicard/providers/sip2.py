"""SIP2 (3M Standard Interchange Protocol 2.00): the messages self-check kiosks, security gates
and library systems exchange. A message is a two-digit code, fixed-length fields, then
variable fields `XXvalue|`, and, with error detection, `AY<sequence>AZ<checksum>`, ended by a
carriage return. Used by Civicard's SIP2 server (civicard.library.sip2) and by its client to a
library's own system (civicard.providers.library_systems)."""

import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

# Length of the fixed part that follows the code, per message (requests and responses).
FIXED_LENGTHS = {
    "93": 2, "94": 1, "99": 8, "98": 34, "23": 21, "24": 35, "63": 31, "64": 59,
    "11": 38, "12": 22, "09": 37, "10": 22, "17": 18, "18": 24, "29": 38, "30": 22,
    "15": 19, "16": 20, "35": 18, "36": 19, "97": 0, "96": 0,
}
TERMINATOR = "\r"


class MalformedMessage(ValueError):
    """Too short, an unknown code, or a checksum that does not add up."""


def checksum(text: str) -> str:
    """Four hex digits: the two's complement of the sum of the characters, lower 16 bits."""
    return f"{-sum(ord(c) for c in text) & 0xFFFF:04X}"


def _byte_checksum(text: str) -> str:
    return f"{-sum(text.encode('utf-8')) & 0xFFFF:04X}"


@dataclass
class Message:
    code: str
    fixed: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    sequence: str | None = None

    def get(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.fields if key == name), default)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def encode(self) -> str:
        """The message's text with its sequence number and checksum, and the terminator."""
        text = self.code + self.fixed + "".join(
            f"{name}{_clean(value)}|" for name, value in self.fields)
        if self.sequence is not None:
            text += f"AY{self.sequence}AZ"
            text += checksum(text)
        return text + TERMINATOR


def _clean(value) -> str:
    return str(value).replace("|", "/").replace("\r", " ").replace("\n", " ")[:255]


def parse(text: str) -> Message:
    """One message without its terminator. A message with AY…AZ must add up; raises
    MalformedMessage otherwise."""
    text = text.strip("\r\n")
    code = text[:2]
    if code not in FIXED_LENGTHS:
        raise MalformedMessage("unknown message")
    sequence = None
    body = text
    position = text.rfind("AZ")
    if position != -1 and position == len(text) - 6 and text[position - 3:position - 1] == "AY":
        given = text[position + 2:].upper()
        if given not in (checksum(text[:position + 2]), _byte_checksum(text[:position + 2])):
            raise MalformedMessage("checksum")
        sequence = text[position - 1]
        body = text[:position - 3]
    fixed_length = FIXED_LENGTHS[code]
    if len(body) < 2 + fixed_length:
        raise MalformedMessage("too short")
    fields = []
    for part in body[2 + fixed_length:].split("|"):
        if len(part) >= 2:
            fields.append((part[:2], part[2:]))
        elif part:
            raise MalformedMessage("field")
    return Message(code=code, fixed=body[2:2 + fixed_length], fields=fields, sequence=sequence)


def timestamp(at: datetime) -> str:
    """YYYYMMDD    HHMMSS in local time (four blanks: the spec's local-time zone)."""
    return timezone.localtime(at).strftime("%Y%m%d    %H%M%S")


def read_timestamp(text: str) -> datetime | None:
    try:
        naive = datetime.strptime(text[:8] + text[12:18], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return timezone.make_aware(naive)


def flag(value: bool) -> str:
    return "Y" if value else "N"


class LineReader:
    """Reads messages ended by CR (a kiosk may add LF) from a socket, bounded in length."""

    MAX_LENGTH = 4096

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def read(self) -> str | None:
        """The next non-empty line; "" for a line over MAX_LENGTH; None when the peer left."""
        while True:
            ends = [i for i in (self.buffer.find(b"\r"), self.buffer.find(b"\n")) if i != -1]
            if ends:
                line, self.buffer = self.buffer[:min(ends)], self.buffer[min(ends) + 1:]
                if line.strip():
                    return line.decode("utf-8", "replace")
                continue
            if len(self.buffer) > self.MAX_LENGTH:
                self.buffer = b""
                return ""
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk


class Sip2Client:
    """A plain SIP2 client: connect, log in, send a message, read the answer. Sequence numbers
    run 0–9; answers are checked like requests."""

    def __init__(self, *, host: str, port: int, tls: bool = False, timeout: float = 3.0):
        self.host, self.port, self.tls, self.timeout = host, port, tls, timeout
        self.sock = None
        self.reader = None
        self.sequence = 0

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        if self.tls:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.host)
        self.sock, self.reader = sock, LineReader(sock)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def send(self, code: str, fixed: str, fields: list[tuple[str, str]]) -> Message:
        message = Message(code=code, fixed=fixed, fields=fields, sequence=str(self.sequence))
        self.sequence = (self.sequence + 1) % 10
        self.sock.sendall(message.encode().encode("utf-8"))
        line = self.reader.read()
        if line is None:
            raise ConnectionError("the SIP2 server closed the connection")
        return parse(line)

    def login(self, login: str, password: str, location: str = "") -> bool:
        answer = self.send("93", "00", [("CN", login), ("CO", password), ("CP", location)])
        return answer.code == "94" and answer.fixed == "1"
