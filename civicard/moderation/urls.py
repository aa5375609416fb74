from django.urls import path

from civicard.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("content/<str:kind>/<int:pk>/", views.item, name="item"),
    path("appeals/<int:pk>/", views.appeal, name="appeal"),
    path("my-decisions/", views.my_decisions, name="my_decisions"),
]
