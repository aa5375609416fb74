from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.core.permissions import Role, holds_role, role_required
from civicard.mutualaid import forms, operations, queries
from civicard.mutualaid.models import HelpfulNeighbour, Post
from civicard.people.views import form_error, resident_required
from civicard.territory.queries import current_territory

EMERGENCY_NUMBERS = [
    ("15", gettext_lazy("Medical emergency (SAMU)")), ("17", gettext_lazy("Police")),
    ("18", gettext_lazy("Fire brigade")), ("112", gettext_lazy("European emergency number")),
    ("114", gettext_lazy("Emergency by text message, for deaf or hard-of-hearing people")),
    ("119", gettext_lazy("Children in danger")),
    ("3977", gettext_lazy("Abuse of elderly or disabled people")),
]


def _initial_neighbourhood(person):
    home = queries.home_neighbourhood(person)
    return home.pk if home else None


# Residents


@resident_required
def feed(request):
    form = forms.FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = request.GET.get("page", "1")
    page = max(int(page), 1) if page.isdigit() and len(page) < 6 else 1
    posts = list(queries.feed(person=request.resident, at=clock.now(),
                              kind=filters.get("kind", ""), category=filters.get("category", ""),
                              neighbourhood=int(filters["neighbourhood"])
                              if filters.get("neighbourhood") else None,
                              text=filters.get("q", ""), limit=31, offset=(page - 1) * 30))
    return render(request, "mutualaid/feed.html", {
        "form": form, "posts": posts[:30], "next_page": page + 1 if len(posts) > 30 else None,
        "home": queries.home_neighbourhood(request.resident),
        "is_social_worker": holds_role(request.user, Role.SOCIAL_WORKER),
        "is_moderator": holds_role(request.user, Role.MODERATOR)})


@resident_required
def new_post(request):
    form = forms.PostForm(request.POST or None, initial={
        "neighbourhood": _initial_neighbourhood(request.resident),
        "language": request.resident.language, "kind": request.GET.get("kind", "request")})
    if request.method == "POST" and form.is_valid():
        try:
            post = operations.create_post(author=request.resident, actor=request.user,
                                          at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            if post.status == Post.Status.HELD:
                messages.info(request, _("Your post will be published after a moderator has "
                                         "read it."))
            else:
                messages.success(request, _("Your post is published."))
            return redirect("mutualaid:post", pk=post.pk)
    return render(request, "mutualaid/post_form.html", {"form": form})


@resident_required
def post_detail(request, pk):
    post = queries.post_for(request.resident, pk, clock.now())
    is_contact = post.contact_id == request.resident.pk
    return render(request, "mutualaid/post.html", {
        "post": post, "is_contact": is_contact, "form": forms.MessageForm(),
        "is_open": post.status == Post.Status.OPEN and post.expires_at > clock.now(),
        "conversations": post.conversations.select_related("starter") if is_contact else []})


@require_POST
@resident_required
def contact(request, pk):
    post = queries.post_for(request.resident, pk, clock.now())
    form = forms.MessageForm(request.POST)
    if form.is_valid():
        try:
            conversation = operations.start_conversation(
                post=post, person=request.resident, body=form.cleaned_data["body"],
                actor=request.user, at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("mutualaid:conversation", pk=conversation.pk)
    return render(request, "mutualaid/post.html", {"post": post, "form": form, "is_open": True},
                  status=422)


@require_POST
@resident_required
def close(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if request.POST.get("renew"):
        operations.renew_post(post=post, person=request.resident, actor=request.user,
                              at=clock.now())
        messages.success(request, _("Your post is online for another period."))
    else:
        operations.close_post(post=post, person=request.resident, actor=request.user,
                              at=clock.now())
        messages.success(request, _("Your post is closed. Thank you for helping each other!"))
    return redirect("mutualaid:post", pk=pk)


@resident_required
def mine(request):
    conversations = list(queries.conversations_of(request.resident))
    for item in conversations:
        item.other_name = item.other(request.resident).display_name
    return render(request, "mutualaid/mine.html", {
        "posts": queries.my_posts(request.resident),
        "conversations": conversations,
        "town_requests": queries.town_requests_of(request.resident),
        "helper": HelpfulNeighbour.objects.filter(person=request.resident,
                                                  is_active=True).first()})


@resident_required
def conversation(request, pk):
    item = queries.conversation_for(request.resident, pk)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.send_message(conversation=item, sender=request.resident,
                                    body=form.cleaned_data["body"], actor=request.user,
                                    at=clock.now())
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("mutualaid:conversation", pk=pk)
    return render(request, "mutualaid/conversation.html", {
        "conversation": item, "other": item.other(request.resident), "form": form,
        "chat": item.messages.select_related("sender")})


@require_POST
@resident_required
def block(request, pk):
    item = queries.conversation_for(request.resident, pk)
    operations.block_person(blocker=request.resident, blocked=item.other(request.resident),
                            actor=request.user, at=clock.now())
    messages.success(request, _("This person can no longer write to you."))
    return redirect("mutualaid:mine")


@resident_required
def helpful(request):
    current = HelpfulNeighbour.objects.filter(person=request.resident).first()
    initial = ({"neighbourhood": current.neighbourhood_id, "what": current.what,
                "when": current.when, "skills": list(current.skills.all())} if current
               else {"neighbourhood": _initial_neighbourhood(request.resident)})
    form = forms.HelpfulForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("stop"):
        operations.stop_helpful(person=request.resident, actor=request.user, at=clock.now())
        messages.success(request, _("You are no longer listed as a helpful neighbour."))
        return redirect("mutualaid:mine")
    if request.method == "POST" and form.is_valid():
        try:
            operations.declare_helpful(person=request.resident, actor=request.user,
                                       at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Thank you! Your helpful-neighbour badge now shows on "
                                        "your posts."))
            return redirect("mutualaid:mine")
    return render(request, "mutualaid/helpful.html", {"form": form, "current": current})


def neighbourhood_map(request):
    return render(request, "mutualaid/map.html", {
        "rows": queries.map_counts(clock.now()),
        "tiles_url": settings.CIVICARD_MAP_TILES_URL})


# The private line to the town


@resident_required
def ask_town(request):
    form = forms.TownRequestForm(request.POST or None, initial={
        "neighbourhood": _initial_neighbourhood(request.resident)})
    if request.method == "POST" and form.is_valid():
        try:
            made = operations.ask_town(person=request.resident, actor=request.user,
                                       at=clock.now(), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your request was sent to the social services only. "
                                        "They will answer you here."))
            return redirect("mutualaid:town_request", pk=made.pk)
    return render(request, "mutualaid/ask_town.html", {"form": form})


@resident_required
def town_request(request, pk):
    item = queries.town_request_for_person(request.resident, pk)
    form = forms.ReplyForm(request.POST or None)
    if request.method == "POST" and request.POST.get("consent"):
        operations.give_consent(request=item, person=request.resident, actor=request.user,
                                at=clock.now())
        messages.success(request, _("Thank you. The town may now publish your need without "
                                    "your name."))
        return redirect("mutualaid:town_request", pk=pk)
    if request.method == "POST" and form.is_valid():
        operations.reply_to_town(request=item, person=request.resident,
                                 body=form.cleaned_data["body"], actor=request.user,
                                 at=clock.now())
        return redirect("mutualaid:town_request", pk=pk)
    return render(request, "mutualaid/town_request.html", {
        "item": item, "form": form, "chat": item.messages.select_related("sender")})


@resident_required
def report_person(request):
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.report_vulnerable_person(reporter=request.resident,
                                                territory=current_territory(),
                                                actor=request.user, at=clock.now(),
                                                **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            return render(request, "mutualaid/report_thanks.html")
    return render(request, "mutualaid/report_person.html", {
        "form": form, "emergency_numbers": EMERGENCY_NUMBERS})


# Social workers (CCAS)


@role_required(Role.SOCIAL_WORKER)
def ccas(request):
    return render(request, "mutualaid/ccas.html", {
        "requests": queries.town_requests(request.user)[:50],
        "reports": queries.reports(request.user)[:50],
        "slips": queries.paper_slips(request.user)[:30]})


@role_required(Role.SOCIAL_WORKER)
def ccas_request(request, pk):
    item = queries.town_request_for_staff(request.user, pk)
    helpers = queries.find_helpers(request.user, neighbourhood=item.neighbourhood_id)
    reply = forms.ReplyForm(request.POST if request.POST.get("action") == "reply" else None)
    publish = forms.PublishForm(request.POST if request.POST.get("action") == "publish" else None,
                                initial={"description": item.body})
    match = forms.MatchForm(request.POST if request.POST.get("action") == "match" else None,
                            helpers=helpers)
    now = clock.now()
    try:
        if reply.is_bound and reply.is_valid():
            operations.answer_town_request(request=item, body=reply.cleaned_data["body"],
                                           actor=request.user, at=now)
            messages.success(request, _("Your answer was sent."))
            return redirect("mutualaid:ccas_request", pk=pk)
        if publish.is_bound and publish.is_valid():
            post = operations.publish_town_request(request=item, actor=request.user, at=now,
                                                   **publish.cleaned_data)
            messages.success(request, _("The need is published without the person's name."))
            return redirect("mutualaid:post", pk=post.pk)
        if match.is_bound and match.is_valid():
            operations.match_town_request(request=item, helper=match.cleaned_data["helper"],
                                          actor=request.user, at=now)
            messages.success(request, _("The helpful neighbour was told. Call them to "
                                        "arrange the help."))
            return redirect("mutualaid:ccas_request", pk=pk)
    except DomainError as error:
        form_error(next(f for f in (reply, publish, match) if f.is_bound), error)
    return render(request, "mutualaid/ccas_request.html", {
        "item": item, "reply": reply, "publish": publish, "match": match,
        "chat": item.messages.select_related("sender")})


@role_required(Role.SOCIAL_WORKER)
def ccas_report(request, pk):
    report = queries.report_for(request.user, pk)
    form = forms.OutcomeForm(request.POST or None, initial={"outcome": report.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            operations.record_outcome(report=report, actor=request.user, at=clock.now(),
                                      **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The outcome was recorded."))
            return redirect("mutualaid:ccas")
    return render(request, "mutualaid/ccas_report.html", {"report": report, "form": form})


@role_required(Role.SOCIAL_WORKER)
def ccas_helpers(request):
    form = forms.HelperSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    helpers = queries.find_helpers(
        request.user, neighbourhood=int(filters["neighbourhood"])
        if filters.get("neighbourhood") else None, category=filters.get("category", ""))
    return render(request, "mutualaid/ccas_helpers.html", {"form": form, "helpers": helpers})


@role_required(Role.SOCIAL_WORKER)
def ccas_slip(request):
    form = forms.SlipForm(request.POST or None, initial={"slip_date": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            slip = operations.type_paper_slip(actor=request.user, at=clock.now(),
                                              **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The slip is published on the network, relayed by the "
                                        "town. Answers will reach you."))
            return redirect("mutualaid:post", pk=slip.post_id)
    return render(request, "mutualaid/ccas_slip.html", {"form": form})


# Associations


def associations(request):
    return render(request, "mutualaid/associations.html",
                  {"associations": queries.associations()})


def association(request, slug):
    item = queries.association(slug)
    person = getattr(request, "resident", None)
    if request.method == "POST":
        if person is None:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        operations.follow_association(association=item, person=person,
                                      follow=request.POST.get("follow") == "1",
                                      actor=request.user, at=clock.now())
        return redirect("mutualaid:association", slug=slug)
    is_editor = request.user.is_authenticated and (
        holds_role(request.user, Role.ADMINISTRATOR)
        or (holds_role(request.user, Role.ASSOCIATION_EDITOR)
            and item.editors.filter(pk=request.user.pk).exists()))
    return render(request, "mutualaid/association.html", {
        "association": item, "is_editor": is_editor,
        "follows": person is not None and item.followers.filter(pk=person.pk).exists(),
        "news": item.news.filter(hidden_at__isnull=True)[:10],
        "events": item.events.filter(starts_at__gte=clock.now())[:10]})


def _editor_form(request, slug, form_class, initial, run, template_title):
    item = queries.association(slug)
    operations.check_editor(item, request.user)
    form = form_class(request.POST or None, initial=initial(item))
    if request.method == "POST" and form.is_valid():
        try:
            run(item, form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("mutualaid:association", slug=slug)
    return render(request, "mutualaid/association_form.html",
                  {"association": item, "form": form, "title": template_title})


@role_required(Role.ASSOCIATION_EDITOR)
def association_edit(request, slug):
    return _editor_form(
        request, slug, forms.AssociationForm,
        lambda a: {"presentation": a.presentation, "contact_email": a.contact_email,
                   "contact_phone": a.contact_phone, "website": a.website,
                   "neighbourhood": a.neighbourhood_id, "categories": list(a.categories.all())},
        lambda a, data: operations.update_association(association=a, actor=request.user,
                                                      at=clock.now(), **data),
        _("Edit the association page"))


@role_required(Role.ASSOCIATION_EDITOR)
def association_news(request, slug):
    return _editor_form(
        request, slug, forms.NewsForm, lambda a: {"language": request.LANGUAGE_CODE},
        lambda a, data: operations.publish_news(association=a, actor=request.user,
                                                at=clock.now(), **data),
        _("Publish news"))


@role_required(Role.ASSOCIATION_EDITOR)
def association_event(request, slug):
    return _editor_form(
        request, slug, forms.EventForm, lambda a: {"language": request.LANGUAGE_CODE},
        lambda a, data: operations.add_event(association=a, actor=request.user,
                                             at=clock.now(), **data),
        _("Add an event"))

