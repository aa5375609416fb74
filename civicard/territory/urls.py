from django.urls import path

from civicard.territory import views

app_name = "territory"
urlpatterns = [
    path("manage/names/", views.names, name="names"),
]
