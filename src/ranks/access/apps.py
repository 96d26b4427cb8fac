"""App configuration of access control."""

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ranks.access"
    label = "access"
