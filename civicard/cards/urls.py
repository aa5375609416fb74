from django.urls import path

from civicard.cards import views

app_name = "cards"
urlpatterns = [
    path("me/card/", views.my_card, name="my_card"),
    path("me/card/get/", views.get_digital_card, name="get_digital"),
    path("me/card/<int:pk>/block/", views.block_my_card, name="block_mine"),
    path("me/card/sw.js", views.service_worker, name="service_worker"),
    path("me/card/manifest.webmanifest", views.manifest, name="manifest"),
    path("counter/cards/", views.counter_find, name="counter_find"),
    path("counter/cards/person/<int:pk>/", views.counter_person, name="counter_person"),
    path("counter/cards/person/<int:pk>/issue/", views.counter_issue, name="counter_issue"),
    path("counter/cards/<int:pk>/block/", views.counter_block, name="counter_block"),
    path("counter/cards/<int:pk>/replace/", views.counter_replace, name="counter_replace"),
    path("counter/cards/<int:pk>/card.pdf", views.counter_print, name="counter_print"),
]
