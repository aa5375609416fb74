"""Demo: the Médiathèque (2,000 titles imported from a generated UNIMARC file, two branches, a
self-check kiosk) and the Ludothèque (300 games imported from CSV, one membership per household),
both lending with Civicard. Amina has two loans and one hold ready to collect."""

import io
from datetime import timedelta

import pymarc
from django.db.models import Count

from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.library import catalogue, operations
from civicard.library.models import (
    Channel,
    Copy,
    CopyState,
    Library,
    LibraryKind,
    MembershipScope,
)
from civicard.people.models import User
from civicard.territory.models import Commune

KIOSK_LOGIN = "kiosk-centre"
KIOSK_PASSWORD = "civicard-demo-kiosk"  # demo only: a real kiosk gets its own in the admin
WORDS = ["jardin", "secret", "nuit", "étoile", "voyage", "mer", "forêt", "ville", "rêve",
         "lumière", "hiver", "été", "maison", "chemin", "souvenir", "île", "montagne", "silence",
         "printemps", "fleuve", "oiseau", "enfance", "lune", "soleil", "vent", "cœur"]
AUTHORS = ["Hugo, Victor", "Sand, George", "Colette", "Camus, Albert", "Ernaux, Annie",
           "Modiano, Patrick", "Condé, Maryse", "Saint-Exupéry, Antoine de", "Daoud, Kamel",
           "Slimani, Leïla", "Mabanckou, Alain", "Vargas, Fred"]
GAMES = ["Dixit", "Carcassonne", "Dobble", "Jungle Speed", "Les Aventuriers du rail",
         "Puzzle 500 pièces", "Memory des animaux", "Kapla 200", "Uno", "Qwirkle",
         "Timeline", "Splendor", "Mölkky", "Hanabi", "Le Verger"]
NOTE = ("Library: /library/ (search, availability), /library/me/ (Amina: two loans, one hold "
        "ready, one copy on its way from the Annexe des Tours), the desk at /library/desk/<id>/ "
        "and its catalogue at /library/desk/<id>/catalogue/ for agent@. Self-check kiosk: run "
        "`civicard sip2-server --port 6001`, then e.g. "
        "`printf '9300CN{login}|CO{password}|\\r"
        "2300020260101    120000AOmediatheque|AA{number}|\\r' | nc -q1 127.0.0.1 6001`.")


def marc_records(count: int, rng, *, barcode_prefix: str = "M"):
    """UNIMARC records as French libraries exchange them: 200 title, 700 author, 210
    publication, 995 items (b: branch, f: barcode)."""
    for number in range(1, count + 1):
        record = pymarc.Record(force_utf8=True, leader="     nam  22     3  4500")
        words = rng.sample(WORDS, rng.randint(2, 4))
        title = " ".join(words).capitalize()
        surname, _, forename = rng.choice(AUTHORS).partition(", ")
        record.add_field(pymarc.Field(tag="001", data=f"{barcode_prefix}{number:07d}"))
        record.add_field(pymarc.Field(tag="200", indicators=["1", " "], subfields=[
            pymarc.Subfield("a", title)]))
        record.add_field(pymarc.Field(tag="210", indicators=[" ", " "], subfields=[
            pymarc.Subfield("c", "Éditions du Marais"),
            pymarc.Subfield("d", str(rng.randint(1950, 2025)))]))
        record.add_field(pymarc.Field(tag="700", indicators=[" ", "1"], subfields=[
            pymarc.Subfield("a", surname), pymarc.Subfield("b", forename)]))
        for copy in range(rng.choice([1, 1, 1, 2, 3])):
            record.add_field(pymarc.Field(tag="995", indicators=[" ", " "], subfields=[
                pymarc.Subfield("b", rng.choice(["centre", "centre", "tours"])),
                pymarc.Subfield("f", f"{barcode_prefix}{number:07d}{copy}")]))
        yield record


def load(ctx):
    if Library.objects.filter(code="mediatheque").exists():
        ctx.notes.append(_note())
        return
    rng = ctx.rng_for("library")
    commune = Commune.objects.filter(territory=ctx.territory).order_by("pk").first()
    agent = User.objects.get(email=f"agent@{DEMO_EMAIL_DOMAIN}")
    manager = User.objects.get(email=f"manager@{DEMO_EMAIL_DOMAIN}")
    media = Library.objects.create(territory=ctx.territory, commune=commune, code="mediatheque",
                                   name="Médiathèque Jacques Prévert", kind=LibraryKind.LIBRARY)
    centre = media.branches.create(code="centre", name="Médiathèque du centre")
    annexe = media.branches.create(code="tours", name="Annexe des Tours")
    toys = Library.objects.create(territory=ctx.territory, commune=commune, code="ludotheque",
                                  name="Ludothèque La Toupie", kind=LibraryKind.TOY_LIBRARY,
                                  membership_scope=MembershipScope.HOUSEHOLD, loan_days=28)
    toy_branch = toys.branches.create(code="toupie", name="Ludothèque La Toupie")

    marc = io.BytesIO(b"".join(r.as_marc() for r in marc_records(2000, rng)))
    catalogue.import_records(library=media, records=catalogue.read_marc(marc),
                             default_branch=centre, all_or_nothing=True, at=ctx.now)
    rows = ["record_id,kind,title,author,publisher,year,isbn,barcode,branch,pieces"]
    for number in range(1, 301):
        name = f"{rng.choice(GAMES)} ({number})"
        rows.append(f"J{number:04d},game,{name},,,{rng.randint(1990, 2025)},,"
                    f"J{number:04d}0,toupie,{rng.choice(['', '54', '84', '110', '500'])}")
    catalogue.import_records(library=toys, records=catalogue.read_csv(
        io.BytesIO("\n".join(rows).encode())), default_branch=toy_branch, all_or_nothing=True,
        at=ctx.now)
    operations.add_kiosk(library=media, branch=centre, name="Automate de prêt, entrée",
                         login=KIOSK_LOGIN, password=KIOSK_PASSWORD, actor=manager)

    amina = User.objects.get(email=f"resident@{DEMO_EMAIL_DOMAIN}")
    start = ctx.now - timedelta(days=200)
    membership = operations.join(library=media, person=amina.person, home_branch=centre,
                                 actor=amina, at=start)
    operations.join(library=toys, person=amina.person, home_branch=toy_branch, actor=amina,
                    at=start)
    single = (Copy.objects.filter(library=media, state=CopyState.ON_SHELF)
              .annotate(copies=Count("title__copies")).filter(copies=1))
    first, second, wanted = single.filter(branch=centre).order_by("pk")[:3]  # one copy each
    far = single.filter(branch=annexe).order_by("pk").first()
    for copy, days_ago in ((first, 18), (second, 4)):
        operations.lend(membership=membership, person=amina.person, copy=copy,
                        channel=Channel.DESK, actor=agent, at=ctx.now - timedelta(days=days_ago))
    for copy, hours_ago in ((wanted, 2), (far, 1)):  # ready at once; sent from the annexe
        operations.place_hold(title=copy.title, membership=membership, person=amina.person,
                              pickup_branch=centre, channel=Channel.ONLINE, actor=amina,
                              at=ctx.now - timedelta(hours=hours_ago))
    ctx.notes.append(_note())


def _note() -> str:
    amina = User.objects.get(email=f"resident@{DEMO_EMAIL_DOMAIN}")
    membership = amina.person.library_memberships.get(library__code="mediatheque")
    return NOTE.format(login=KIOSK_LOGIN, password=KIOSK_PASSWORD, number=membership.number)
