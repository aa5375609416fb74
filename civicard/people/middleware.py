from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation

from civicard.core.permissions import is_staff_member
from civicard.people.models import AssistedSession, Person


class ResidentMiddleware:
    """Sets `request.resident`, the person whose own pages are shown: the logged-in person, or
    the resident a counter agent is assisting. Their language becomes the page's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.resident = None
        request.assisted_person = None
        user = request.user
        if user.is_authenticated:
            request.resident = Person.objects.filter(user=user).first()
            if is_staff_member(user):
                session = (AssistedSession.objects.select_related("person")
                           .filter(agent=user, ended_at__isnull=True).first())
                if session:
                    request.assisted_person = session.person
            if request.resident and request.resident.language:
                translation.activate(request.resident.language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class StaffMfaMiddleware:
    """Every staff login must have TOTP set up before it can use anything else."""

    exempt_prefixes = ("/accounts/", "/static/", "/health", "/language/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (settings.CIVICARD_REQUIRE_STAFF_MFA and user.is_authenticated
                and not request.path.startswith(self.exempt_prefixes)
                and is_staff_member(user)
                and not user.authenticator_set.filter(type="totp").exists()):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
