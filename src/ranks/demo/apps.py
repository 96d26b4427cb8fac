"""App configuration of the demo generator."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ranks.demo"
    label = "demo"
