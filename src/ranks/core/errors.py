"""What refuses a request: a rule of the domain (DomainError) or the user's role (Refused); both
carry a message translated for the user."""

from django.utils.functional import Promise


class DomainError(Exception):
    """Raised by services; views and commands show `message` in the user's language."""

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        code: str = "invalid",
        rules: list[dict[str, str]] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        # A refusal by rules of the regulations: each rule's id, name, document, clause,
        # citation and message, in the language active when it was raised.
        self.rules = rules or []

    def __str__(self) -> str:
        return str(self.message)


class Refused(Exception):
    """Raised by a view when the user may see a page but not do what they asked (their role does
    not allow it): the shell answers 403 with `message` and a link back to the page they came from.
    """

    def __init__(self, message: str | Promise, *, back_url: str, back_label: str | Promise):
        super().__init__(str(message))
        self.message = message
        self.back_url = back_url
        self.back_label = back_label

    def __str__(self) -> str:
        return str(self.message)
