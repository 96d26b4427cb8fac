"""Routes of the pages."""

urlpatterns: list = []
