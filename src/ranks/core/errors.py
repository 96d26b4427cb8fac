"""DomainError: a rule of the domain refused an input; its message is translated for the user."""

from django.utils.functional import Promise


class DomainError(Exception):
    """Raised by services; views and commands show `message` in the user's language."""

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
