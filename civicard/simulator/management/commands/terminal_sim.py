"""`civicard terminal-sim`: a command-line card reader speaking the terminal protocol."""

import re
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from civicard.simulator.terminal import (
    SignatureInvalid,
    Simulator,
    Unreachable,
    http_transport,
    real_now,
)

HELP_TEXT = """Type a card chip number (e.g. 04A1B2C3D4) or a phone QR payload (CC1.<number>.<code>)
and press Enter to present it. Commands:
  offline   stop talking to the server (decide from the allow-list)
  online    talk to the server again, upload buffered decisions and re-sync
  sync      fetch the allow-list (a delta since the last version)
  upload    send buffered offline decisions
  status    show the allow-list version and buffer size
  at WHEN   set the reader's clock (HH:MM, tomorrow HH:MM, YYYY-MM-DD HH:MM, now): offline
            decisions use it; the server decides live scans at its own time
  quit      leave"""
WHEN = re.compile(r"^(?:(?P<day>tomorrow|today|\d{4}-\d{2}-\d{2})\s+)?"
                  r"(?P<hh>\d{1,2}):(?P<mm>\d{2})$")


def reader_clock(text: str, *, zone: str, today: date):
    """The fixed time `text` names in the reader's zone, or None for the real clock ("now");
    ValueError when it names no time."""
    text = " ".join(text.split()).lower()
    if text == "now":
        return None
    found = WHEN.match(text)
    if found is None:
        raise ValueError(text)
    day = found["day"] or "today"
    on = {"today": today, "tomorrow": today + timedelta(days=1)}.get(day) or date.fromisoformat(day)
    return datetime(on.year, on.month, on.day, int(found["hh"]), int(found["mm"]),
                    tzinfo=ZoneInfo(zone))


class Command(BaseCommand):
    help = "Simulate a terminal (door, turnstile, gate) against a Civicard server."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--token", help="the terminal's token (shown once at registration)")
        parser.add_argument("--register", type=int, metavar="CHECKPOINT_ID",
                            help="register a new terminal for this checkpoint first "
                                 "(on the server's own database)")
        parser.add_argument("--as", dest="manager", metavar="EMAIL",
                            help="the service manager registering the terminal")
        parser.add_argument("--name", default="Terminal simulator")
        parser.add_argument("--at", dest="clock", metavar="WHEN",
                            help="start with the reader's clock at WHEN (see `at` below)")

    simulator_options: dict = {}  # tests inject a clock here

    def handle(self, *args, url, token, register, manager, name, clock=None, **options):
        if register:
            token = self._register(register, manager, name)
        if not token:
            raise CommandError("Give --token, or --register CHECKPOINT_ID --as MANAGER_EMAIL.")
        sim = Simulator(transport=http_transport(url), token=token, **self.simulator_options)
        self.stdout.write(HELP_TEXT)
        if clock:
            self.command(sim, f"at {clock}")
        try:
            document = sim.sync()
            self.stdout.write(f"Allow-list version {document['version']}: "
                              f"{len(sim.cards)} cards.")
        except (Unreachable, SignatureInvalid) as error:
            self.stdout.write(f"Could not fetch the allow-list: {error}")
        for line in sys.stdin:
            if not self.command(sim, line.strip()):
                break

    def _register(self, checkpoint_id, manager_email, name):
        from civicard.access.models import Checkpoint
        from civicard.access.terminals import register_terminal
        from civicard.core import clock
        from civicard.people.models import User

        user = User.objects.filter(email=manager_email or "").first()
        checkpoint = Checkpoint.objects.filter(pk=checkpoint_id).first()
        if user is None or checkpoint is None:
            raise CommandError("Unknown manager e-mail or checkpoint id.")
        terminal, token = register_terminal(checkpoint=checkpoint, name=name, actor=user,
                                            at=clock.now())
        self.stdout.write(f"Registered terminal {terminal.pk} at {checkpoint}. "
                          f"Token (shown once): {token}")
        return token

    def _set_clock(self, sim: Simulator, text: str) -> None:
        real = self.simulator_options.get("now", real_now)
        zone = ZoneInfo(sim.timezone)
        try:
            fixed = reader_clock(text, zone=sim.timezone, today=real().astimezone(zone).date())
        except ValueError:
            self.stdout.write("Write the time as HH:MM, tomorrow HH:MM, YYYY-MM-DD HH:MM or now.")
            return
        sim.now = real if fixed is None else (lambda: fixed)
        self.stdout.write(f"Reader clock: {sim.now().astimezone(zone):%Y-%m-%d %H:%M} "
                          "(offline decisions use it; live scans use the server's time).")

    def command(self, sim: Simulator, line: str) -> bool:
        write = self.stdout.write
        try:
            if line in ("quit", "exit"):
                return False
            if not line:
                return True
            if line == "offline":
                sim.offline = True
                write("Offline: deciding from the allow-list.")
            elif line == "online":
                sim.offline = False
                result = sim.upload()
                if result:
                    write(f"Uploaded: {result['recorded']} recorded, "
                          f"{result['duplicates']} already known, {result['rejected']} refused.")
                document = sim.sync()
                write(f"Allow-list version {document['version']}: {len(sim.cards)} cards.")
            elif line == "sync":
                document = sim.sync()
                write(f"Allow-list version {document['version']}: {len(sim.cards)} cards.")
            elif line == "upload":
                result = sim.upload()
                write(f"Uploaded: {result['recorded']} recorded, "
                      f"{result['duplicates']} already known, {result['rejected']} refused."
                      if result else "Nothing to send.")
            elif line.startswith("at "):
                self._set_clock(sim, line[3:])
            elif line == "status":
                version = sim.allowlist["version"] if sim.allowlist else "-"
                write(f"{'offline' if sim.offline else 'online'}, allow-list {version}, "
                      f"{len(sim.buffer)} decisions waiting.")
            else:
                answer = sim.scan(line)
                mark = "OPEN " if answer.get("decision") == "allow" else "REFUSED"
                extra = []
                if answer.get("balance_cents") is not None:
                    extra.append(f"balance {answer['balance_cents'] / 100:.2f}")
                if answer.get("remaining_quota") is not None:
                    extra.append(f"{answer['remaining_quota']} free visits left")
                if answer.get("offline"):
                    extra.append("offline")
                write(f"{mark} [{answer.get('reason_code', answer.get('code'))}] "
                      f"{answer.get('message', '')} {' · '.join(extra)}".rstrip())
        except SignatureInvalid:
            write("The allow-list signature is wrong: list refused.")
        except Unreachable as error:
            write(f"Server unreachable ({error}).")
        return True
