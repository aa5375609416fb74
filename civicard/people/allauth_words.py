"""The sentences of django-allauth's pages that residents read (logging in, signing up, logging
out, a forgotten password, confirming an e-mail, e-mail addresses, changing a password,
two-factor set-up), and Django's own that these pages show (form errors, the password rules),
in the project's catalog: allauth has no words for Albanian, Tigrinya, Somali or Tamil, and none
for plain `pt`; Django has none for Tigrinya or Somali. The project's catalog comes before
theirs, so these are the words the pages use in every language; where allauth or Django had a
translation, it was taken as it is (tests/core/test_account_pages.py checks the pages). Never
imported: makemessages reads them. Keep the msgids exactly as allauth and Django write them."""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

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
    gettext_noop("Activate"),
    gettext_noop("Add Email"),
    gettext_noop("Add Email Address"),
    gettext_noop("An authenticator app is not active."),
    gettext_noop("Authenticator App"),
    gettext_noop("Bad Token"),
    gettext_noop("Current Password"),
    gettext_noop("Email Address"),
    gettext_noop("Email Addresses"),
    gettext_noop("Email address"),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Make Primary"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("No recovery codes set up."),
    gettext_noop("Please type your current password."),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Recovery Codes"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("The password reset link was invalid, possibly because it has already been "
                 "used.  Please request a <a href=\"%(passwd_reset_url)s\">new password "
                 "reset</a>."),
    gettext_noop("This email address is already associated with this account."),
    gettext_noop("This password is too common."),
    gettext_noop("Two-Factor Authentication"),
    gettext_noop("Unverified"),
    gettext_noop("Verified"),
    gettext_noop("You cannot activate two-factor authentication until you have verified your "
                 "email address."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("email address"),
    gettext_noop("email addresses"),
    gettext_noop("This field is required."),
    gettext_noop("Confirm Access"),
    gettext_noop("Please reauthenticate to safeguard your account."),
    gettext_noop("Enter your password:"),
    ngettext_lazy("This password is too short. It must contain at least %d character.",
                  "This password is too short. It must contain at least %d characters."),
    ngettext_lazy("Your password must contain at least %(min_length)d character.",
                  "Your password must contain at least %(min_length)d characters."),
]
