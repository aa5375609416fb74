from django.urls import path

from civicard.access import views

app_name = "access"
urlpatterns = [
    path("access/", views.manage, name="manage"),
    path("access/terminals/new/", views.register_terminal, name="register_terminal"),
    path("access/terminals/<int:pk>/revoke/", views.revoke_terminal, name="revoke_terminal"),
    path("access/log/", views.log, name="log"),
    path("access/log/rows/", views.log_rows, name="log_rows"),
    path("access/log.csv", views.log_csv, name="log_csv"),
    path("access/uses/", views.chart, name="chart"),
    path("access/places/new/", views.facility_edit, name="facility_new"),
    path("access/places/<int:pk>/", views.facility_edit, name="facility"),
    path("access/places/<int:pk>/delete/", views.facility_delete, name="facility_delete"),
    path("access/places/<int:facility_pk>/checkpoints/new/", views.checkpoint_edit,
         name="checkpoint_new"),
    path("access/checkpoints/<int:pk>/", views.checkpoint_edit, name="checkpoint"),
    path("access/checkpoints/<int:pk>/delete/", views.checkpoint_delete,
         name="checkpoint_delete"),
    path("access/groups/new/", views.door_group_new, name="door_group_new"),
    path("access/groups/<int:pk>/", views.door_group, name="door_group"),
    path("access/groups/<int:pk>/delete/", views.door_group_delete, name="door_group_delete"),
    path("access/groups/<int:pk>/windows/", views.window_add, name="window_add"),
    path("access/groups/<int:pk>/windows/<int:window_pk>/remove/", views.window_remove,
         name="window_remove"),
    path("access/groups/<int:pk>/staff/<int:person_pk>/add/", views.member_change,
         {"add": True}, name="member_add"),
    path("access/groups/<int:pk>/staff/<int:person_pk>/remove/", views.member_change,
         {"add": False}, name="member_remove"),
    path("access/quotas/new/", views.quota_edit, name="quota_new"),
    path("access/quotas/<int:pk>/", views.quota_edit, name="quota"),
    path("access/quotas/<int:pk>/delete/", views.quota_delete, name="quota_delete"),
    path("me/access/", views.my_access, name="mine"),
]
