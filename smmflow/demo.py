"""Demo data: an agency with two clients, contractors, accounts on four networks, and
approved posts.

Idempotent: every object is looked up by a natural key first, so running it
twice changes nothing. The demo posts of Acme went through approval as real
posts do (a request on the client's chain, decided by the client's approver),
with a generated JPEG and MP4 in the media store. :func:`seed` never schedules
them: :func:`schedule_posts` (``smmflow demo publish``) does, once the network
API bases point somewhere safe (``./dev fakes``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.accounts.models import SocialAccount
from smmflow.approvals import chains
from smmflow.approvals import services as approvals
from smmflow.approvals.models import ApprovalChain, Decision
from smmflow.auth.models import User, UserRole
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client, Membership
from smmflow.contractors.models import ContractorProfile
from smmflow.errors import ApiError
from smmflow.media import MediaStore, media_store, probe
from smmflow.media.store import blob_key
from smmflow.posts import services as posts
from smmflow.posts.models import Post, TargetStatus

DEMO_PASSWORD = "smmflow-demo"
OWNER_EMAIL = "owner@demo.smmflow.test"

USERS = [
    (OWNER_EMAIL, "Olga Owner", UserRole.OWNER),
    ("manager@demo.smmflow.test", "Max Manager", UserRole.STAFF),
    ("moderator@demo.smmflow.test", "Mira Moderator", UserRole.STAFF),
    ("copywriter@demo.smmflow.test", "Cora Copywriter", UserRole.CONTRACTOR),
    ("designer@demo.smmflow.test", "Dan Designer", UserRole.CONTRACTOR),
    ("approver@acme.test", "Alice (Acme)", UserRole.STAFF),
    ("approver@northwind.test", "Nick (Northwind)", UserRole.STAFF),
]
CLIENTS = [
    ("acme", "Acme Coffee", "Europe/Berlin", "EUR", 500_000, "approver@acme.test"),
    ("northwind", "Northwind Bikes", "America/New_York", "USD", 800_000,
     "approver@northwind.test"),
]
PLATFORMS = {
    "telegram": {"bot_token": "123456:demo-telegram-token", "chat_id": "@{slug}_channel"},
    "vk": {"access_token": "vk1.demo-token", "group_id": "100200"},
    "instagram": {"access_token": "IGQ-demo-token", "ig_user_id": "17841400000000000"},
    "youtube": {"access_token": "ya29.demo-token", "refresh_token": "1//demo-refresh"},
}
MANAGER_EMAIL = "manager@demo.smmflow.test"
CHAIN_NAME = "Client sign-off"
POSTS_CLIENT = "acme"
FALLBACK_MEDIA_URL = "http://127.0.0.1:8705"
"""Public base of the demo media when ``SMMFLOW_MEDIA_PUBLIC_URL`` is unset: where
``./dev fakes`` serves the media store (Instagram needs every file at a public URL)."""


@dataclass(frozen=True)
class DemoPost:
    title: str
    text: str
    media: tuple[str, ...] = ()         # "image" and/or "video", generated once
    platforms: tuple[str, ...] = ()     # targets: Acme's account on each


DEMO_POSTS = (
    DemoPost("Winter launch: the countdown",
             "Seven days to go. Our winter blend is roasting, and the first cups are poured in "
             "every Acme Coffee shop next Monday. #acmecoffee #winterlaunch",
             platforms=("telegram", "vk")),
    DemoPost("Winter launch: meet the Winter Roast",
             "Dark chocolate, orange peel and a hint of clove: meet the Winter Roast. "
             "Available from Monday in every shop and online. #acmecoffee #winterroast",
             media=("image",), platforms=("telegram", "vk", "instagram")),
    DemoPost("Winter launch: behind the scenes",
             "Three seconds in our roastery: how the Winter Roast gets its colour.",
             media=("video",), platforms=("youtube", "telegram")),
)
STEP_LABELS = ("users and contractors", "clients and members", "social accounts", "campaign",
               "approval chains", "approved posts")

CONTRACTORS = {
    "copywriter@demo.smmflow.test": (["copywriter"], {"text": 5_000}),
    "designer@demo.smmflow.test": (["designer", "photographer"], {"image": 12_000,
                                                                   "carousel": 30_000}),
}


def _steps(app: Flask, db: Session) -> list[tuple[str, Callable[[], Any]]]:
    state = app.extensions["smmflow"]
    users: dict[str, User] = {}
    clients: dict[str, Client] = {}

    def ensure_users() -> int:
        created = 0
        for email, name, role in USERS:
            user = db.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=name, role=role,
                            password_hash=state.passwords.hash(DEMO_PASSWORD))
                db.add(user)
                created += 1
            users[email] = user
        db.flush()
        for email, (skills, rates) in CONTRACTORS.items():
            if db.scalar(select(ContractorProfile).where(
                    ContractorProfile.user_id == users[email].id)) is None:
                db.add(ContractorProfile(user_id=users[email].id, skills=skills, rates=rates,
                                         currency="EUR"))
                created += 1
        return created

    def ensure_clients() -> int:
        created = 0
        for slug, name, tz, currency, budget, approver in CLIENTS:
            client = db.scalar(select(Client).where(Client.slug == slug))
            if client is None:
                client = Client(slug=slug, name=name, timezone=tz, currency=currency,
                                monthly_budget_minor=budget)
                db.add(client)
                db.flush()
                created += 1
            clients[slug] = client
            for email, role in (("manager@demo.smmflow.test", "manager"),
                                ("moderator@demo.smmflow.test", "moderator"),
                                (approver, "client")):
                if db.scalar(select(Membership).where(Membership.client_id == client.id,
                                                      Membership.user_id == users[email].id)) is None:
                    db.add(Membership(client_id=client.id, user_id=users[email].id, role=role))
                    created += 1
        return created

    def ensure_accounts() -> int:
        created = 0
        for slug, client in clients.items():
            for platform, creds in PLATFORMS.items():
                handle = f"{slug}_{platform}"
                exists = db.scalar(select(SocialAccount).where(
                    SocialAccount.client_id == client.id, SocialAccount.platform == platform,
                    SocialAccount.handle == handle))
                if exists is None:
                    filled = {k: v.format(slug=slug) for k, v in creds.items()}
                    db.add(SocialAccount(client_id=client.id, platform=platform, handle=handle,
                                         external_id=filled.get("chat_id") or filled.get(
                                             "group_id") or f"{slug}-{platform}",
                                         credentials_encrypted=state.vault.encrypt(filled)))
                    created += 1
        return created

    def ensure_campaign() -> int:
        client = clients["acme"]
        if db.scalar(select(Campaign).where(Campaign.client_id == client.id,
                                            Campaign.name == "Winter launch")) is not None:
            return 0
        today = dt.date.today()
        db.add(Campaign(client_id=client.id, name="Winter launch", starts_on=today,
                        ends_on=today + dt.timedelta(days=60), target_reach=250_000,
                        target_er_bp=350, target_follower_growth=2_000, budget_minor=300_000,
                        currency=client.currency))
        return 1

    def ensure_chains() -> int:
        created = 0
        for client in clients.values():
            if db.scalar(select(ApprovalChain).where(ApprovalChain.client_id == client.id,
                                                     ApprovalChain.name == CHAIN_NAME)) is None:
                chains.create_chain(db, client.id, {
                    "name": CHAIN_NAME, "is_default": client.default_chain_id is None,
                    "steps": [{"name": "Client approves", "approver_role": "client"}]})
                created += 1
        return created

    def ensure_posts() -> int:
        return _ensure_posts(app, db, clients[POSTS_CLIENT], users)

    steps = [ensure_users, ensure_clients, ensure_accounts, ensure_campaign, ensure_chains,
             ensure_posts]
    return list(zip(STEP_LABELS, steps, strict=True))


# -- demo posts ------------------------------------------------------------------------------
def _approver_email(slug: str) -> str:
    return next(c[5] for c in CLIENTS if c[0] == slug)


def _ensure_posts(app: Flask, db: Session, client: Client, users: dict[str, User]) -> int:
    """Each missing demo post: created by the manager, targeted, approved by the client."""
    platforms = app.extensions["smmflow"].platforms
    accounts = {a.platform: a for a in db.scalars(select(SocialAccount).where(
        SocialAccount.client_id == client.id,
        SocialAccount.handle.in_([f"{client.slug}_{p}" for p in PLATFORMS])))}
    chain = db.scalar(select(ApprovalChain).where(ApprovalChain.client_id == client.id,
                                                  ApprovalChain.name == CHAIN_NAME))
    campaign_id = db.scalar(select(Campaign.id).where(Campaign.client_id == client.id,
                                                      Campaign.name == "Winter launch"))
    manager, approver = users[MANAGER_EMAIL], users[_approver_email(client.slug)]
    store = media_store(app)
    media = _MediaMaker(store)
    created = 0
    for spec in DEMO_POSTS:
        if db.scalar(select(Post.id).where(Post.client_id == client.id,
                                           Post.title == spec.title)) is not None:
            continue
        targets = [accounts[p] for p in spec.platforms if p in accounts and p in platforms]
        if not targets or chain is None:
            continue  # a network plugin is disabled: nothing to publish this post on
        db.info["actor_id"] = manager.id
        post = posts.create_post(db, client.id, {
            "title": spec.title, "text": spec.text, "campaign_id": campaign_id,
            "media": [media.item(kind) for kind in spec.media]}, manager, store)
        for account in targets:
            posts.add_target(db, post, {"social_account_id": account.id})
        request = approvals.request_post_approval(app, db, post, chain.id, manager)
        db.info["actor_id"] = approver.id
        approvals.decide(db, request, approver, Decision.APPROVE, "Approved for the winter launch.")
        created += 1 + len(targets)
    db.info.pop("actor_id", None)
    return created


class _MediaMaker:
    """Generates the demo's JPEG and MP4 at most once per seed, into the media store."""

    def __init__(self, store: MediaStore) -> None:
        self.store = store
        self.made: dict[str, dict[str, Any]] = {}

    def item(self, kind: str) -> dict[str, Any]:
        if kind not in self.made:
            self.made[kind] = self._store(kind)
        return dict(self.made[kind])

    def _store(self, kind: str) -> dict[str, Any]:
        suffix, write = (".jpg", _write_jpeg) if kind == "image" else (".mp4", _write_mp4)
        self.store.staging_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.store.staging_dir, prefix="demo-", suffix=suffix,
                                         delete=False) as handle:
            path = Path(handle.name)
        try:
            write(path)
            info = probe(path, field="media")
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            self.store.put_file(path, sha, info.mime_type)
        finally:
            path.unlink(missing_ok=True)
        item: dict[str, Any] = {
            "sha256": sha, "kind": info.kind, "mime_type": info.mime_type, "size_bytes": len(data),
            "filename": f"winter-roast{suffix}", "width": info.width, "height": info.height,
            "duration_seconds": info.duration_seconds, "format": info.format}
        if self.store.url(sha) is None:
            item["url"] = f"{FALLBACK_MEDIA_URL}/{blob_key(sha)}"
        return item


def _frame(size: tuple[int, int], step: int = 0) -> Any:
    """A drawn coffee cup on a warm background (``step`` moves the steam)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = size
    image = Image.new("RGB", size, (74, 44, 28))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):  # a vertical gradient: something for the encoders to do
        shade = 44 + 60 * y // height
        draw.rectangle((0, y, width, y + 8), fill=(74 + shade, 44 + shade // 2, 28))
    unit = min(width, height) // 10
    cx, cy = width // 2, height // 2 + unit
    draw.rounded_rectangle((cx - 2 * unit, cy - 2 * unit, cx + 2 * unit, cy + 2 * unit),
                           radius=unit // 2, fill=(240, 232, 220))
    draw.ellipse((cx + int(1.6 * unit), cy - unit, cx + 3 * unit, cy + unit),
                 outline=(240, 232, 220), width=max(2, unit // 4))
    for i in range(3):
        x = cx - unit + i * unit + (step % 6 - 3) * unit // 6
        draw.line((x, cy - 2.4 * unit, x + unit // 3, cy - 4 * unit), fill=(250, 250, 250),
                  width=max(2, unit // 6))
    try:
        font = ImageFont.load_default(size=max(10, unit // 2))
    except TypeError:  # Pillow < 10.1: one small bitmap font
        font = ImageFont.load_default()
    draw.text((unit // 2, unit // 2), "ACME COFFEE - WINTER ROAST", fill=(255, 255, 255), font=font)
    return image


def _write_jpeg(path: Path) -> None:
    _frame((1080, 1080)).save(path, "JPEG", quality=85)


def _write_mp4(path: Path) -> None:
    """Three seconds of H.264 (MPEG-4 Part 2 when the PyAV build lacks libx264), 640x360."""
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=12)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for step in range(36):
            frame = av.VideoFrame.from_image(_frame((640, 360), step))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def seed(app: Flask, progress: Callable[[str, int], None] | None = None) -> int:
    """Create the demo data that is missing; returns how many objects were created.

    Demo posts get targets only on the networks whose plugin is enabled.
    """
    total = 0
    with app.app_context():
        db = database.session()
        db.info["remote_addr"] = "demo"
        for label, step in _steps(app, db):
            created = step()
            total += created
            if progress:
                progress(label, created)
        db.commit()
    return total


# -- publishing ------------------------------------------------------------------------------
@dataclass
class Scheduled:
    """What :func:`schedule_posts` did with one demo post."""

    post_id: int
    title: str
    targets: list[tuple[int, str, str]] = field(default_factory=list)  # (id, platform, handle)
    skipped: str | None = None


def demo_posts(db: Session) -> list[Post]:
    """The demo posts that exist, in :data:`DEMO_POSTS` order."""
    found = {p.title: p for p in db.scalars(select(Post).join(Client, Client.id == Post.client_id)
                                             .where(Client.slug == POSTS_CLIENT,
                                                    Post.title.in_([d.title for d in DEMO_POSTS])))}
    return [found[d.title] for d in DEMO_POSTS if d.title in found]


def _refresh_urls(db: Session, post: Post, store: MediaStore) -> None:
    """Media URLs from the store's current public base, when it has one (the approval
    stays: the content hash names files by their SHA-256, not by where they are served)."""
    media = []
    for item in post.media or []:
        url = store.url(item["sha256"]) if item.get("sha256") else None
        media.append(dict(item, url=url) if url else dict(item))
    if media != list(post.media or []):
        posts.update_post(db, post, {"media": media}, store)


def _reason(exc: ApiError) -> str:
    """The error's message and, for failed platform checks, what each target lacks."""
    problems = [p["message"] for found in (exc.details.get("targets") or {}).values()
                for p in found if isinstance(p, dict) and p.get("message")]
    return " ".join([exc.message, *problems])


def schedule_posts(app: Flask, lead_seconds: float = 2.0) -> list[Scheduled]:
    """Schedule every approved demo post's waiting targets ``lead_seconds`` from now.

    Goes through :func:`smmflow.posts.services.schedule` (approval and preflight
    checked); the running worker then publishes them. Posts that cannot go (not
    approved, nothing waiting, failing a platform check) are reported with the
    reason and left alone.
    """
    done: list[Scheduled] = []
    with app.app_context():
        db = database.session()
        db.info["remote_addr"] = "demo"
        db.info["actor_id"] = db.scalar(select(User.id).where(User.email == MANAGER_EMAIL))
        store = media_store(app)
        at = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead_seconds)).isoformat()
        for post in demo_posts(db):
            row = Scheduled(post.id, post.title)
            done.append(row)
            waiting = [t for t in post.targets if t.status in posts.SCHEDULABLE_TARGETS]
            if post.status not in posts.APPROVED_STATES:
                row.skipped = f"the post is {post.status}, not approved"
            elif not waiting:
                row.skipped = "no target is waiting (" + ", ".join(
                    sorted({str(t.status) for t in post.targets})) + ")"
            if row.skipped:
                continue
            try:
                with db.begin_nested():
                    _refresh_urls(db, post, store)
                    posts.schedule(app, db, post, {"at": at})
            except ApiError as exc:
                row.skipped = _reason(exc)
                continue
            handles = {a.id: a for a in db.scalars(select(SocialAccount).where(
                SocialAccount.id.in_([t.social_account_id for t in waiting])))}
            row.targets = [(t.id, handles[t.social_account_id].platform,
                            handles[t.social_account_id].handle) for t in waiting
                           if t.status == TargetStatus.SCHEDULED]
        db.commit()
    return done

