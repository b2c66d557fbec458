from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Situs publik")

    def ready(self) -> None:
        # Cached public pages go stale when a page or a program changes
        # (cms.page_cache); this only bumps a cache version, nothing else.
        # Imported here: models load only once the app registry is ready.
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from cms.page_cache import page_cache_invalidate
        from police.models import Program, Region

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(page_cache_invalidate, dispatch_uid=f"cms-page-cache-{id(signal)}")
        for model in (Program, Region):
            post_save.connect(page_cache_invalidate, sender=model, dispatch_uid=f"cms-{model}-s")
            post_delete.connect(page_cache_invalidate, sender=model, dispatch_uid=f"cms-{model}-d")
        post_save.connect(_page_changed, dispatch_uid="cms-page-cache-page-save")
        post_delete.connect(_page_changed, dispatch_uid="cms-page-cache-page-delete")


def _page_changed(sender: type, **kwargs: object) -> None:
    # Imported here for the same reason as in ``ready``.
    from wagtail.models import Page

    from cms.page_cache import page_cache_invalidate

    if issubclass(sender, Page):
        page_cache_invalidate()
