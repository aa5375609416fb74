"""Civicard's SIP2 server: self-check kiosks and security gates lend, take back and look up
items of a built-in library. Each connection logs in as one kiosk (93); every answer goes
through the same operations as the desk. A malformed message or a wrong checksum gets a
request to resend (96); an unknown patron or item gets the message's negative answer with a
screen message in the library's language; nothing closes the connection but the kiosk.

Run with `civicard sip2-server --port 6001` (see docs/library.md)."""

import logging
import socketserver
import ssl
import threading

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.library import operations, queries
from civicard.library.exceptions import HoldNotPossible, ItemUnknown, NotOnLoan, PatronUnknown
from civicard.library.models import Channel, CopyState, Kiosk
from civicard.providers.sip2 import (
    LineReader,
    MalformedMessage,
    Message,
    flag,
    parse,
    timestamp,
)

log = logging.getLogger(__name__)

# Patron status, item information…: the messages this server answers, in the order of BX.
SUPPORTED = "YYYNYYYYYNYNNYYN"
CIRCULATION = {CopyState.ON_SHELF: "03", CopyState.ON_LOAN: "04", CopyState.WAITING: "08",
               CopyState.IN_TRANSIT: "10", CopyState.WITHDRAWN: "13"}
MEDIA_TYPES = {"book": "001", "game": "000", "dvd": "006", "music": "005", "other": "000"}
RESEND = Message(code="96")
HANDSHAKE_SECONDS = 10  # a TLS client that never finishes its handshake is let go


class Session:
    """One kiosk's conversation: `answer` turns a request's text into the response's text."""

    def __init__(self):
        self.kiosk: Kiosk | None = None
        self.last: tuple[str, str] | None = None  # (request, response) for a repeated request

    def answer(self, text: str) -> str:
        if self.last and self.last[0] == text:  # the kiosk did not get our answer: same one
            return self.last[1]
        try:
            request = parse(text)
        except MalformedMessage:
            return RESEND.encode()
        if request.code == "97":
            return self.last[1] if self.last else RESEND.encode()
        if request.code == "93":
            response = self.login(request)
        elif self.kiosk is None:
            response = Message(code="94", fixed="0")
        else:
            handler = HANDLERS.get(request.code)
            if handler is None:
                return RESEND.encode()
            with translation.override(settings.CIVICARD_DEFAULT_LANGUAGE):
                response = handler(self, request)
        response.sequence = request.sequence
        encoded = response.encode()
        self.last = (text, encoded)
        return encoded

    # Messages ----------------------------------------------------------------------------------

    def login(self, request: Message) -> Message:
        kiosk = (Kiosk.objects.select_related("library__territory", "branch")
                 .filter(login=request.get("CN"), is_active=True).first())
        ok = kiosk is not None and check_password(request.get("CO"), kiosk.password_hash)
        self.kiosk = kiosk if ok else None
        return Message(code="94", fixed="1" if ok else "0")

    @property
    def library(self):
        return self.kiosk.library

    def _base(self, request: Message) -> list[tuple[str, str]]:
        return [("AO", request.get("AO") or self.library.code)]

    def status(self, request: Message) -> Message:
        fixed = "YYYYNN" + "030" + "003" + timestamp(clock.now()) + "2.00"
        return Message(code="98", fixed=fixed, fields=[
            *self._base(request), ("AM", self.library.name), ("BX", SUPPORTED),
            ("AN", self.kiosk.branch.code)])

    def _patron(self, request: Message):
        try:
            return queries.find_patron(self.library, request.get("AA"), clock.now())
        except DomainError:
            return None

    def _patron_fields(self, request, patron) -> list[tuple[str, str]]:
        fields = [*self._base(request), ("AA", request.get("AA"))]
        if patron is None:
            return fields + [("AE", ""), ("BL", "N"), ("CQ", "N"),
                             ("AF", str(PatronUnknown.message))]
        return fields + [("AE", patron.person.full_name), ("BL", "Y"), ("CQ", "Y")]

    def _patron_status_flags(self, patron) -> str:
        """14 positions; position 0 (charge privileges denied) when borrowing is refused."""
        if patron is None:
            return "Y" * 4 + " " * 10
        try:
            operations.check_current(patron.membership, clock.now())
            operations.check_may_borrow(patron.membership, clock.now())
        except DomainError:
            return "Y" + " " * 13
        return " " * 14

    def patron_status(self, request: Message) -> Message:
        patron = self._patron(request)
        fixed = self._patron_status_flags(patron) + "000" + timestamp(clock.now())
        return Message(code="24", fixed=fixed, fields=self._patron_fields(request, patron))

    def patron_information(self, request: Message) -> Message:
        patron = self._patron(request)
        now = clock.now()
        loans, holds = [], []
        if patron is not None:
            loans = list(queries.loans_of(patron.person).filter(copy__library=self.library))
            holds = [line for line in queries.holds_of(patron.person)
                     if line.hold.title.library_id == self.library.pk]
        overdue = [loan for loan in loans if loan.current_due_at < now]
        ready = [line for line in holds if line.collect_by]
        waiting = [line for line in holds if not line.collect_by]
        counts = "".join(f"{n:04d}" for n in (len(ready), len(overdue), len(loans), 0, 0,
                                              len(waiting)))
        fixed = self._patron_status_flags(patron) + "000" + timestamp(now) + counts
        fields = self._patron_fields(request, patron)
        summary = request.fixed[21:31]
        if summary[0:1] == "Y":
            fields += [("AS", line.hold.title.title) for line in ready]
        if summary[1:2] == "Y":
            fields += [("AT", loan.copy.barcode) for loan in overdue]
        if summary[2:3] == "Y":
            fields += [("AU", loan.copy.barcode) for loan in loans]
        if summary[5:6] == "Y":
            fields += [("CD", line.hold.title.title) for line in waiting]
        if patron is not None:
            fields += [("BZ", "0099"), ("CB", f"{self.library.loan_limit:04d}"),
                       ("BE", patron.person.email),
                       ("PB", patron.membership.ends_on.strftime("%Y%m%d"))]
        return Message(code="64", fixed=fixed, fields=fields)

    def _copy(self, request: Message):
        try:
            return queries.find_copy(self.library, request.get("AB"))
        except DomainError:
            return None

    def checkout(self, request: Message) -> Message:
        now = clock.now()
        patron, copy = self._patron(request), self._copy(request)
        fields = [*self._base(request), ("AA", request.get("AA")), ("AB", request.get("AB"))]
        if patron is None or copy is None:
            message = PatronUnknown.message if patron is None else \
                ItemUnknown.message
            return Message(code="12", fixed="0NUN" + timestamp(now),
                           fields=fields + [("AJ", copy.title.title if copy else ""),
                                            ("AH", ""), ("AF", str(message))])
        try:
            loan = operations.lend(membership=patron.membership, person=patron.person,
                                   copy=copy, channel=Channel.KIOSK, kiosk=self.kiosk, at=now)
        except DomainError as error:
            return Message(code="12", fixed="0NUN" + timestamp(now), fields=fields + [
                ("AJ", copy.title.title), ("AH", ""), ("AF", error.text())])
        return Message(code="12", fixed="1NUY" + timestamp(now), fields=fields + [
            ("AJ", copy.title.title), ("AH", timestamp(loan.due_at)),
            ("CK", MEDIA_TYPES[copy.title.kind])])

    def checkin(self, request: Message) -> Message:
        """A copy on its way elsewhere answers the alert that kiosks sort by (CV: 01 kept here
        for a hold, 02 sent to another branch for a hold) and its destination (CT)."""
        now = clock.now()
        copy = self._copy(request)
        fields = [*self._base(request), ("AB", request.get("AB"))]
        if copy is None:
            return Message(code="10", fixed="0NUN" + timestamp(now), fields=fields + [
                ("AQ", ""), ("AF", str(ItemUnknown.message))])
        try:
            done = operations.check_in(copy=copy, branch=self.kiosk.branch,
                                       channel=Channel.KIOSK, kiosk=self.kiosk, at=now)
        except DomainError as error:
            return Message(code="10", fixed="0NUN" + timestamp(now), fields=fields + [
                ("AQ", copy.branch.code), ("AJ", copy.title.title), ("AF", error.text())])
        copy = done.copy
        alert = []
        if done.send_to is not None:
            alert = [("CT", done.send_to.code), ("CV", "02"), ("AF", _(
                "Put it aside: it goes to %(branch)s.") % {"branch": done.send_to.name})]
        elif copy.state == CopyState.WAITING:
            alert = [("CV", "01")]
        return Message(code="10", fixed="1" + flag(not alert) + "U" + flag(bool(alert))
                       + timestamp(now), fields=fields + [
            ("AQ", copy.branch.code), ("AJ", copy.title.title),
            ("CK", MEDIA_TYPES[copy.title.kind]), *alert])

    def item_information(self, request: Message) -> Message:
        now = clock.now()
        copy = self._copy(request)
        if copy is None:
            return Message(code="18", fixed="01" + "00" + "01" + timestamp(now), fields=[
                *self._base(request), ("AB", request.get("AB")), ("AJ", ""),
                ("AF", str(ItemUnknown.message))])
        fields = [*self._base(request), ("AB", copy.barcode), ("AJ", copy.title.title),
                  ("CF", str(queries.waiting_holds(copy.title_id).count())),
                  ("AQ", copy.branch.code), ("CK", MEDIA_TYPES[copy.title.kind])]
        loan = queries.open_loans().filter(pk=copy.loan_id).first() if copy.loan_id else None
        if loan is not None:
            fields.append(("AH", timestamp(loan.current_due_at)))
        return Message(code="18", fixed=CIRCULATION[copy.state] + "00" + "01" + timestamp(now),
                       fields=fields)

    def renew(self, request: Message) -> Message:
        now = clock.now()
        patron, copy = self._patron(request), self._copy(request)
        fields = [*self._base(request), ("AA", request.get("AA")), ("AB", request.get("AB"))]
        loan = (queries.open_loans().filter(copy=copy, membership=patron.membership).first()
                if patron is not None and copy is not None else None)
        if loan is None:
            return Message(code="30", fixed="0NUN" + timestamp(now), fields=fields + [
                ("AJ", copy.title.title if copy else ""), ("AH", ""),
                ("AF", str(NotOnLoan.message))])
        try:
            renewal = operations.renew(loan=loan, channel=Channel.KIOSK, at=now)
        except DomainError as error:
            return Message(code="30", fixed="0NUN" + timestamp(now), fields=fields + [
                ("AJ", copy.title.title), ("AH", ""), ("AF", error.text())])
        return Message(code="30", fixed="1YUN" + timestamp(now), fields=fields + [
            ("AJ", copy.title.title), ("AH", timestamp(renewal.due_at))])

    def hold(self, request: Message) -> Message:
        now = clock.now()
        patron, copy = self._patron(request), self._copy(request)
        fields = [*self._base(request), ("AA", request.get("AA"))]
        if patron is None or copy is None or request.fixed[:1] != "+":
            return Message(code="16", fixed="0N" + timestamp(now), fields=fields + [
                ("AF", str(HoldNotPossible.message))])
        try:
            hold = operations.place_hold(
                title=copy.title, membership=patron.membership, person=patron.person,
                pickup_branch=self.kiosk.branch, channel=Channel.KIOSK, at=now)
        except DomainError as error:
            return Message(code="16", fixed="0N" + timestamp(now),
                           fields=fields + [("AF", error.text())])
        return Message(code="16", fixed="1" + flag(copy.state == CopyState.ON_SHELF)
                       + timestamp(now), fields=fields + [
            ("BR", str(queries.queue_position(hold))), ("BS", hold.pickup_branch.code),
            ("AB", copy.barcode), ("AJ", copy.title.title)])

    def end_session(self, request: Message) -> Message:
        return Message(code="36", fixed="Y" + timestamp(clock.now()),
                       fields=[*self._base(request), ("AA", request.get("AA"))])


HANDLERS = {"99": Session.status, "23": Session.patron_status, "63": Session.patron_information,
            "11": Session.checkout, "09": Session.checkin, "17": Session.item_information,
            "29": Session.renew, "15": Session.hold, "35": Session.end_session}


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        session, reader = Session(), LineReader(self.request)
        try:
            if isinstance(self.request, ssl.SSLSocket):  # in this connection's thread, bounded
                self.request.settimeout(HANDSHAKE_SECONDS)
                self.request.do_handshake()
                self.request.settimeout(None)
            while (line := reader.read()) is not None:
                try:
                    response = session.answer(line)
                except Exception:  # a bug must not drop the kiosk: it is logged, and resent
                    log.exception("SIP2 message failed")
                    response = RESEND.encode()
                self.request.sendall(response.encode("utf-8"))
        except (ConnectionError, TimeoutError, ssl.SSLError):
            pass
        finally:
            connections.close_all()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, certfile: str | None = None, keyfile: str | None = None):
        super().__init__(address, Handler)
        if certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certfile, keyfile)
            self.socket = context.wrap_socket(self.socket, server_side=True,
                                              do_handshake_on_connect=False)


def start(host: str, port: int, **tls) -> tuple[Server, threading.Thread]:
    """A server answering in a background thread (tests, the connector's round trip)."""
    server = Server((host, port), **tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
