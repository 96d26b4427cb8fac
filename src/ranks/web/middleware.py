"""Vietnamese unless the user chose otherwise: the browser's Accept-Language is not a choice.

An officer's phone set to English should still get the Vietnamese interface; only the language
switch (kept in the language cookie for the session) changes it.
"""


class IgnoreAcceptLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
