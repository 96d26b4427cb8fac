"""App configuration of the organisation tree."""

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "ranks.org"
    label = "org"
