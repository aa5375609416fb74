"""Notices were stored written out in the addressee's language of the moment. Their text is kept
as written; those whose subject and body read as sentences of the catalogs get the sentences'
codes back (the parameters as the text had them), and are read in the reader's language from
then on. The catalogs read are today's: a sentence changed since keeps its old text."""

import re

from django.conf import settings
from django.db import migrations, models
from django.utils.translation import trans_real

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LETTER = re.compile(r"[^\W\d_]")


def _pattern(text: str) -> re.Pattern | None:
    """`text` with each placeholder as a group; None when nothing but placeholders and
    punctuation is left to recognise it by, or for a number placeholder (%(n)d)."""
    if re.search(r"%\(\w+\)[^s]", text):
        return None
    parts, seen, last = [], set(), 0
    for found in PLACEHOLDER.finditer(text):
        name = found.group(1)
        parts.append(re.escape(text[last:found.start()].replace("%%", "%")))
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        last = found.end()
    tail = text[last:].replace("%%", "%")
    if not LETTER.search(PLACEHOLDER.sub("", text)):
        return None
    return re.compile("".join(parts) + re.escape(tail), re.DOTALL)


class Sentences:
    """Every sentence of one language's catalogs, to recognise a text written in it."""

    def __init__(self, language: str):
        catalog = trans_real.translation("fr" if language == "en" else language)._catalog
        self.exact, self.patterns = {}, []
        for key in catalog.keys():
            if not isinstance(key, str) or not key:  # plural forms are not recognised
                continue
            context, _sep, msgid = key.rpartition("\x04")
            text = msgid if language == "en" else catalog[key]
            code = {"msgid": msgid, **({"context": context} if context else {})}
            if PLACEHOLDER.search(text):
                if pattern := _pattern(text):
                    self.patterns.append((pattern, code))
            else:
                self.exact.setdefault(text.replace("%%", "%"), code)
        # the longest sentences first: the most words to recognise a text by
        self.patterns.sort(key=lambda item: -len(item[0].pattern))

    def recognise(self, text: str) -> tuple[dict, dict] | None:
        if text in self.exact:
            return self.exact[text], {}
        for pattern, code in self.patterns:
            if found := pattern.fullmatch(text):
                return code, found.groupdict()
        return None


def code_the_words(apps, schema_editor):
    by_language = {}
    for model_name in ("Notification", "Delivery"):
        model = apps.get_model("notifications", model_name)
        rows = model.objects.all()
        if model_name == "Delivery":  # a notice's delivery carries the link in its body
            rows = rows.filter(notification__isnull=True)
        for row in rows.iterator():
            if row.language not in by_language:
                by_language[row.language] = Sentences(row.language)
            sentences = by_language[row.language]
            subject = sentences.recognise(row.written_subject)
            body = sentences.recognise(row.written_body)
            if subject is None or body is None:
                continue
            if any(subject[1].get(name, value) != value for name, value in body[1].items()):
                continue  # one name, two values: not the sentences we think
            params = {**subject[1], **body[1]}
            model.objects.filter(pk=row.pk).update(
                subject_code=subject[0], body_code=body[0], params=params,
                written_subject="", written_body="")


def delivery_language(apps, schema_editor):
    """A delivery written before it kept its language: its notice's, else the site's."""
    delivery = apps.get_model("notifications", "Delivery")
    notification = apps.get_model("notifications", "Notification")
    delivery.objects.update(language=settings.LANGUAGE_CODE)
    for language in notification.objects.values_list("language", flat=True).distinct():
        delivery.objects.filter(notification__language=language).update(language=language)


def run(apps, schema_editor):
    delivery_language(apps, schema_editor)
    code_the_words(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_pushsubscription"),
    ]

    operations = [
        # The columns keep their names (db_column): the running version reads them meanwhile.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RenameField("notification", "subject", "written_subject"),
            migrations.RenameField("notification", "body", "written_body"),
            migrations.RenameField("delivery", "subject", "written_subject"),
            migrations.RenameField("delivery", "body", "written_body"),
        ] + [
            migrations.AlterField(
                model_name=model_name, name="written_subject",
                field=models.CharField(blank=True, db_column="subject", max_length=200,
                                       verbose_name="subject"))
            for model_name in ("notification", "delivery")
        ] + [
            migrations.AlterField(
                model_name=model_name, name="written_body",
                field=models.TextField(blank=True, db_column="body", verbose_name="message"))
            for model_name in ("notification", "delivery")
        ]),
        migrations.AlterField(
            model_name="notification", name="language",
            field=models.CharField(choices=settings.LANGUAGES, db_default="", max_length=8,
                                   verbose_name="language")),
        migrations.AddField(
            model_name="delivery", name="language",
            field=models.CharField(choices=settings.LANGUAGES, db_default="", max_length=8,
                                   verbose_name="language")),
        migrations.AddField(
            model_name="delivery", name="link",
            field=models.CharField(blank=True, max_length=400, verbose_name="link")),
    ] + [
        migrations.AddField(model_name=model_name, name=field_name,
                            field=models.JSONField(
                                blank=True, default=dict, editable=False,
                                db_default=models.Value({}, output_field=models.JSONField())))
        for model_name in ("notification", "delivery")
        for field_name in ("subject_code", "body_code", "params")
    ] + [
        migrations.RunPython(run, migrations.RunPython.noop),
    ]
