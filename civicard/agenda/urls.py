from django.urls import path

from civicard.agenda import views

app_name = "agenda"
urlpatterns = [
    path("", views.week, name="week"),
    path("month/", views.month, name="month"),
    path("map/", views.event_map, name="map"),
    path("events/<int:pk>/", views.event, name="event"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    path("events/<int:pk>/edit/", views.edit, name="edit"),
    path("events/<int:pk>/status/", views.change_status, name="change_status"),
    path("follow/", views.follow, name="follow"),
    path("feed.ics", views.feed, name="feed"),
    path("feed/<str:token>.ics", views.personal_feed, name="personal_feed"),
    path("my-alerts/", views.my_alerts, name="my_alerts"),
    path("my-alerts/push/", views.push_subscribe, name="push_subscribe"),
    path("my-alerts/renew/", views.renew_feed, name="renew_feed"),
    path("publish/", views.publish, name="publish"),
    path("import/", views.import_file, name="import"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<int:pk>/", views.moderate, name="moderate"),
]
