"""The users of `make bench-load` (benchmarks/load.py, which writes the plan this reads).

Readers sign in through the sign-in page and read the province's dashboard, their commune's page
and its source list, and `/healthz` (the trivial view the others are compared with). Writers
record through the API with their token: a new person on their cell's source list, then that
person's awareness class, each with an Idempotency-Key as the installed app sends it. Requests
are named by their shape (`/units/[commune]/`), so that the figures are per page.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["RANKS_LOAD_PLAN"], encoding="utf-8").read())
_readers = itertools.cycle(PLAN["readers"])
_writers = itertools.cycle(PLAN["writers"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Reader(HttpUser):
    fixed_count = int(os.environ.get("RANKS_LOAD_READERS", "50"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        # One connection a request, as nginx talks to its upstream by default (HTTP/1.0): a
        # kept-alive connection the server closes while a POST is sent would fail that POST.
        self.client.headers["Connection"] = "close"
        me = next(_readers)
        self.commune = me["commune"]
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": me["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ (sign in)",
            catch_response=True,
        ) as answer:
            if "sessionid" not in self.client.cookies:
                answer.failure(f"not signed in ({answer.status_code})")

    @task
    def dashboard(self) -> None:
        self.client.get(
            f"/units/{PLAN['province']}/dashboard/", name="/units/[province]/dashboard/"
        )

    @task
    def commune(self) -> None:
        self.client.get(f"/units/{self.commune}/", name="/units/[commune]/")

    @task
    def source_list(self) -> None:
        self.client.get(f"/units/{self.commune}/candidates/", name="/units/[commune]/candidates/")

    @task
    def health(self) -> None:
        self.client.get("/healthz", name="/healthz")


class Writer(HttpUser):
    fixed_count = int(os.environ.get("RANKS_LOAD_WRITERS", "10"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Connection"] = "close"
        self.me = next(_writers)
        self.headers = {"Authorization": f"Bearer {self.me['token']}", "Accept-Language": "en"}
        self.count = 0

    def send(self, path: str, body: dict, name: str) -> bool:
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(path, json=body, headers=headers, name=name,
                              catch_response=True) as answer:  # fmt: skip
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:300]}")
                return False
        return True

    @task
    def record(self) -> None:
        self.count += 1
        person_id = f"LOAD-{self.me['username']}-{self.count}-{uuid.uuid4().hex[:6]}"
        added = self.send(
            f"/api/v1/units/{self.me['commune']}/candidates/",
            {
                "person_id": person_id,
                "cell_code": self.me["cell"],
                "added_on": PLAN["today"],
                "person": {
                    "full_name": "Nguyễn Văn Tải",
                    "birth_date": "2001-02-03",
                    "gender": "male",
                    "residence_place_code": self.me["place"],
                },
            },
            "/api/v1/units/[commune]/candidates/",
        )
        if added:
            self.send(
                f"/api/v1/candidates/{person_id}/events/",
                {
                    "stage": "class_passed",
                    "date": PLAN["today"],
                    "class_name": "Lớp nhận thức về Đảng",
                    "certificate_no": f"GCN-{self.count}",
                },
                "/api/v1/candidates/[person]/events/",
            )
