from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from civicard.notifications.operations import send_rendered_email
from civicard.people.models import Person


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """allauth's mails (confirmation, password reset) go out in the background too."""
        message = self.render_mail(template_prefix, email, context)
        send_rendered_email(to=email, subject=message.subject, body=message.body)

    def add_message(self, request, *args, **kwargs):
        """A message is written in the language of the page it shows on: once a resident is
        logged in (the message after logging in), their own language."""
        user = getattr(request, "user", None)
        language = (Person.objects.filter(user=user).values_list("language", flat=True).first()
                    if user is not None and user.is_authenticated else None)
        with translation.override(language or translation.get_language()):
            super().add_message(request, *args, **kwargs)
