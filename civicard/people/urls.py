from django.urls import path

from civicard.people import views

app_name = "people"
urlpatterns = [
    path("me/household/", views.household, name="household"),
    path("me/household/<int:pk>/add-child/", views.add_child, name="add_child"),
    path("me/household/<int:pk>/invite/", views.invite_guardian, name="invite_guardian"),
    path("me/household/<int:pk>/address/", views.set_address, name="set_address"),
    path("me/profile/", views.profile, name="profile"),
    path("me/export.json", views.export_data, name="export"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("counter/", views.counter, name="counter"),
    path("counter/households/new/", views.counter_create_household, name="counter_create"),
    path("counter/households/<int:pk>/", views.counter_household, name="counter_household"),
    path("counter/assist/<int:person_pk>/", views.start_assisting, name="start_assisting"),
    path("counter/assist/stop/", views.stop_assisting, name="stop_assisting"),
]
