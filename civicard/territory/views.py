from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.core.languages import native_language_choices
from civicard.core.permissions import Role, check_role_over, role_required
from civicard.territory import operations
from civicard.territory.queries import current_territory, local_names, named_things


@role_required(Role.SERVICE_MANAGER)
def names(request):
    """The territory's own names (services, places, programmes…) given in one other language."""
    check_role_over(request.user, Role.SERVICE_MANAGER, commune_id=None)
    territory = current_territory()
    languages = [(code, name) for code, name in native_language_choices()
                 if code != territory.default_language]
    language = request.POST.get("language") or request.GET.get("language")
    if language not in dict(languages):
        language = languages[0][0]
    things = named_things()
    shown, error = local_names(language), None
    if request.method == "POST":
        named = dict(things)
        shown = {request.POST.get(f"source-{index}"): request.POST.get(f"text-{index}", "")
                 for index in range(len(things))}
        shown = {source: text for source, text in shown.items() if source in named}
        try:
            changed = operations.set_local_names(territory=territory, language=language,
                                                 names=shown, actor=request.user,
                                                 at=clock.now())
        except DomainError as refused:
            error = refused  # the page comes back with what was typed
        else:
            messages.success(request, _("Names saved: %(count)s.") % {"count": changed})
            return redirect(f"{request.path}?language={language}")
    rows = [(source, what, shown.get(source, "")) for source, what in things]
    return render(request, "territory/names.html", {
        "languages": languages, "language": language, "rows": rows, "error": error,
        "language_bidi": language in settings.LANGUAGES_BIDI})
