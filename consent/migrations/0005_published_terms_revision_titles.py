"""Published terms versions were titled "Draf — …" in the Wagtail admin.

The admin shows a snippet's latest revision's ``object_str``, which was written
while the version was still a draft. Publishing now rewrites it
(``TermsVersion.revisions_relabel``); this fixes the versions published before.
"""

from django.db import migrations


def retitle_published_revisions(apps, schema_editor):
    TermsVersion = apps.get_model("consent", "TermsVersion")
    Revision = apps.get_model("wagtailcore", "Revision")
    for terms in TermsVersion.objects.filter(version__isnull=False):
        revision_ids = [terms.live_revision_id, terms.latest_revision_id]
        Revision.objects.filter(pk__in=revision_ids).update(
            object_str=f"v{terms.version} — {terms.title_id}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_retention_purge"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(retitle_published_revisions, migrations.RunPython.noop),
    ]
