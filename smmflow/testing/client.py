"""An API test client that speaks JSON and authenticates as a user."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from smmflow.auth.models import User
from smmflow.testing.factories import Factory


class ApiClient:
    """``api.get("/clients", as_=user)``; paths are relative to ``/api/v1``."""

    def __init__(self, app: Flask, factory: Factory) -> None:
        self.app = app
        self.client = app.test_client()
        self.factory = factory
        self._tokens: dict[int, str] = {}

    def token_for(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = self.factory.token(user)
        return self._tokens[user.id]

    def request(self, method: str, path: str, *, as_: User | None = None,
                json: Any = None, headers: dict[str, str] | None = None,
                absolute: bool = False, **kwargs: Any) -> TestResponse:
        hdrs = dict(headers or {})
        if as_ is not None:
            hdrs["Authorization"] = f"Bearer {self.token_for(as_)}"
        url = path if absolute or path.startswith(("/api/", "http")) else "/api/v1" + path
        return self.client.open(url, method=method, json=json, headers=hdrs, **kwargs)

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> TestResponse:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> TestResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.request("DELETE", path, **kw)
