from django.dispatch import Signal

# Sent inside the settlement's transaction once an online payment is credited (payment, at): a
# capability that started the payment for something it sells (a childhood invoice) passes the
# money on there, joining the transaction (charge(joins_transaction=True)).
online_payment_settled = Signal()
