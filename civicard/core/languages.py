"""The UI languages, each named in its own language for the language picker."""

from django.conf import settings

NATIVE_NAMES = {
    "fr": "Français", "en": "English", "de": "Deutsch", "it": "Italiano", "es": "Español",
    "pt": "Português", "uk": "Українська", "ru": "Русский", "ar": "العربية", "fa": "فارسی",
    "tr": "Türkçe", "sq": "Shqip", "ti": "ትግርኛ", "so": "Soomaali", "ta": "தமிழ்",
}


def native_language_choices() -> list[tuple[str, str]]:
    return [(code, NATIVE_NAMES.get(code, code)) for code, _name in settings.LANGUAGES]
