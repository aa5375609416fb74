"""`civicard setup`: turn an empty database into a working territory — its name and country,
its communes from INSEE's official list, its neighbourhoods and priority neighbourhoods (QPV),
and the first administrator. Interactive by default; scripted with flags or a TOML file
(`--config`), the password from CIVICARD_SETUP_ADMIN_PASSWORD."""

import getpass
import os
import tomllib

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.people.operations import create_first_administrator
from civicard.territory import official_lists
from civicard.territory.operations import set_up_territory

PASSWORD_VARIABLE = "CIVICARD_SETUP_ADMIN_PASSWORD"
SETTINGS = ["name", "country", "communes", "codes", "departement", "neighbourhoods",
            "admin_email", "admin_name"]


class Command(BaseCommand):
    help = "Start a territory on an empty database (see README, 'Production')."

    def add_arguments(self, parser):
        parser.add_argument("--no-input", action="store_false", dest="interactive",
                            help="never ask: every setting comes from flags or --config")
        parser.add_argument("--config", help="a TOML file with any of the settings below")
        parser.add_argument("--name", help="the territory's name, e.g. 'Gâtine Agglomération'")
        parser.add_argument("--country", help="two-letter code (FR, BE, CH, LU); default FR")
        parser.add_argument("--communes", metavar="FILE",
                            help="INSEE's commune list as published (v_commune_<year>.csv)")
        parser.add_argument("--codes", help="INSEE codes of the communes, comma-separated")
        parser.add_argument("--departement", help="or keep every commune of a département")
        parser.add_argument("--neighbourhoods", metavar="FILE",
                            help="CSV: code, name, commune, population, latitude, longitude")
        parser.add_argument("--admin-email", dest="admin_email")
        parser.add_argument("--admin-name", dest="admin_name")

    def handle(self, *args, **options):
        values = self._settings(options)
        try:
            codes = {code.strip() for code in (values.get("codes") or "").split(",")
                     if code.strip()}
            communes = official_lists.read_communes(values["communes"], codes=codes or None,
                                                    departement=values.get("departement"))
            neighbourhoods = (official_lists.read_neighbourhoods(
                values["neighbourhoods"], commune_codes={code for code, _name in communes})
                if values.get("neighbourhoods") else [])
            password = self._password(options["interactive"])
            with transaction.atomic(durable=True):  # the territory and its administrator
                territory = set_up_territory(name=values["name"], country=values["country"],
                                             communes=communes, neighbourhoods=neighbourhoods)
                admin = create_first_administrator(
                    email=values["admin_email"], password=password,
                    full_name=values.get("admin_name") or values["admin_email"].split("@")[0],
                    language=territory.default_language, at=clock.now())
        except DomainError as error:
            details = "; ".join(f"{field}: {' '.join(messages)}"
                                for field, messages in error.fields.items())
            raise CommandError(f"{error.text()} {details}".strip()) from None
        except OSError as error:
            raise CommandError(_("Cannot open the file: %(reason)s")
                               % {"reason": f"{error.filename}: {error.strerror}"}) from None
        priority = sum(1 for row in neighbourhoods if row.qpv_code)
        self.stdout.write(self.style.SUCCESS(_(
            "%(territory)s is ready. Communes: %(communes)s. Neighbourhoods: %(neighbourhoods)s, "
            "of which priority neighbourhoods (QPV): %(priority)s.") % {
            "territory": territory.name, "communes": len(communes),
            "neighbourhoods": len(neighbourhoods), "priority": priority}))
        self.stdout.write(_(
            "Administrator: %(email)s. At the first login they set up two-step login (an "
            "authenticator app), then create the services, places and staff accounts.")
            % {"email": admin.email})

    def _settings(self, options) -> dict:
        values = {}
        if options.get("config"):
            try:
                with open(options["config"], "rb") as handle:
                    values = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise CommandError(f"{options['config']}: {error}") from None
            unknown = set(values) - set(SETTINGS)
            if unknown:
                raise CommandError(_("Unknown settings in the file: %(names)s")
                                   % {"names": ", ".join(sorted(unknown))})
        values.update({name: options[name] for name in SETTINGS if options.get(name)})
        values.setdefault("country", "FR")
        for name in ("name", "communes", "codes", "neighbourhoods", "admin_email"):
            if values.get(name) or (name == "codes" and values.get("departement")):
                continue
            if options["interactive"]:
                values[name] = self._ask(name, required=name != "neighbourhoods")
            elif name == "codes":
                raise CommandError(_("Give the communes' INSEE codes or a département."))
            elif name != "neighbourhoods":
                raise CommandError(_("Missing setting: %(name)s") % {"name": name})
        return values

    def _ask(self, name: str, *, required: bool = True) -> str:
        questions = {
            "name": _("Territory name: "),
            "communes": _("INSEE commune list (CSV file): "),
            "codes": _("INSEE codes of the communes, comma-separated: "),
            "neighbourhoods": _("Neighbourhoods CSV file (Enter for none): "),
            "admin_email": _("Administrator's e-mail: "),
        }
        while True:
            answer = input(questions[name]).strip()
            if answer or not required:
                return answer

    def _password(self, interactive: bool) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if password or not interactive:
            if not password:
                raise CommandError(_("Set %(variable)s to the administrator's password.")
                                   % {"variable": PASSWORD_VARIABLE})
            return password
        while True:
            password = getpass.getpass(_("Administrator's password: "))
            if password == getpass.getpass(_("The same password again: ")):
                return password
            self.stderr.write(_("The two passwords differ; try again."))
