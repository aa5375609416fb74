"""The sentences of django-allauth's pages that residents read (logging in, signing up, logging
out, a forgotten password, confirming an e-mail), in the project's catalog: allauth has no
words for Albanian, Tigrinya, Somali or Tamil, and none for plain `pt`. The project's catalog
comes before allauth's, so these are the words its pages use in every language. Never imported:
makemessages reads them. Keep the msgids exactly as allauth writes them."""

from django.utils.translation import gettext_noop, pgettext_lazy

WORDS = [
    gettext_noop("Sign In"),
    gettext_noop("Sign Up"),
    gettext_noop("Signup"),
    gettext_noop("Sign Out"),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("If you have not created an account yet, then please %(link)ssign up%(end_link)s "
                 "first."),
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
    gettext_noop("Email"),
    gettext_noop("Password"),
    gettext_noop("Password (again)"),
    gettext_noop("Remember Me"),
    pgettext_lazy("field label", "Login"),
    gettext_noop("Forgot your password?"),
    gettext_noop("You must type the same password each time."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Password Reset"),
    gettext_noop("Forgotten your password? Enter your email address below, and we'll send you an "
                 "email allowing you to reset it."),
    gettext_noop("Reset My Password"),
    gettext_noop("Please contact us if you have any trouble resetting your password."),
    gettext_noop("We have sent you an email. If you have not received it please check your spam "
                 "folder. Otherwise contact us if you do not receive it in a few minutes."),
    gettext_noop("Change Password"),
    gettext_noop("Your password is now changed."),
    gettext_noop("Verify Your Email Address"),
    gettext_noop("We have sent an email to you for verification. Follow the link provided to "
                 "finalize the signup process. If you do not see the verification email in your "
                 "main inbox, check your spam folder. Please contact us if you do not receive the "
                 "verification email within a few minutes."),
    gettext_noop("Confirm Email Address"),
    gettext_noop("Confirm"),
]
