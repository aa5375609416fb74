from django.contrib import admin
from django.urls import include, path

from civicard.api import api
from civicard.core import views as core_views
from civicard.ops import views as ops_views
from civicard.people.views import choose_language

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health", core_views.health, name="health"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("language/", choose_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
    path("", include("civicard.people.urls")),
    path("", include("civicard.notifications.urls")),
    path("", include("civicard.cards.urls")),
    path("", include("civicard.wallets.urls")),
    path("inclusion/", include("civicard.inclusion.urls")),
    path("help/", include("civicard.mutualaid.urls")),
    path("library/", include("civicard.library.urls")),
    path("moderation/", include("civicard.moderation.urls")),
    path("", include("civicard.benefits.urls")),
    path("", include("civicard.access.urls")),
    path("", include("civicard.territory.urls")),
    path("agenda/", include("civicard.agenda.urls")),
    path("", include("civicard.bookings.urls")),
    path("childhood/", include("civicard.childhood.urls")),
]
