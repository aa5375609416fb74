from django.urls import path

from civicard.access import views

app_name = "access"
urlpatterns = [
    path("access/", views.manage, name="manage"),
    path("access/terminals/new/", views.register_terminal, name="register_terminal"),
    path("access/terminals/<int:pk>/revoke/", views.revoke_terminal, name="revoke_terminal"),
    path("access/log/", views.log, name="log"),
    path("access/log/rows/", views.log_rows, name="log_rows"),
    path("access/uses/", views.chart, name="chart"),
    path("me/access/", views.my_access, name="mine"),
]
