from django.urls import path

from civicard.mutualaid import views

app_name = "mutualaid"
urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.new_post, name="new_post"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/contact/", views.contact, name="contact"),
    path("posts/<int:pk>/close/", views.close, name="close"),
    path("mine/", views.mine, name="mine"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/block/", views.block, name="block"),
    path("helpful-neighbour/", views.helpful, name="helpful"),
    path("map/", views.neighbourhood_map, name="map"),
    path("ask-the-town/", views.ask_town, name="ask_town"),
    path("ask-the-town/<int:pk>/", views.town_request, name="town_request"),
    path("worried-about-someone/", views.report_person, name="report_person"),
    path("ccas/", views.ccas, name="ccas"),
    path("ccas/requests/<int:pk>/", views.ccas_request, name="ccas_request"),
    path("ccas/reports/<int:pk>/", views.ccas_report, name="ccas_report"),
    path("ccas/helpful-neighbours/", views.ccas_helpers, name="ccas_helpers"),
    path("ccas/paper-slip/", views.ccas_slip, name="ccas_slip"),
    path("associations/", views.associations, name="associations"),
    path("associations/<slug:slug>/", views.association, name="association"),
    path("associations/<slug:slug>/edit/", views.association_edit, name="association_edit"),
    path("associations/<slug:slug>/news/", views.association_news, name="association_news"),
    path("associations/<slug:slug>/event/", views.association_event,
         name="association_event"),
]
