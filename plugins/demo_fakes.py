"""Publish the demo to the four fake networks, in one command: ``./dev fakes``.

One process tree, on 127.0.0.1 only:

1. starts the fake Telegram, VK, Instagram and YouTube servers of the plugins'
   tests (``plugins/<network>/tests/fake_<network>.py``) on fixed ports, and a
   read-only server of the media store (Instagram fetches files by URL);
2. prepares a scratch instance (``instance/fakes`` by default: its own keys,
   SQLite file and private Redis, recreated at every start, so the demo posts go
   out again and the instance of ``./dev up`` is never touched) with
   ``smmflow init``, ``smmflow db upgrade`` and ``smmflow demo``;
3. points the demo accounts' credentials at the fakes (encrypted with the
   instance's vault, as the API's ``PATCH /api/v1/social-accounts/<id>`` does);
4. runs ``smmflow demo publish`` and then ``smmflow run`` as a child, with every
   plugin's API base in its environment, and shows the posts each fake holds
   and the state of the demo's targets until all are published;
5. keeps running (web app at ``http://127.0.0.1:<base port>/``) until Ctrl-C,
   which stops ``smmflow run`` (web, worker, dispatcher, Redis), the fakes and
   the media server.

Ports: web on the base port (8700, ``--base-port`` or ``SMMFLOW_FAKES_BASE_PORT``),
then Telegram +1, VK +2, Instagram +3, YouTube +4, media +5.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

PLUGINS = Path(__file__).resolve().parent
ROOT = PLUGINS.parent
NETWORKS = ("telegram", "vk", "instagram", "youtube")
for _network in NETWORKS:
    if str(PLUGINS / _network / "tests") not in sys.path:
        sys.path.insert(0, str(PLUGINS / _network / "tests"))

from fake_instagram import FakeInstagram  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from fake_vk import FakeVK  # noqa: E402
from fake_youtube import FakeYouTube  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from smmflow.testing.fakeserver import FakeServer  # noqa: E402

FAKES = {"telegram": FakeTelegram, "vk": FakeVK, "instagram": FakeInstagram, "youtube": FakeYouTube}
DEFAULT_BASE_PORT = 8700
OFFSETS = {"web": 0, "telegram": 1, "vk": 2, "instagram": 3, "youtube": 4, "media": 5}
MARKER = ".smmflow-fakes"
DONE = ("published",)
FINAL_BAD = ("failed", "unknown", "cancelled")
STOP_GRACE = 60.0


# -- the fakes ---------------------------------------------------------------------------------
def start_fakes(ports: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The four fakes, started (on ``ports[network]``, else on free ports)."""
    started: dict[str, Any] = {}
    try:
        for network, cls in FAKES.items():
            started[network] = cls().start((ports or {}).get(network, 0))
    except BaseException:
        stop_all(started.values())
        raise
    return started


def stop_all(servers: Any) -> None:
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def fake_credentials(fake: Any) -> dict[str, Any]:
    """Credentials of the fake's account, as stored (encrypted) on a SocialAccount."""
    if hasattr(fake, "account_credentials"):
        return dict(fake.account_credentials())
    return dict(fake.account().credentials)


def fake_settings(fakes: Mapping[str, Any]) -> dict[str, str]:
    """``SMMFLOW_*`` variables that point every plugin at its fake."""
    env: dict[str, str] = {}
    for fake in fakes.values():
        env |= {f"SMMFLOW_{key}": str(value) for key, value in fake.settings.items()}
    return env


def point_accounts(app: Flask, fakes: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """Give every demo account (both clients) its fake's credentials and external id.

    Goes through :func:`smmflow.accounts.services.update_account`, so the
    credentials are encrypted with the app's vault. Returns ``(id, platform, handle)``.
    """
    from smmflow import db as database
    from smmflow import demo
    from smmflow.accounts import services as accounts
    from smmflow.accounts.models import SocialAccount
    from smmflow.clients.models import Client

    slugs = [c[0] for c in demo.CLIENTS]
    changed: list[tuple[int, str, str]] = []
    with app.app_context():
        db = database.session()
        db.info["remote_addr"] = "demo"
        rows = db.execute(select(SocialAccount, Client.slug).join(
            Client, Client.id == SocialAccount.client_id).where(
            Client.slug.in_(slugs), SocialAccount.platform.in_(list(fakes)))).all()
        for account, slug in rows:
            if account.handle != f"{slug}_{account.platform}":
                continue  # not one of the demo's accounts
            fake = fakes[account.platform]
            accounts.update_account(db, account, {"credentials": fake_credentials(fake),
                                                  "external_id": str(fake.account().external_id)})
            changed.append((account.id, account.platform, account.handle))
        db.commit()
    return sorted(changed)


# -- the media server ----------------------------------------------------------------------------
class MediaServer(FakeServer):
    """Serves the blobs of a local media store at ``/sha256/ab/cd/<hex>``, read-only."""

    PATH = re.compile(r"^/sha256/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})$")
    thread_name = "demo-media"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        from smmflow.media.probe import IMAGE_TYPES, VIDEO_TYPES, sniff

        request = Request(environ)
        match = self.PATH.match(request.path)
        path = self.root / request.path.lstrip("/") if match else None
        if request.method not in ("GET", "HEAD") or path is None or not path.is_file():
            return Response("not found\n", status=404)(environ, start_response)
        data = path.read_bytes()
        found = sniff(data[:64])
        mime = {**IMAGE_TYPES, **VIDEO_TYPES}.get(found[1], "") if found else ""
        response = Response(data, mimetype=mime or "application/octet-stream")
        return response(environ, start_response)


# -- the scratch instance and the child processes -----------------------------------------------
def prepare_instance(folder: Path, keep: bool) -> Path:
    """The scratch instance folder, emptied unless ``keep`` (only when it is ours)."""
    folder = folder.resolve()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise SystemExit(f"demo_fakes: {folder} is not a scratch instance of `./dev fakes` "
                             f"(no {MARKER} file); choose another folder with --instance")
        if not keep:
            shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("scratch instance of ./dev fakes: emptied at every start\n")
    return folder


def child_env(instance: Path, fakes: Mapping[str, Any], media_url: str, web_port: int
              ) -> dict[str, str]:
    """The environment of every smmflow command: the scratch instance and the fakes."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SMMFLOW_DATABASE_URL", "SMMFLOW_REDIS_URL")}
    env |= {"SMMFLOW_INSTANCE_PATH": str(instance), "SMMFLOW_MEDIA_PUBLIC_URL": media_url,
            "SMMFLOW_BASE_URL": f"http://127.0.0.1:{web_port}"}
    env |= fake_settings(fakes)
    return env


def smmflow_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("smmflow")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from smmflow.cli import main; main()", *args]


def run_step(env: Mapping[str, str], *args: str) -> None:
    print(f"==> smmflow {' '.join(args)}", flush=True)
    done = subprocess.run(smmflow_command(*args), env=dict(env), stdin=subprocess.DEVNULL,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"demo_fakes: `smmflow {' '.join(args)}` failed "
                         f"(exit {done.returncode})")


def spawn_run(env: Mapping[str, str], port: int) -> subprocess.Popen[bytes]:
    """``smmflow run`` in its own process group (Ctrl-C reaches it only through us);
    Linux stops it if this process dies."""
    from smmflow.jobs.embedded import die_with_parent

    return subprocess.Popen(  # noqa: S603 - our own CLI
        smmflow_command("run", "--port", str(port)), env=dict(env), stdin=subprocess.DEVNULL,
        process_group=0, preexec_fn=die_with_parent if os.name == "posix" else None)


def stop_run(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to ``smmflow run`` (it stops web, dispatcher, worker, then Redis); SIGKILL late."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        print(f"demo_fakes: smmflow run did not stop in {STOP_GRACE:g} s; killing it", flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def check_ports(ports: Mapping[str, int]) -> None:
    for name, port in ports.items():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise SystemExit(f"demo_fakes: port {port} ({name}) is in use; pick other ports "
                                 "with --base-port or SMMFLOW_FAKES_BASE_PORT") from None


# -- progress --------------------------------------------------------------------------------------
def target_states(app: Flask) -> list[tuple[int, str, str, str | None]]:
    """``(target id, platform, status, last error)`` of every demo target."""
    from smmflow import demo
    from smmflow.accounts.models import SocialAccount
    from smmflow.db import open_session

    with open_session(app) as db:
        rows = []
        for post in demo.demo_posts(db):
            platforms = dict(db.execute(select(SocialAccount.id, SocialAccount.platform).where(
                SocialAccount.id.in_([t.social_account_id for t in post.targets]))).all())
            rows += [(t.id, platforms[t.social_account_id], str(t.status), t.last_error)
                     for t in post.targets]
        return rows


def progress_line(fakes: Mapping[str, Any], rows: list[tuple[int, str, str, str | None]]) -> str:
    wanted = Counter(platform for _, platform, _, _ in rows)
    posts = "  ".join(f"{n}: {fakes[n].count()}/{wanted[n]} post(s)" for n in fakes)
    states = Counter(status for _, _, status, _ in rows)
    return f"fakes  {posts}   |   demo targets: " + ", ".join(
        f"{states[s]} {s}" for s in sorted(states))


def watch(app: Flask, fakes: Mapping[str, Any], run: subprocess.Popen[bytes], web_url: str
          ) -> Iterator[None]:
    """Print progress while ``smmflow run`` works, one look per iteration; raises SystemExit
    when ``smmflow run`` ends on its own."""
    from sqlalchemy.exc import OperationalError

    from smmflow import demo

    last, announced, reported = "", False, set()
    while run.poll() is None:
        try:
            rows = target_states(app)
        except OperationalError:  # SQLite busy with the worker's writes: look again later
            yield
            continue
        line = progress_line(fakes, rows)
        if line != last:
            print(line, flush=True)
            last = line
        for tid, platform, status, error in rows:
            if status in FINAL_BAD and tid not in reported:
                reported.add(tid)
                print(f"   target {tid} on {platform} is {status}: {error}", flush=True)
        if rows and not announced and all(status in DONE for _, _, status, _ in rows):
            announced = True
            wanted = Counter(platform for _, platform, _, _ in rows)
            where = "on the fakes" if all(fakes[n].count() >= wanted[n] for n in wanted) else \
                "(by an earlier run: --keep kept them, and the fakes start empty)"
            print(f"\nall {len(rows)} demo targets are published {where}.\n"
                  f"smmflow keeps running at {web_url}  (log in as {demo.OWNER_EMAIL} / "
                  f"{demo.DEMO_PASSWORD}); press Ctrl-C to stop everything.\n", flush=True)
        yield
    raise SystemExit(f"demo_fakes: smmflow run exited with status {run.returncode}")


# -- main ------------------------------------------------------------------------------------------
def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="./dev fakes", description="Publish the smmflow demo to local fake networks.")
    parser.add_argument("--base-port", type=int,
                        default=int(os.environ.get("SMMFLOW_FAKES_BASE_PORT") or DEFAULT_BASE_PORT),
                        help="web app port; the fakes and the media server take the next five "
                             "(default %(default)s)")
    parser.add_argument("--instance", type=Path, default=ROOT / "instance" / "fakes",
                        help="scratch instance folder, emptied at every start (default: "
                             "instance/fakes)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch instance's data from the last run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fakes' request lines
    ports = {name: args.base_port + offset for name, offset in OFFSETS.items()}
    check_ports(ports)
    instance = prepare_instance(args.instance, args.keep)
    signal.signal(signal.SIGTERM, _interrupt)
    fakes: dict[str, Any] = {}
    media: MediaServer | None = None
    run: subprocess.Popen[bytes] | None = None
    try:
        fakes = start_fakes(ports)
        media = MediaServer(instance / "media").start(ports["media"])
        env = child_env(instance, fakes, media.url, ports["web"])
        for network, fake in fakes.items():
            print(f"fake {network:9} {fake.url}", flush=True)
        print(f"media     {media.url}  (the media store of {instance})", flush=True)
        run_step(env, "init")
        run_step(env, "db", "upgrade")
        run_step(env, "demo")
        os.environ.clear()
        os.environ.update(env)
        from smmflow import create_app

        app = create_app()
        pointed = point_accounts(app, fakes)
        print(f"==> {len(pointed)} demo accounts now use the fakes' credentials", flush=True)
        run_step(env, "demo", "publish")
        print("==> smmflow run", flush=True)
        run = spawn_run(env, ports["web"])
        for _ in watch(app, fakes, run, f"http://127.0.0.1:{ports['web']}/"):
            time.sleep(1.0)
    except KeyboardInterrupt:
        print("\nstopping smmflow and the fakes ...", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_run(run)
        stop_all([s for s in (media, *fakes.values()) if s is not None])
    print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
