"""`seed-scale`: a year of loans at the Médiathèque. A share of the chunk's residents are
members; the library buys copies of the demo's titles as the territory grows (a chunk's own
copies, its own barcodes), and each copy goes from one member to the next through the year:
most loans returned, the last one of a copy often current, a few overdue. A copy out now is
`on_loan` with that loan, every other one on the shelf, as `lend` and `check_in` leave them.
The demo's own copies keep the demo's loans and holds."""

from datetime import timedelta

from civicard.core.bulk import known
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.library.models import Channel, Copy, CopyState, Kiosk, Library, Loan, Membership
from civicard.library.models import Return as LoanReturn
from civicard.people.models import User

MEMBERS = 0.10  # of the residents (French public libraries: 10 to 15 % borrow)
LOANS_PER_MEMBER = 8  # a year, on average
LOANS_PER_COPY = 10  # a year: three weeks out, a few days or weeks on the shelf
SHELF_DAYS = (1, 30)  # between two loans of a copy
KEPT_DAYS = [(3, 21, 90), (22, 35, 8), (36, 70, 2)]  # (from, to, weight): a few kept late


def _fixed(run):
    library = Library.objects.filter(code="mediatheque").first()
    if library is None:
        return None
    known(run.ids, Membership, Copy, Loan)
    return {
        "library": library,
        "branches": list(library.branches.order_by("pk").values_list("pk", flat=True)),
        "titles": list(library.titles.order_by("pk").values_list("pk", flat=True)),
        "kiosk": Kiosk.objects.filter(library=library).values_list("pk", flat=True).first(),
        "agent": User.objects.filter(email=f"agent@{DEMO_EMAIL_DOMAIN}").values_list(
            "pk", flat=True).first(),
    }


def build(chunk):
    fixed = chunk.run.once("library", lambda: _fixed(chunk.run))
    if fixed is None or not fixed["titles"]:
        return
    rng, writer, now = chunk.rng, chunk.writer, chunk.now
    library, branches = fixed["library"], fixed["branches"]
    memberships = writer.table(Membership, "id library_id person_id number home_branch_id "
                                           "starts_on ends_on created_at")
    copies = writer.table(Copy, "id library_id title_id branch_id barcode state loan_id")
    loans = writer.table(Loan, "id copy_id membership_id person_id lent_at due_at channel "
                               "actor_id kiosk_id")
    returns = writer.table(LoanReturn, "loan_id at branch_id channel actor_id kiosk_id")
    members = []  # (membership, person)
    for _household, _commune, _bracket, people in chunk.made["households"]:
        for person_id, _adult, _age in people:
            if rng.random() >= MEMBERS:
                continue
            joined = now - timedelta(days=rng.randint(30, 360))
            membership_id = memberships.next_id()
            memberships.add(membership_id, library.pk, person_id,
                            f"S{chunk.index:05d}{len(members):05d}", rng.choice(branches),
                            joined.date(), joined.date() + timedelta(days=365), joined)
            members.append((membership_id, person_id, joined))
    if not members:
        return
    spans, weights = [(low, high) for low, high, _w in KEPT_DAYS], [w for *_s, w in KEPT_DAYS]
    due_days = library.loan_days
    for n in range(-(-len(members) * LOANS_PER_MEMBER // LOANS_PER_COPY)):
        copy_id, branch = copies.next_id(), rng.choice(branches)
        at = now - timedelta(days=365 - rng.randint(0, 30), minutes=rng.randint(0, 600))
        out = None
        while True:
            at += timedelta(days=rng.randint(*SHELF_DAYS), minutes=rng.randint(0, 600))
            if at >= now:
                break
            membership_id, person_id, joined = rng.choice(members)
            if joined > at:
                continue  # not yet a member: the copy stays on the shelf
            kiosk = fixed["kiosk"] if rng.random() < 0.4 else None
            loan_id = loans.next_id()
            loans.add(loan_id, copy_id, membership_id, person_id, at,
                      at + timedelta(days=due_days), Channel.KIOSK if kiosk else Channel.DESK,
                      None if kiosk else fixed["agent"], kiosk)
            at += timedelta(days=rng.randint(*rng.choices(spans, weights)[0]),
                            minutes=rng.randint(0, 300))
            if at >= now:
                out = loan_id  # still out: current, or overdue when kept late
                break
            kiosk = fixed["kiosk"] if rng.random() < 0.5 else None
            returns.add(loan_id, at, branch, Channel.KIOSK if kiosk else Channel.DESK,
                        None if kiosk else fixed["agent"], kiosk)
        copies.add(copy_id, library.pk, rng.choice(fixed["titles"]), branch,
                   f"S{chunk.index:05d}{n:06d}", CopyState.ON_LOAN if out else
                   CopyState.ON_SHELF, out)
