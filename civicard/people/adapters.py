from allauth.account.adapter import DefaultAccountAdapter

from civicard.notifications.operations import send_rendered_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """allauth's mails (confirmation, password reset) go out in the background too."""
        message = self.render_mail(template_prefix, email, context)
        send_rendered_email(to=email, subject=message.subject, body=message.body)
