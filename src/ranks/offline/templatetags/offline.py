"""`{% offline_config %}`: what the installed app's script needs on every page of a signed-in
user (who they are, the language, the words it shows), as a JSON script element."""

from django import template
from django.utils.html import json_script
from django.utils.translation import get_language

from ranks.offline.texts import script_texts

register = template.Library()


@register.simple_tag(takes_context=True)
def offline_config(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    config = {"user": user.get_username(), "lang": get_language(), "texts": script_texts()}
    return json_script(config, "offline-config")
