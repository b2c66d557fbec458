from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.health import healthz
from portal.views import admin_login

handler500 = "portal.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The Wagtail admin signs in through allauth, which rate-limits failed logins.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("whatsapp/", include("notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages people read: Indonesian at /..., English at /en/... . With
# prefix_default_language=False Django serves every unprefixed path in Indonesian,
# so every page with UI text must live here to be reachable in English.
urlpatterns += i18n_patterns(
    path("masuk/", include("police.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("saya/gabung/", include("joining.urls")),
    path("saya/perumahan/", include("joining.estate_urls")),
    path("saya/whatsapp/", include("notifications.page_urls")),
    path("saya/", include("owners.urls")),
    path("uji-koneksi/", include("connectivity.urls")),
    path("persetujuan/", include("consent.urls")),
    path("polisi/", include("workspace.urls")),
    path("s/", include("workspace.sticker_urls")),
    path("program/", include("cms.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
