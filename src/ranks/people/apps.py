"""App configuration of people and memberships."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ranks.people"
    label = "people"
