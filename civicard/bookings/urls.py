from django.urls import path

from civicard.bookings import views

app_name = "bookings"
urlpatterns = [
    path("book/", views.resources, name="resources"),
    path("book/<int:pk>/", views.week, name="week"),
    path("book/<int:pk>/slot/", views.book, name="book"),
    path("book/<int:pk>/busy.ics", views.busy_feed, name="busy_feed"),
    path("me/bookings/", views.mine, name="mine"),
    path("me/bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/bookings/<int:pk>.ics", views.booking_ics, name="booking_ics"),
    path("me/bookings/feed/renew/", views.renew_feed, name="renew_feed"),
    path("calendars/bookings/<str:token>.ics", views.household_feed, name="household_feed"),
    path("manage/bookings/", views.manage, name="manage"),
    path("manage/bookings/new/", views.resource_edit, name="resource_new"),
    path("manage/bookings/<int:pk>/", views.resource_edit, name="resource"),
    path("manage/bookings/<int:pk>/planning/", views.planning, name="planning"),
    path("manage/bookings/<int:pk>/blocks/", views.block_add, name="block_add"),
    path("manage/bookings/<int:pk>/blocks/<int:block_pk>/remove/", views.block_remove,
         name="block_remove"),
    path("manage/bookings/booking/<int:pk>/cancel/", views.manager_cancel,
         name="manager_cancel"),
]
