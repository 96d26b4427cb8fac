"""App configuration of import and export."""

from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "ranks.interchange"
    label = "interchange"
