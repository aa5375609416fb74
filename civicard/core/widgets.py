from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is an ISO date whatever the page's language: the
    picker shows it the reader's way, and refuses (shows empty) any other form."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
