from django.urls import path

from civicard.bookings import views

app_name = "bookings"
urlpatterns = [
    path("book/", views.resources, name="resources"),
    path("book/<int:pk>/", views.week, name="week"),
    path("book/<int:pk>/slot/", views.book, name="book"),
    path("book/<int:pk>/busy.ics", views.busy_feed, name="busy_feed"),
    path("book/<int:pk>/rent/", views.rent, name="rent"),
    path("me/bookings/", views.mine, name="mine"),
    path("me/rentals/", views.my_rentals, name="my_rentals"),
    path("me/rentals/<int:pk>/withdraw/", views.withdraw_rental, name="withdraw_rental"),
    path("me/rentals/<int:pk>/agreement.pdf", views.my_agreement, name="my_agreement"),
    path("me/bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/bookings/<int:pk>.ics", views.booking_ics, name="booking_ics"),
    path("me/bookings/feed/renew/", views.renew_feed, name="renew_feed"),
    path("calendars/bookings/<str:token>.ics", views.household_feed, name="household_feed"),
    path("manage/bookings/", views.manage, name="manage"),
    path("manage/bookings/rentals/", views.manage_rentals, name="manage_rentals"),
    path("manage/bookings/rentals/<int:pk>/accept/", views.accept_rental, name="accept_rental"),
    path("manage/bookings/rentals/<int:pk>/refuse/", views.refuse_rental, name="refuse_rental"),
    path("manage/bookings/rentals/<int:pk>/deposit/", views.settle_deposit,
         name="settle_deposit"),
    path("manage/bookings/rentals/<int:pk>/agreement.pdf", views.manager_agreement,
         name="manager_agreement"),
    path("manage/bookings/new/", views.resource_edit, name="resource_new"),
    path("manage/bookings/<int:pk>/", views.resource_edit, name="resource"),
    path("manage/bookings/<int:pk>/planning/", views.planning, name="planning"),
    path("manage/bookings/<int:pk>/blocks/", views.block_add, name="block_add"),
    path("manage/bookings/<int:pk>/blocks/<int:block_pk>/remove/", views.block_remove,
         name="block_remove"),
    path("manage/bookings/booking/<int:pk>/cancel/", views.manager_cancel,
         name="manager_cancel"),
]
