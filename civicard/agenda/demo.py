"""The demo agenda: sixty events over two months from the town, the theatre (its season read
from demo_data/theatre.ics, publisher slug `theatre`), the médiathèque and the associations
(their mutual-aid events, most approved by the moderator); one cancelled, one written in five
languages; Amina follows "children" and "culture"."""

from datetime import datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from civicard.agenda import operations, queries
from civicard.agenda.models import Event, Publisher
from civicard.benefits.models import Venue
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import User
from civicard.territory.models import Neighbourhood

THEATRE_FEED = Path(__file__).resolve().parent / "demo_data" / "theatre.ics"

# (title, categories, hour, minutes long, price in cents or None, ages, accessibility, venue)
TOWN = [
    ("Marché de nuit des producteurs", ["town"], 18, 240, 0, None, ["motor"], None),
    ("Conseil municipal ouvert au public", ["town"], 19, 120, 0, None, ["motor", "hearing"],
     None),
    ("Balade nature au bord de la Brenne", ["nature"], 10, 150, 0, None, [], None),
    ("Exposition « Lumières d'hiver »", ["culture"], 10, 480, 500, None, ["motor", "visual"],
     "Musée de la Ville"),
    ("Tournoi de football des quartiers", ["sport", "children"], 14, 180, 0, (8, 14), [], None),
    ("Bal populaire", ["music", "town"], 20, 180, 0, None, ["motor"], None),
    ("Après-midi jeux en famille", ["children"], 14, 180, 0, (3, 12), ["motor"], None),
    ("Nettoyons le quartier", ["solidarity", "nature"], 9, 180, 0, None, [], None),
    ("Soirée patinoire en musique", ["sport", "music"], 19, 150, 400, None, [], "Patinoire"),
    ("Visite guidée du musée en langue des signes", ["culture"], 15, 90, 0, None, ["hearing"],
     "Musée de la Ville"),
    ("Séance de cinéma en plein air", ["cinema"], 20, 120, 0, None, ["motor"], None),
    ("Atelier vélo : réparer soi-même", ["workshop"], 10, 180, 0, None, [], None),
    ("Nage en famille", ["sport", "children"], 10, 120, 350, (4, 12), ["motor"],
     "Piscine des Tilleuls"),
    ("Forum des associations", ["solidarity", "town"], 10, 420, 0, None, ["motor", "hearing"],
     None),
    ("Concert de l'harmonie municipale", ["music"], 17, 90, 0, None, ["motor"], None),
    ("Projection-débat au Palace", ["cinema", "culture"], 20, 150, 600, None, [],
     "Cinéma Le Palace"),
]
MEDIATHEQUE = [
    ("L'heure du conte", ["children", "reading"], 10, 60, (3, 7)),
    ("Club de lecture", ["reading"], 18, 90, None),
    ("Atelier jeux vidéo", ["children", "workshop"], 14, 120, (8, 14)),
    ("Bébés lecteurs", ["children", "reading"], 10, 45, (0, 3)),
    ("Rencontre avec une autrice", ["reading", "culture"], 18, 90, None),
]
MULTILINGUAL = {
    "fr": ("Fête des voisins du monde", "Chacun apporte un plat de chez lui. Musique et jeux."),
    "en": ("Neighbours of the world party", "Everyone brings a dish from home. Music and games."),
    "ar": ("حفلة جيران العالم", "يحضر كل واحد طبقًا من بلده. موسيقى وألعاب."),
    "uk": ("Свято сусідів світу", "Кожен приносить страву зі своєї країни. Музика та ігри."),
    "pt": ("Festa dos vizinhos do mundo", "Cada um traz um prato da sua terra. Música e jogos."),
}


def _at(ctx, days: int, hour: int) -> datetime:
    day = timezone.localdate(ctx.now + timedelta(days=days))
    return datetime.combine(day, time(hour, 0), tzinfo=queries.zone())


def _details(title, categories, start, minutes, *, texts=None, price=None, ages=None,
             accessibility=(), venue=None, hood=None, place=""):
    return operations.EventDetails(
        language="fr", texts=texts or {"fr": (title, "")}, start=start,
        end=start + timedelta(minutes=minutes), categories=categories,
        place_name=place or (venue.name if venue else hood.name), neighbourhood=hood,
        address=venue.address if venue else "", venue=venue,
        price_cents=price or 0,
        free_with_card=venue is not None and bool(price),  # the card opens the partner venue
        age_min=ages[0] if ages else None, age_max=ages[1] if ages else None,
        accessibility=list(accessibility))


def _login(email):
    return User.objects.filter(email=f"{email}@{DEMO_EMAIL_DOMAIN}").first()


def load(ctx):
    if Publisher.objects.filter(slug="town").exists():
        return
    rng = ctx.rng_for("agenda")
    territory = ctx.territory
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory).order_by("pk"))
    venues = {venue.name: venue for venue in Venue.objects.filter(territory=territory)}
    admin, manager, venue_staff = _login("admin"), _login("manager"), _login("venue")
    town = Publisher.objects.create(territory=territory, slug="town", kind=Publisher.Kind.TOWN,
                                    name=territory.name, language="fr")
    town.editors.set([user for user in (admin, manager) if user])
    theatre = Publisher.objects.create(territory=territory, slug="theatre",
                                       kind=Publisher.Kind.VENUE, name="Théâtre municipal",
                                       language="fr", venue=venues.get("Théâtre municipal"))
    library = Publisher.objects.create(
        territory=territory, slug="mediatheque", kind=Publisher.Kind.VENUE,
        name="Médiathèque Jacques-Prévert", language="fr",
        venue=venues.get("Médiathèque Jacques-Prévert"))
    if venue_staff:
        library.editors.add(venue_staff)

    operations.import_calendar(publisher=theatre, at=ctx.now,
                               text=THEATRE_FEED.read_text(encoding="utf-8"))
    for number in range(29):  # about two dates of each town event, over two months
        title, categories, hour, minutes, price, ages, access, venue = TOWN[number % len(TOWN)]
        start = _at(ctx, 2 + number * 2 + rng.randint(0, 1), hour)
        operations.publish_event(publisher=town, actor=None, at=ctx.now, details=_details(
            title, categories, start, minutes, price=price, ages=ages,
            accessibility=access, venue=venues.get(venue) if venue else None,
            hood=rng.choice(hoods)))
    for number in range(15):
        title, categories, hour, minutes, ages = MEDIATHEQUE[number % len(MEDIATHEQUE)]
        venue = library.venue
        operations.publish_event(publisher=library, actor=None, at=ctx.now, details=_details(
            title, categories, _at(ctx, 1 + number * 4, hour), minutes, ages=ages,
            accessibility=["motor"], venue=venue, hood=venue.neighbourhood if venue else hoods[0],
            price=0))
    party = operations.publish_event(publisher=town, actor=None, at=ctx.now, details=_details(
        "", ["solidarity", "music"], _at(ctx, 9, 18), 240, texts=MULTILINGUAL,
        hood=hoods[-1], place="Parc des Tilleuls"))
    night_market = Event.objects.filter(publisher=town).order_by("pk").first()

    moderator = _login("moderator")
    pending = list(Event.objects.filter(review=Event.Review.PENDING).order_by("pk"))
    for event in pending[1:] if moderator else []:  # one is left for the moderator to read
        operations.moderate_event(event=event, approve=True, actor=moderator, at=ctx.now)

    amina = _login("resident")
    if amina is not None:
        for category in ("children", "culture"):
            operations.follow(person=amina.person, kind="category", value=category, at=ctx.now)
        operations.follow(person=amina.person, kind="event", value=party.pk, at=ctx.now)
    operations.change_status(event=night_market, status=Event.Status.CANCELLED, actor=None,
                             at=ctx.now)
    ctx.notes.append(
        "Agenda: /agenda/ (this week, month, map), resident@ follows children and culture "
        "(/agenda/my-alerts/); the theatre's season comes from an .ics "
        "(`civicard import-events civicard/agenda/demo_data/theatre.ics --publisher theatre`); "
        "moderator@ approves association events at /agenda/moderation/; admin@ publishes in "
        "several languages at /agenda/publish/ and changes an event from its page; "
        "`civicard agenda-tick --free-entries` sends holders the month's free-entries reminder.")
