from django.urls import path

from civicard.wallets import views

app_name = "wallets"
urlpatterns = [
    path("me/services/", views.my_services, name="my_services"),
    path("me/services/<int:pk>/top-up/", views.top_up_online, name="top_up"),
    path("me/services/<int:pk>/statement/<int:year>-<int:month>.<str:fmt>", views.statement,
         name="statement"),
    path("payments/<str:reference>/return/", views.payment_return, name="payment_return"),
    path("payments/notify/<str:provider>/", views.payment_notify, name="payment_notify"),
    path("payments/dummy-bank/<str:reference>/", views.dummy_bank, name="dummy_bank"),
    path("counter/households/<int:pk>/wallets/", views.counter_wallets, name="counter_wallets"),
    path("counter/accounts/<int:pk>/top-up/", views.counter_top_up, name="counter_top_up"),
    path("counter/accounts/<int:pk>/refund/", views.counter_refund, name="counter_refund"),
    path("counter/accounts/<int:pk>/transfer/", views.counter_transfer,
         name="counter_transfer"),
    path("counter/receipts/<int:pk>.pdf", views.receipt, name="receipt"),
    path("counter/cash-report/", views.cash_report, name="cash_report"),
    path("manage/services/", views.manage_services, name="manage_services"),
    path("manage/services/<int:pk>/", views.manage_service, name="manage_service"),
]
