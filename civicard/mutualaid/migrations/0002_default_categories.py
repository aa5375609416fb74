from django.db import migrations

CATEGORIES = [
    ("lend", "Tools and objects to lend", "🔧"), ("diy", "DIY", "🪚"),
    ("shopping", "Shopping and errands", "🛒"), ("housework", "Housework", "🧹"),
    ("company", "Company and visits", "☕"), ("transport", "Transport", "🚗"),
    ("paperwork", "Paperwork", "📄"), ("childcare", "Childcare", "🧸"), ("other", "Other", "🤝"),
]


def create(apps, schema_editor):
    Category = apps.get_model("mutualaid", "Category")
    for order, (code, label, icon) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"label": label, "icon": icon,
                                                            "order": order})


class Migration(migrations.Migration):
    dependencies = [("mutualaid", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
