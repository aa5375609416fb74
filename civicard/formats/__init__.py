"""One way to write a date and a time per language, on every page, PDF, CSV and e-mail.

Django's own formats are missing for some of our languages (ti, so) and fall back to American
ones for others (month first, 12-hour clock); the module of each UI language sets every date and
time format explicitly (day before month, 24-hour clock) and takes the rest from here. Numbers
keep Django's formats. Date inputs read ISO dates first, as <input type="date"> sends them.
"""

TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                          "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
