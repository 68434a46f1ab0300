"""Registration hooks: notification channels, report sections, periodic jobs, blueprints."""

from __future__ import annotations

from dataclasses import dataclass

import flask
import pytest

from smmflow.api import Blueprint
from smmflow.auth.permissions import AUTHENTICATED, PUBLIC, requires
from smmflow.errors import PluginError
from smmflow.plugin_api import NotificationChannel, hookimpl
from smmflow.plugins import collect
from tests.plugin_framework.hook_registry import exercises


@exercises("register_notification_channels")
def test_channels_are_registered_by_name(make_app):
    class Chat(NotificationChannel):
        name = "chat"

        def deliver(self, app, notice):
            pass

    class ChatPlugin:
        __name__ = "chat_plugin"

        @hookimpl
        def register_notification_channels(self):
            return [Chat()]

    channels = make_app(plugins=[ChatPlugin()]).extensions["smmflow"].channels
    assert set(channels) == {"chat", "email", "in_app"}
    assert isinstance(channels["chat"], Chat)


def test_channel_claimed_twice_is_an_error(make_app):
    class Email(NotificationChannel):
        name = "email"

    class Plugin:
        __name__ = "second_email"

        @hookimpl
        def register_notification_channels(self):
            return [Email()]

    with pytest.raises(PluginError, match="'email' is provided by both"):
        make_app(plugins=[Plugin()])


@dataclass
class Section:
    key: str
    title: str


@exercises("register_report_sections")
def test_report_sections_are_collected_in_order(make_app):
    class First:
        __name__ = "first"

        @hookimpl
        def register_report_sections(self):
            return [Section("nps", "Net promoter score")]

    class Second:
        __name__ = "second"

        @hookimpl
        def register_report_sections(self):
            return [Section("ads", "Paid ads"), Section("seo", "Search")]

    app = make_app(plugins=[First(), Second()])
    keys = [s.key for s in collect(app, "register_report_sections")]
    assert sorted(keys) == ["ads", "nps", "seo"]


@exercises("register_periodic_jobs")
def test_periodic_jobs_are_collected(make_app):
    @dataclass
    class Job:
        name: str
        func: str
        every_seconds: int
        queue: str

    class Plugin:
        __name__ = "cleanup"

        @hookimpl
        def register_periodic_jobs(self):
            return [Job("cleanup.tmp", "cleanup_plugin.jobs.clean", 3600, "default")]

    jobs = collect(make_app(plugins=[Plugin()]), "register_periodic_jobs")
    assert "cleanup.tmp" in [job.name for job in jobs]


def _api_blueprint() -> Blueprint:
    blp = Blueprint("hello_plugin", __name__, description="A plugin's API")

    @blp.route("/hello", methods=["GET"])
    @requires(AUTHENTICATED)
    @blp.response(200)
    def hello():
        """Say hello."""
        return {"hello": "plugin"}

    return blp


def _page_blueprint() -> flask.Blueprint:
    page = flask.Blueprint("plugin_page", __name__, url_prefix="/plugin-page")

    @page.route("/")
    @requires(PUBLIC)
    def index():
        return "plugin page"

    return page


@exercises("register_blueprints")
def test_plugin_blueprints_are_mounted_and_guarded(make_app, factory_for):
    class Plugin:
        __name__ = "hello_plugin"

        @hookimpl
        def register_blueprints(self):
            return [_api_blueprint(), _page_blueprint()]

    app = make_app(plugins=[Plugin()])
    client = app.test_client()
    assert client.get("/api/v1/hello").status_code == 401
    api = factory_for(app)
    response = api.get("/hello", as_=api.factory.user())
    assert response.status_code == 200 and response.json == {"hello": "plugin"}
    assert client.get("/plugin-page/").data == b"plugin page"
    assert "/api/v1/hello" in client.get("/api/v1/openapi.json").json["paths"]


def test_plugin_route_without_permission_stops_start_up(make_app):
    page = flask.Blueprint("careless", __name__)

    @page.route("/careless")
    def careless():
        return "oops"

    class Plugin:
        __name__ = "careless_plugin"

        @hookimpl
        def register_blueprints(self):
            return [page]

    with pytest.raises(PluginError, match=r"'careless_plugin' adds routes without a permission"):
        make_app(plugins=[Plugin()])
