"""A living neighbourhood network: a few hundred posts in several languages, helpful neighbours,
conversations (one for the resident login), 5 associations with news and events, private
requests to the town, vulnerable-person reports (one handled) and typed paper slips."""

from datetime import timedelta

from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.moderation import operations as moderation
from civicard.mutualaid.models import (
    Association,
    Category,
    Conversation,
    Event,
    Follow,
    HelpfulNeighbour,
    Message,
    News,
    PaperSlip,
    Post,
    TownMessage,
    TownRequest,
    VulnerabilityReport,
)
from civicard.mutualaid.operations import create_post
from civicard.people.models import Membership, Person, User
from civicard.territory.models import Neighbourhood

POSTS = 360

# (language, kind, category, title, description, availability)
TEXTS = [
    ("fr", "offer", "lend", "Je prête une perceuse", "Perceuse à percussion avec forets, à "
     "récupérer et rapporter dans la semaine.", "le soir après 18 h"),
    ("fr", "offer", "lend", "Escabeau à prêter", "Escabeau 5 marches, en bon état.",
     "le week-end"),
    ("fr", "request", "shopping", "Quelqu'un pour porter mes courses ?", "Je ne peux plus "
     "porter de charges lourdes. Courses au marché le samedi.", "samedi matin"),
    ("fr", "request", "company", "Une visite de temps en temps", "J'habite seule depuis "
     "longtemps, j'aimerais parler un peu autour d'un café.", "l'après-midi"),
    ("fr", "offer", "paperwork", "Aide pour les papiers", "Ancienne secrétaire, j'aide à "
     "remplir les formulaires (CAF, impôts, retraite).", "mardi et jeudi"),
    ("fr", "offer", "diy", "Petits travaux de bricolage", "Je peux monter un meuble, changer "
     "une ampoule ou poser une étagère.", "en semaine"),
    ("fr", "request", "transport", "Trajet pour un rendez-vous à l'hôpital", "Besoin d'être "
     "accompagnée jusqu'à l'hôpital, aller-retour.", "jeudi 14 h"),
    ("fr", "offer", "childcare", "Garde d'enfants après l'école", "Maman de deux enfants, je "
     "peux récupérer les vôtres à la sortie de l'école.", "lundi au vendredi 16 h 30"),
    ("fr", "request", "housework", "Aide pour le ménage", "Suite à une chute, j'ai besoin d'un "
     "coup de main pour passer l'aspirateur.", "une heure par semaine"),
    ("fr", "offer", "transport", "Je vais au supermarché chaque vendredi", "Je peux emmener "
     "une personne avec moi en voiture.", "vendredi matin"),
    ("en", "offer", "company", "Walks in the park", "Retired teacher, happy to go for a walk "
     "and a chat with anyone who feels lonely.", "mornings"),
    ("en", "request", "lend", "Looking for a lawnmower", "Small garden, I need a mower for "
     "one afternoon.", "any weekend"),
    ("ar", "offer", "childcare", "أستطيع رعاية الأطفال", "أم لطفلين، يمكنني مساعدة العائلات في "
     "رعاية الأطفال بعد المدرسة.", "بعد الظهر"),
    ("ar", "request", "paperwork", "أحتاج مساعدة في الأوراق الإدارية", "أحتاج شخصًا يساعدني "
     "في ملء استمارة باللغة الفرنسية.", "في المساء"),
    ("uk", "request", "paperwork", "Допомога з документами", "Потрібна допомога з "
     "французькими документами для префектури.", "у будь-який день"),
    ("uk", "offer", "housework", "Можу допомогти з прибиранням", "Допоможу з прибиранням "
     "літнім сусідам.", "вихідні"),
    ("tr", "offer", "diy", "Tamir işlerinde yardım", "Küçük tamir işlerinde yardımcı "
     "olabilirim.", "hafta sonu"),
    ("pt", "offer", "shopping", "Posso fazer compras", "Vou ao mercado todas as semanas e "
     "posso trazer compras para vizinhos.", "quarta-feira"),
    ("fa", "request", "transport", "به کمک برای رفت و آمد نیاز دارم", "برای رفتن به "
     "کلاس زبان فرانسه به کمک نیاز دارم.", "صبح‌ها"),
    ("ti", "offer", "company", "ምሕጋዝ ንዓበይቲ", "ንዓበይቲ ጎረባብቲ ክበጽሖም እኽእል እየ።", "ቀዳመ ሰንበት"),
]

ASSOCIATIONS = [
    ("Les Jardins Partagés des Terrasses", "jardins-terrasses", "Les Terrasses",
     "Un jardin ouvert à tous au pied des immeubles : parcelles, outils en commun, ateliers.",
     ["lend", "company"]),
    ("Repair Café du Val-de-Brenne", "repair-cafe", "Centre-Ville",
     "Un samedi par mois, des bénévoles réparent avec vous vos objets du quotidien.",
     ["diy", "lend"]),
    ("Entraide Seniors Les Ormeaux", "entraide-seniors", "Le Bourg",
     "Visites, sorties et appels de convivialité pour les aînés de la commune.",
     ["company", "transport"]),
    ("Accueil et Langues", "accueil-langues", "La Gare",
     "Cours de français, aide aux démarches et accueil des nouveaux arrivants.",
     ["paperwork", "company"]),
    ("Parents Solidaires de Vernay", "parents-vernay", "Le Village",
     "Garde partagée, bourse aux vêtements d'enfants, sorties familles.",
     ["childcare", "other"]),
]


def _login(email):
    return User.objects.filter(email=email).select_related("person").first()


def load(ctx):
    if Post.objects.exists():
        return
    from civicard.mutualaid.operations import ensure_default_categories

    ensure_default_categories()
    rng = ctx.rng_for("mutualaid")
    now = ctx.now
    categories = {c.code: c for c in Category.objects.all()}
    hoods = list(Neighbourhood.objects.filter(commune__territory=ctx.territory))
    by_name = {h.name: h for h in hoods}
    territory = ctx.territory
    adults = list(Membership.objects.filter(is_guardian=True, person__erased_at__isnull=True,
                                            household__address__isnull=False)
                  .select_related("person", "household__address")
                  .order_by("person_id")[:1200])
    home = {m.person_id: m.household.address.neighbourhood_id for m in adults}
    people = [m.person for m in adults]
    social, editor = _login(f"social@{DEMO_EMAIL_DOMAIN}"), _login(
        f"association@{DEMO_EMAIL_DOMAIN}")
    amina = _login(f"resident@{DEMO_EMAIL_DOMAIN}").person

    # Helpful neighbours: about 1 in 15 adults.
    helpers = []
    for person in rng.sample(people, 80):
        helper = HelpfulNeighbour.objects.create(
            person=person, neighbourhood_id=home[person.pk], since=now - timedelta(days=60),
            what=rng.choice(["Courses, petits trajets", "Bricolage", "Papiers administratifs",
                             "Visites et conversation", "Garde d'enfants"]),
            when=rng.choice(["le week-end", "en semaine le soir", "le matin"]))
        helper.skills.set(rng.sample(list(categories.values()), 2))
        helpers.append(helper)

    # Posts by residents: a few hundred, in the language of each text.
    posts = []
    for number in range(POSTS):
        language, kind, category, title, description, availability = rng.choice(TEXTS)
        author = rng.choice(people)
        created = now - timedelta(hours=rng.randint(1, 24 * 40))
        closed = rng.random() < 0.15
        posts.append(Post(
            territory=territory, kind=kind, category=categories[category], title=title,
            description=description, availability=availability, language=language,
            neighbourhood_id=home[author.pk], author=author, contact=author,
            status=Post.Status.CLOSED if closed else Post.Status.OPEN, created_at=created,
            closed_at=created + timedelta(days=2) if closed else None,
            expires_at=created + timedelta(days=30 if number % 7 else 60)))
    Post.objects.bulk_create(posts, batch_size=500)

    # The resident login's request, answered privately by a helpful neighbour.
    amina_hood = Neighbourhood.objects.filter(
        addresses__households__memberships__person=amina).first() or hoods[0]
    request = Post.objects.create(
        territory=territory, kind=Post.Kind.REQUEST, category=categories["paperwork"],
        title="أحتاج مساعدة لملء ملف المدرسة", description="ملف التسجيل في المقصف باللغة "
        "الفرنسية. شكرًا!", availability="مساء الثلاثاء", language="ar",
        neighbourhood=amina_hood, author=amina, contact=amina, created_at=now - timedelta(days=2),
        expires_at=now + timedelta(days=28))
    helper = next(h for h in helpers if h.person_id != amina.pk)
    conversation = Conversation.objects.create(post=request, starter=helper.person,
                                               recipient=amina, created_at=now - timedelta(
                                                   days=1), last_message_at=now)
    for sender, body, hours in (
            (helper.person, "Bonjour, je peux vous aider mardi soir pour le dossier.", 30),
            (amina, "Merci beaucoup ! Mardi 18 h à la médiathèque ?", 20),
            (helper.person, "Parfait, à mardi. Mon numéro si besoin : 06 45 12 78 90.", 2)):
        Message.objects.create(conversation=conversation, sender=sender, body=body,
                               created_at=now - timedelta(hours=hours))
    for post in rng.sample(posts, 40):
        other = rng.choice(people)
        if other.pk == post.contact_id:
            continue
        chat = Conversation.objects.create(post=post, starter=other, recipient=post.contact,
                                           created_at=post.created_at,
                                           last_message_at=post.created_at)
        Message.objects.create(conversation=chat, sender=other, created_at=post.created_at,
                               body=rng.choice(["Bonjour, je peux vous aider !",
                                                "Je suis intéressée, c'est toujours possible ?",
                                                "Hello, I can help this weekend."]))

    # Associations, their news and events; the association login edits them all.
    for name, slug, hood, presentation, codes in ASSOCIATIONS:
        association = Association.objects.create(
            territory=territory, name=name, slug=slug, presentation=presentation,
            contact_email=f"contact@{slug}.example.org", contact_phone="05 49 00 00 00",
            neighbourhood=by_name.get(hood))
        association.categories.set([categories[c] for c in codes])
        association.editors.add(editor)
        for days, title in ((5, "Assemblée générale"), (20, "Nouveaux bénévoles bienvenus")):
            News.objects.create(association=association, title=title, language="fr",
                                body=f"{name} : {title.lower()}. Venez nombreux !",
                                published_at=now - timedelta(days=days), author=editor)
        for days, title, free in ((6, "Atelier ouvert", True), (18, "Sortie collective", False)):
            Event.objects.create(association=association, title=title, language="fr",
                                 description=f"{title} avec {name}.",
                                 starts_at=now + timedelta(days=days, hours=14),
                                 place="Salle des fêtes" if free else "Départ place de la Mairie",
                                 registration=f"contact@{slug}.example.org", is_free=free,
                                 price="" if free else "5 €", created_at=now)
        for person in rng.sample(people, 12):
            Follow.objects.get_or_create(association=association, person=person,
                                         defaults={"created_at": now})
    Follow.objects.get_or_create(association=Association.objects.get(slug="accueil-langues"),
                                 person=amina, defaults={"created_at": now})

    # Private requests to the town (CCAS), one published anonymously with consent.
    for index, (code, body) in enumerate([
            ("shopping", "Depuis mon opération je ne peux plus porter mes courses."),
            ("paperwork", "Je ne comprends pas le courrier de la CAF, pouvez-vous m'aider ?"),
            ("company", "Je me sens très seule depuis le décès de mon mari."),
            ("transport", "Je n'ai pas de voiture pour aller à mes rendez-vous médicaux."),
            ("housework", "Mon logement est devenu trop difficile à entretenir seule."),
            ("other", "Je voudrais savoir à quelles aides j'ai droit.")]):
        person = people[index * 7]
        town = TownRequest.objects.create(
            territory=territory, person=person, category=categories[code], body=body,
            neighbourhood_id=home[person.pk], language="fr",
            created_at=now - timedelta(days=index + 1),
            consent_to_publish_at=now - timedelta(days=index + 1) if index == 0 else None)
        TownMessage.objects.create(request=town, sender=person, body=body,
                                   created_at=town.created_at)
        if index in (0, 1):
            TownMessage.objects.create(
                request=town, sender=social.person, from_town=True, created_at=now,
                body="Bonjour, nous avons bien reçu votre demande. Nous vous appelons demain.")
            town.status = TownRequest.Status.ANSWERED
        if index == 0:
            post = Post.objects.create(
                territory=territory, kind=Post.Kind.REQUEST, category=categories[code],
                title="Courses à porter une fois par semaine",
                description="Une voisine ne peut plus porter ses courses. Qui peut l'aider ?",
                language="fr", neighbourhood_id=town.neighbourhood_id, author=None,
                contact=social.person, origin=Post.Origin.TOWN, created_at=now,
                expires_at=now + timedelta(days=30))
            town.published_post, town.status = post, TownRequest.Status.PUBLISHED
        town.save()

    # Vulnerable-person reports: one handled, one waiting.
    VulnerabilityReport.objects.create(
        territory=territory, reporter=people[3], who="Monsieur âgé du 2e étage, bâtiment B",
        where="Résidence des Tilleuls, Les Terrasses", why="Ses volets restent fermés depuis "
        "une semaine et il ne répond pas.", created_at=now - timedelta(days=12),
        outcome=VulnerabilityReport.Outcome.HELP_ACCEPTED, outcome_note="Visite faite, "
        "portage de repas mis en place.", handled_by=social,
        last_contact_at=now - timedelta(days=9))
    VulnerabilityReport.objects.create(
        territory=territory, reporter=people[5], who="Une dame seule avec un petit chien",
        where="Rue des Écoles, près de la boulangerie", why="Elle semble désorientée et ne "
        "sort plus faire ses courses.", created_at=now - timedelta(hours=5))

    # Typed paper slips from the boxes.
    for box, hood, code, title, description, reach, phone in (
            ("Boulangerie de la place", "Centre-Ville", "company", "Partie de cartes",
             "Monsieur de 84 ans aimerait jouer aux cartes le dimanche.", "phone",
             "05 49 12 34 56"),
            ("Pharmacie des Terrasses", "Les Terrasses", "lend", "Cherche un fauteuil roulant",
             "Prêt d'un fauteuil roulant pour un mois.", "box", ""),
            ("Mairie annexe des Ormeaux", "Le Bourg", "diy", "Jardin à entretenir",
             "Dame âgée cherche quelqu'un pour tondre sa pelouse.", "phone", "05 49 65 43 21")):
        post = Post.objects.create(
            territory=territory, kind=Post.Kind.REQUEST, category=categories[code], title=title,
            description=description, language="fr", neighbourhood=by_name[hood], author=None,
            contact=social.person, origin=Post.Origin.SLIP, created_at=now - timedelta(days=3),
            expires_at=now + timedelta(days=27))
        PaperSlip.objects.create(box_location=box, slip_date=(now - timedelta(days=4)).date(),
                                 reach_by=reach, phone=phone, typed_by=social, post=post,
                                 created_at=now - timedelta(days=3))
    ctx.notes.append("Help between neighbours: /help/ (resident: one conversation in "
                     "'My posts and messages'); social services desk /help/ccas/ "
                     "(social@); associations /help/associations/ (association@ edits them).")
    _moderation_queue(ctx, categories["lend"], by_name["Centre-Ville"])


def _moderation_queue(ctx, category, neighbourhood):
    """Residents report posts (one hidden after 3 reports), a post held by the word list, a
    moderator's decision under appeal: all through the operations residents and moderators
    use."""
    rng, now = ctx.rng_for("moderation"), ctx.now
    moderator = User.objects.get(email=f"moderator@{DEMO_EMAIL_DOMAIN}")
    posts = list(Post.objects.filter(status=Post.Status.OPEN, author__isnull=False)
                 .order_by("pk")[:200])
    people = list(Person.objects.filter(user__isnull=True, erased_at__isnull=True)
                  .order_by("pk")[:300])
    reported = rng.sample(posts, 5)
    for index, post in enumerate(reported):
        reporters = [p for p in rng.sample(people, 4) if p.pk != post.author_id]
        for reporter in reporters[:3 if index == 0 else 1 + index % 2]:
            moderation.report_content(
                kind="post", object_id=post.pk, reporter=reporter,
                reason=rng.choice(["spam", "fraud", "insult", "other"]), note="", actor=None,
                at=now - timedelta(hours=index + 1))
    create_post(author=posts[1].author, kind=Post.Kind.OFFER, category=category,
                title="Gagnez de l'argent facile en bitcoin",
                description="Investissement garanti.", neighbourhood=neighbourhood,
                availability="", language="fr", actor=None, at=now)
    appealed = next(p for p in posts if p not in reported)
    decision = moderation.decide(
        kind="post", object_id=appealed.pk, action="hide", actor=moderator,
        at=now - timedelta(days=1),
        justification="Annonce commerciale : le réseau est réservé à l'entraide gratuite.")
    moderation.appeal(decision=decision, person=appealed.author, actor=None,
                      at=now - timedelta(hours=3),
                      text="Ce n'est pas une publicité, je prête vraiment cet objet.")
