from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The police workspace at ``/polisi/`` (URL namespace ``police``)."""

    name = "workspace"
    verbose_name = _("Ruang kerja polisi")

    def ready(self) -> None:
        # Loading order: models and their receivers import only once the registry is ready.
        from owners.models import Enrolment, EnrolmentTransition
        from workspace import rollups

        post_save.connect(
            rollups.on_transition_saved, sender=EnrolmentTransition, dispatch_uid="rollup-move"
        )
        post_save.connect(rollups.on_enrolment_saved, sender=Enrolment, dispatch_uid="rollup-new")
        post_delete.connect(
            rollups.on_enrolment_deleted, sender=Enrolment, dispatch_uid="rollup-gone"
        )
