"""StreamField blocks of the public site.

Editors compose program pages, news and standard pages from these; templates
live in ``templates/cms/blocks/``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("judul"), max_length=120)

    class Meta:
        icon = "title"
        label = _("Judul bagian")
        template = "cms/blocks/heading_block.html"


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("pertanyaan"), max_length=200)
    answer = blocks.RichTextBlock(
        label=_("jawaban"), features=["bold", "italic", "link", "ol", "ul"]
    )

    class Meta:
        icon = "help"
        label = _("Tanya jawab")
        template = "cms/blocks/faq_item_block.html"


class FaqBlock(blocks.StructBlock):
    """A titled group of questions and answers (shown as <details> elements)."""

    title = blocks.CharBlock(label=_("judul"), max_length=120, required=False)
    items = blocks.ListBlock(FaqItemBlock(), label=_("pertanyaan"))

    class Meta:
        icon = "help"
        label = _("Kumpulan tanya jawab")
        template = "cms/blocks/faq_block.html"


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("ajakan"), max_length=200)
    button_label = blocks.CharBlock(label=_("teks tombol"), max_length=60)
    page = blocks.PageChooserBlock(label=_("halaman tujuan"), required=False)
    url = blocks.URLBlock(label=_("atau alamat tujuan"), required=False)

    class Meta:
        icon = "pick"
        label = _("Ajakan bertindak")
        template = "cms/blocks/call_to_action_block.html"


class BodyBlock(blocks.StreamBlock):
    """The body of program, news and standard pages."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("paragraf"),
        features=["h3", "bold", "italic", "link", "ol", "ul"],
        template="cms/blocks/paragraph_block.html",
    )
    faq = FaqBlock()
    call_to_action = CallToActionBlock()


class FaqStreamBlock(blocks.StreamBlock):
    """The body of the FAQ page: headings and groups of questions."""

    heading = HeadingBlock()
    faq = FaqBlock()
