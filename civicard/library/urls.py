from django.urls import path

from civicard.library import views

app_name = "library"
urlpatterns = [
    path("", views.search, name="search"),
    path("titles/<int:pk>/", views.title_detail, name="title"),
    path("titles/<int:pk>/hold/", views.place_hold, name="hold"),
    path("me/", views.my_library, name="my_library"),
    path("me/join/<int:pk>/", views.join, name="join"),
    path("me/loans/<int:pk>/renew/", views.renew, name="renew"),
    path("me/holds/<int:pk>/cancel/", views.cancel_hold, name="cancel_hold"),
    path("desk/<int:pk>/", views.desk, name="desk"),
    path("desk/<int:pk>/catalogue/", views.catalogue_titles, name="catalogue"),
    path("desk/<int:pk>/catalogue/new/", views.catalogue_new_title, name="catalogue_new_title"),
    path("desk/<int:pk>/catalogue/<int:title_pk>/", views.catalogue_title,
         name="catalogue_title"),
    path("desk/<int:pk>/copies/<int:copy_pk>/", views.catalogue_copy, name="catalogue_copy"),
    path("desk/<int:pk>/copies/<int:copy_pk>/withdraw/", views.catalogue_withdraw,
         name="catalogue_withdraw"),
    path("desk/<int:pk>/import/", views.import_catalogue, name="import"),
    path("desk/<int:pk>/patrons.csv", views.patrons_csv, name="patrons_csv"),
]
