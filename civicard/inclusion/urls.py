from django.urls import path

from civicard.inclusion import views

app_name = "inclusion"
urlpatterns = [
    path("", views.places, name="places"),
    path("map/", views.place_map, name="map"),
    path("places/<int:pk>/", views.place_detail, name="place"),
    path("places/<int:pk>/correct/", views.propose, name="correct"),
    path("propose/", views.propose, name="propose"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/", views.decide, name="decide"),
    path("import/", views.import_page, name="import"),
    path("office-hours/<int:pk>/book/", views.book, name="book"),
    path("me/appointments/", views.my_appointments, name="my_appointments"),
    path("me/appointments/<int:pk>/cancel/", views.cancel_appointment, name="cancel"),
    path("me/records/", views.my_records, name="my_records"),
    path("mediator/", views.mediator_home, name="mediator"),
    path("mediator/office-hours/new/", views.office_hours_edit, name="office_hours_new"),
    path("mediator/office-hours/<int:pk>/", views.office_hours_edit, name="office_hours_edit"),
    path("mediator/office-hours/<int:pk>/change/", views.session_change, name="session_change"),
    path("mediator/log/", views.log_accompaniment, name="log"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
]
