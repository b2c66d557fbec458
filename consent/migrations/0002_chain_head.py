from django.db import migrations


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("consent", "ChainHead")
    ChainHead.objects.get_or_create(pk=1, defaults={"length": 0, "last_hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
