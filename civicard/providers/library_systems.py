"""Library systems Civicard connects to, when a library runs its own (Koha, PMB, Orphée…):
Civicard asks them, as a SIP2 client, for a patron's loans, holds and fines and for an item's
availability, and places holds. `DummySystem` answers from memory for tests and demos and is
refused in production like the other test providers."""

from dataclasses import dataclass, field
from datetime import date

from civicard.providers.sip2 import Sip2Client, read_timestamp, timestamp


class SystemUnreachable(Exception):
    """The library's system did not answer, refused our login, or answered nonsense."""


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    login: str
    password: str
    institution: str
    tls: bool = False


@dataclass(frozen=True)
class ExternalLoan:
    barcode: str
    title: str
    due_on: date | None


@dataclass
class PatronAccount:
    known: bool
    loans: list[ExternalLoan] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)  # titles
    fines: str = ""  # the amount as the system writes it, with its currency


@dataclass(frozen=True)
class ItemStatus:
    barcode: str
    title: str
    available: bool
    due_on: date | None


class LibrarySystem:
    def patron_account(self, patron_id: str) -> PatronAccount:
        raise NotImplementedError

    def item_status(self, barcode: str) -> ItemStatus | None:
        raise NotImplementedError

    def place_hold(self, patron_id: str, barcode: str, pickup: str) -> bool:
        raise NotImplementedError


class Sip2System(LibrarySystem):
    """One connection per question: log in, ask, close. Raises SystemUnreachable."""

    def __init__(self, connection: Connection, *, timeout: float = 3.0):
        self.connection = connection
        self.timeout = timeout

    def _ask(self, ask):
        c = self.connection
        client = Sip2Client(host=c.host, port=c.port, tls=c.tls, timeout=self.timeout)
        try:
            client.connect()
            if not client.login(c.login, c.password):
                raise SystemUnreachable("login refused")
            return ask(client)
        except (OSError, ValueError) as error:
            raise SystemUnreachable(str(error)) from error
        finally:
            client.close()

    def _now(self) -> str:
        from civicard.core import clock

        return timestamp(clock.now())

    def patron_account(self, patron_id: str) -> PatronAccount:
        def ask(client):
            base = [("AO", self.connection.institution), ("AA", patron_id)]
            info = client.send("63", "000" + self._now() + "  Y       ", base + [
                ("BP", "1"), ("BQ", "99")])
            if info.get("BL") != "Y":
                return PatronAccount(known=False)
            holds = client.send("63", "000" + self._now() + "Y         ", base).all("AS")
            loans = []
            for barcode in info.all("AU"):
                item = client.send("17", self._now(), [("AO", self.connection.institution),
                                                       ("AB", barcode)])
                due = read_timestamp(item.get("AH"))
                loans.append(ExternalLoan(barcode, item.get("AJ"), due.date() if due else None))
            amount = info.get("BV")
            fines = f"{amount} {info.get('BH')}".strip() if amount and float(amount or 0) else ""
            return PatronAccount(known=True, loans=loans, holds=holds, fines=fines)

        return self._ask(ask)

    def item_status(self, barcode: str) -> ItemStatus | None:
        def ask(client):
            item = client.send("17", self._now(), [("AO", self.connection.institution),
                                                   ("AB", barcode)])
            if not item.get("AJ"):
                return None
            due = read_timestamp(item.get("AH"))
            return ItemStatus(barcode, item.get("AJ"), item.fixed[:2] == "03",
                              due.date() if due else None)

        return self._ask(ask)

    def place_hold(self, patron_id: str, barcode: str, pickup: str) -> bool:
        def ask(client):
            answer = client.send("15", "+" + self._now(), [
                ("AO", self.connection.institution), ("AA", patron_id), ("AB", barcode),
                ("BS", pickup)])
            return answer.fixed[:1] == "1"

        return self._ask(ask)


class DummySystem(LibrarySystem):
    """A library system in memory: every patron has one loan, and one hold is accepted."""

    ACCOUNTS: dict[str, PatronAccount] = {}

    def patron_account(self, patron_id: str) -> PatronAccount:
        return self.ACCOUNTS.get(patron_id, PatronAccount(known=True))

    def item_status(self, barcode: str) -> ItemStatus | None:
        return ItemStatus(barcode, "Dummy title", True, None)

    def place_hold(self, patron_id: str, barcode: str, pickup: str) -> bool:
        self.ACCOUNTS.setdefault(patron_id, PatronAccount(known=True)).holds.append(barcode)
        return True
