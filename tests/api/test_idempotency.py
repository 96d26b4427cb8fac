"""`Idempotency-Key` itself, on a write made for the test (each write creates a token): a retry
with the key gets the first answer and writes nothing; the key with another request is refused;
a refused write keeps nothing; keys are per user; two requests with one key at the same moment
write once (PostgreSQL: SQLite has one writer)."""

import threading

import pytest
from django.db import connection
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from ranks.api.idempotency import idempotent
from ranks.api.models import ApiToken, IdempotentRequest
from ranks.api.services import token_create
from ranks.core.actor import Actor
from ranks.core.errors import DomainError
from tests.factories import build_world

factory = APIRequestFactory()


class MakeToken(APIView):
    """A write: a token for the caller named by the body (an empty name is refused)."""

    barrier: threading.Barrier | None = None

    @idempotent
    def post(self, request):
        name = request.data.get("name", "")
        if self.barrier is not None:
            self.barrier.wait(10)  # both requests are inside their transaction
        if not name:
            raise DomainError("A name, please.", field="name")
        token, _ = token_create(
            actor=Actor.for_user(request.user, channel="api"),
            username=request.user.get_username(),
            name=name,
        )
        return Response({"prefix": token.prefix, "name": token.name}, status=201)


def send(user, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = factory.post("/api/v1/test/", body, format="json", **headers)
    force_authenticate(request, user=user)
    return MakeToken.as_view()(request)


def test_a_retry_gets_the_first_answer_and_writes_nothing(world):
    alice = world.users["alice"]
    first = send(alice, {"name": "phone"}, key="k-1")
    again = send(alice, {"name": "phone"}, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.data == first.data and again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert ApiToken.objects.filter(user=alice, name="phone").count() == 1
    # Without a key, each request writes.
    send(alice, {"name": "phone"})
    assert ApiToken.objects.filter(user=alice, name="phone").count() == 2


def test_the_key_with_another_request_is_refused(world):
    alice = world.users["alice"]
    send(alice, {"name": "phone"}, key="k-2")
    other = send(alice, {"name": "tablet"}, key="k-2")
    assert other.status_code == 422
    assert other.data["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.data["message"]
    assert not ApiToken.objects.filter(name="tablet").exists()


def test_a_refused_write_keeps_nothing_and_can_be_retried(world):
    alice = world.users["alice"]
    refused = send(alice, {"name": ""}, key="k-3")
    assert refused.status_code == 400 and refused.data["details"] == {"name": ["A name, please."]}
    assert not IdempotentRequest.objects.filter(key="k-3").exists()
    assert send(alice, {"name": "fixed"}, key="k-3").status_code == 201


def test_keys_belong_to_their_user(world):
    send(world.users["alice"], {"name": "phone"}, key="same")
    bobs = send(world.users["bob"], {"name": "phone"}, key="same")
    assert bobs.status_code == 201 and not bobs.has_header("Idempotent-Replayed")
    assert ApiToken.objects.filter(name="phone").count() == 2


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "ý"])
def test_a_malformed_key_is_refused(world, key):
    answer = send(world.users["alice"], {"name": "phone"}, key=key)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.data["details"]
    assert not ApiToken.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_write_once():
    world = build_world()
    alice = world.users["alice"]
    MakeToken.barrier = threading.Barrier(2)
    answers: list = []
    failures: list[BaseException] = []

    def one():
        try:
            answers.append(send(alice, {"name": "twice"}, key="at-once"))
        except BaseException as error:  # reported by the test thread
            failures.append(error)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        MakeToken.barrier = None
    assert not failures
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].data == answers[1].data
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [False, True]
    assert ApiToken.objects.filter(user=alice, name="twice").count() == 1
