"""The YouTube platform: video uploads, reconciliation, statistics and comment moderation."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import ValidationError

from smmflow.plugin_api import (
    Account,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    Problem,
    PublishResult,
)
from smmflow_youtube import competitors
from smmflow_youtube.client import YouTubeClient, YouTubeSettings, json_body
from smmflow_youtube.options import (
    USER_TAGS_MAX_CHARS,
    YouTubeOptions,
    marker_tag,
    tags_length,
)
from smmflow_youtube.quota import Ledger, MemoryLedger, Quota, QuotaLimits, RedisLedger
from smmflow_youtube.resources import (
    POST_METRICS,
    counts,
    parse_time,
    publish_result,
    rfc3339,
    thread_items,
)
from smmflow_youtube.upload import ResumableUpload, UploadSource, open_source

DESCRIPTION_MAX_BYTES = 5000
MODERATION_STATUS = {"hide": "heldForReview", "unhide": "published", "delete": "rejected"}
TITLE_MATCH_SLACK = dt.timedelta(minutes=10)


class YouTubePlatform(Platform):
    """YouTube Data API v3 for one channel per social account (OAuth 2.0 credentials)."""

    name = "youtube"
    display_name = "YouTube"
    capabilities = frozenset({
        Capability.PUBLISH, Capability.RECONCILE, Capability.DELETE, Capability.POST_METRICS,
        Capability.ACCOUNT_METRICS, Capability.COMPETITOR_METRICS, Capability.COMMENTS,
        Capability.MODERATE, Capability.REPLY, Capability.NATIVE_SCHEDULE,
    })
    limits = ContentLimits(
        max_text_length=DESCRIPTION_MAX_BYTES,
        text_unit="bytes",
        max_title_length=100,
        title_required=True,
        forbidden_chars="<>",
        min_media=1,
        max_media=1,
        media_kinds=frozenset({"video"}),
        video_formats=frozenset({"mp4", "mov", "m4v", "avi", "wmv", "flv", "3gp", "3gpp", "webm",
                                 "mpeg", "mpg", "mkv", "mts", "hevc", "prores"}),
        max_video_bytes=256 * 1024 ** 3,
    )
    options_schema = YouTubeOptions
    max_concurrency_per_account = 1
    moderation_actions = frozenset(MODERATION_STATUS)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory_ledger = MemoryLedger()
        self._redis_ledgers: dict[str, Ledger] = {}
        self._tokens: dict[str, str] = {}

    # -- wiring ------------------------------------------------------------------------
    def _ledger(self, settings: YouTubeSettings) -> Ledger:
        url = settings.quota_redis_url
        if not url:
            return self._memory_ledger
        with self._lock:
            if url not in self._redis_ledgers:
                self._redis_ledgers[url] = RedisLedger(url)
            return self._redis_ledgers[url]

    @staticmethod
    def quota_project(settings: YouTubeSettings, account: Account) -> str:
        """The quota owner: the configured Google Cloud project, the OAuth client's, or the account."""
        if settings.quota_project:
            return settings.quota_project
        client_id = (account.credentials or {}).get("client_id")
        if client_id:
            return "client-" + hashlib.sha256(str(client_id).encode()).hexdigest()[:16]
        return f"account-{account.id}"

    def quota(self, ctx: JobContext, account: Account, settings: YouTubeSettings | None = None) -> Quota:
        """The quota ledger this account's calls are charged to."""
        settings = settings or YouTubeSettings.from_ctx(ctx)
        return Quota(self._ledger(settings), self.quota_project(settings, account),
                     QuotaLimits(settings.daily_units, settings.daily_uploads,
                                 settings.daily_competitor_units), ctx.clock)

    def _client(self, ctx: JobContext, account: Account) -> YouTubeClient:
        settings = YouTubeSettings.from_ctx(ctx)
        return YouTubeClient(ctx, account, settings, self.quota(ctx, account, settings), self._tokens)

    # -- before approval ---------------------------------------------------------------
    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        replaced = {"text_too_long", "forbidden_character"}
        problems = [p for p in super().validate(content, options) if p.code not in replaced]

        def add(field: str, code: str, message: str) -> None:
            problems.append(Problem(field, code, message, self.name))

        description = self.description(content)
        size = len(description.encode("utf-8"))
        if size > DESCRIPTION_MAX_BYTES:
            add("text", "text_too_long",
                f"The description is {size} bytes in UTF-8; YouTube allows {DESCRIPTION_MAX_BYTES} bytes "
                f"(a Latin letter takes 1 byte, a Cyrillic letter 2, an emoji 4). Shorten it by at least "
                f"{size - DESCRIPTION_MAX_BYTES} bytes.")
        for field, value, label in (("title", content.title, "title"), ("text", description, "description")):
            bad = [ch for ch in "<>" if ch in value]
            if bad:
                add(field, "forbidden_character",
                    f"YouTube does not accept {' or '.join(repr(ch) for ch in bad)} in the {label}; "
                    "remove or replace them.")
        try:
            opts = YouTubeOptions().load(dict(options))
        except ValidationError:
            return problems  # already reported by Platform.validate
        if opts["publish_at"] is not None and opts["privacy_status"] != "private":
            add("options.publish_at", "publish_at_requires_private",
                "YouTube schedules a video only when its privacy is 'private' (it turns public at the "
                "chosen time). Set privacy to private, or remove the publication time.")
        tags = opts["tags"]
        if any("<" in tag or ">" in tag for tag in tags):
            add("options.tags", "forbidden_character", "Tags cannot contain '<' or '>'.")
        used = tags_length(tags)
        if used > USER_TAGS_MAX_CHARS:
            add("options.tags", "tags_too_long",
                f"The tags take {used} characters as YouTube counts them (commas between tags, quotes "
                f"around tags with spaces); at most {USER_TAGS_MAX_CHARS} are available. Remove some tags.")
        return problems

    @staticmethod
    def description(content: Content) -> str:
        """The video description: the post text, plus its link when the text lacks it."""
        if content.link and content.link not in content.text:
            return f"{content.text}\n\n{content.link}" if content.text else content.link
        return content.text

    # -- publishing --------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        problems = self.validate(content, options)
        if problems:
            raise ContentRejected("; ".join(p.message for p in problems), platform_code=problems[0].code)
        opts = YouTubeOptions().load(dict(options))
        client = self._client(ctx, account)
        resource = self._resource(content, opts, marker if client.settings.marker_tag else None)
        with open_source(ctx, content.media[0]) as source:
            if source.total == 0:
                raise ContentRejected("The video file is empty; upload the video again.")
            upload = ResumableUpload(client, source)
            session, offset = self._saved_session(ctx, marker, source.total, content.title), 0
            if session:
                status, value = upload.query(session)
                if status == "done":
                    return self._published(ctx, value, marker)
                if status == "partial":
                    offset = value
                    ctx.log.info("youtube: resuming the upload for %s at byte %d", marker, offset)
                else:
                    found = self._find_in_uploads(client, marker, ctx.state)
                    if found is not None:
                        ctx.save_state(video_id=found.external_id)
                        return found
                    session = None
            if session is None:
                session = upload.start(resource, opts["notify_subscribers"])
                ctx.save_state(marker=marker, session_uri=session, upload_total=source.total,
                               upload_title=content.title, upload_started_at=rfc3339(ctx.clock()),
                               video_id=None)
            video = upload.send(session, offset)
        return self._published(ctx, video, marker)

    def _published(self, ctx: JobContext, video: Mapping[str, Any], marker: str) -> PublishResult:
        result = publish_result(video)
        ctx.save_state(video_id=result.external_id)
        ctx.log.info("youtube: video %s uploaded for %s", result.external_id, marker)
        return result

    @staticmethod
    def _saved_session(ctx: JobContext, marker: str, total: int, title: str) -> str | None:
        state = ctx.state
        if state.get("marker") != marker or not state.get("session_uri"):
            return None
        if state.get("upload_total") != total or state.get("upload_title") != title:
            return None  # the content changed since: a new upload
        return str(state["session_uri"])

    def _resource(self, content: Content, opts: Mapping[str, Any], marker: str | None) -> dict[str, Any]:
        tags = list(opts["tags"]) + ([marker_tag(marker)] if marker else [])
        snippet: dict[str, Any] = {"title": content.title, "description": self.description(content),
                                   "categoryId": opts["category_id"]}
        if tags:
            snippet["tags"] = tags
        if opts["default_language"]:
            snippet["defaultLanguage"] = opts["default_language"]
        status: dict[str, Any] = {"privacyStatus": opts["privacy_status"],
                                  "selfDeclaredMadeForKids": opts["made_for_kids"]}
        if opts["publish_at"] is not None:
            status["publishAt"] = rfc3339(opts["publish_at"])
        if opts["embeddable"] is not None:
            status["embeddable"] = opts["embeddable"]
        if opts["license"]:
            status["license"] = opts["license"]
        return {"snippet": snippet, "status": status}

    def find_published(self, ctx: JobContext, account: Account, marker: str) -> PublishResult | None:
        client = self._client(ctx, account)
        state = ctx.state if ctx.state.get("marker") == marker else {}
        if state.get("video_id"):
            videos = self._videos(client, [str(state["video_id"])], part="snippet")
            if videos:
                return publish_result(videos[0])
        if state.get("session_uri") and state.get("upload_total"):
            source = UploadSource("", int(state["upload_total"]), "application/octet-stream")
            status, value = ResumableUpload(client, source).query(str(state["session_uri"]))
            if status == "done":
                return self._published(ctx, value, marker)
            if status == "partial":
                return None  # never completed: publishing again resumes the same session
        found = self._find_in_uploads(client, marker, state)
        if found is not None and ctx.state.get("marker") == marker:
            ctx.save_state(video_id=found.external_id)
        return found

    def _find_in_uploads(self, client: YouTubeClient, marker: str,
                         state: Mapping[str, Any]) -> PublishResult | None:
        """Look for the video among the channel's latest uploads (marker tag, else title and time)."""
        tag = marker_tag(marker) if client.settings.marker_tag else None
        title = state.get("upload_title")
        started = parse_time(state.get("upload_started_at"))
        if tag is None and not title:
            client.ctx.log.warning("youtube: cannot reconcile %s: no marker tag and no saved title", marker)
            return None
        channel = self._my_channel(client, "contentDetails")
        uploads = ((channel or {}).get("contentDetails") or {}).get("relatedPlaylists", {}).get("uploads")
        if not uploads:
            return None
        video_ids: list[str] = []
        page_token: str | None = None
        while len(video_ids) < client.settings.reconcile_items:
            params = {"part": "snippet,contentDetails", "playlistId": uploads,
                      "maxResults": min(50, client.settings.reconcile_items - len(video_ids))}
            if page_token:
                params["pageToken"] = page_token
            page = client.get("playlistItems.list", "/youtube/v3/playlistItems", **params)
            for item in page.get("items") or []:
                video_id = (item.get("contentDetails") or {}).get("videoId") or \
                    ((item.get("snippet") or {}).get("resourceId") or {}).get("videoId")
                if video_id:
                    video_ids.append(str(video_id))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        for video in self._videos(client, video_ids, part="snippet"):
            snippet = video.get("snippet") or {}
            if tag is not None:
                if tag in (snippet.get("tags") or []):
                    return publish_result(video)
                continue
            published = parse_time(snippet.get("publishedAt"))
            if snippet.get("title") == title and (started is None or published is None
                                                   or published >= started - TITLE_MATCH_SLACK):
                return publish_result(video)
        return None

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        client = self._client(ctx, account)
        response = client.request("videos.delete", "DELETE", client.url("/youtube/v3/videos"),
                                  params={"id": external_id}, ok=(404,))
        if response.status_code == 404:
            ctx.log.info("youtube: video %s was already gone", external_id)

    # -- metrics -----------------------------------------------------------------------
    def _videos(self, client: YouTubeClient, ids: Sequence[str], *, part: str) -> list[dict[str, Any]]:
        videos: list[dict[str, Any]] = []
        for start in range(0, len(ids), 50):
            batch = ids[start:start + 50]
            page = client.get("videos.list", "/youtube/v3/videos", part=part, id=",".join(batch),
                              maxResults=50)
            videos.extend(page.get("items") or [])
        return videos

    def _my_channel(self, client: YouTubeClient, part: str) -> dict[str, Any] | None:
        page = client.get("channels.list", "/youtube/v3/channels", part=part, mine="true")
        items = page.get("items") or []
        return items[0] if items else None

    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        client = self._client(ctx, account)
        return {str(video["id"]): counts(video.get("statistics") or {}, POST_METRICS)
                for video in self._videos(client, list(external_ids), part="statistics")}

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        """Own channel: ``mine=true``. Competitor: its public statistics by id or handle, read
        with the borrowed credentials (see :mod:`smmflow_youtube.competitors`)."""
        if account.is_competitor:
            return competitors.competitor_metrics(self._client(ctx, account), account)
        channel = self._my_channel(self._client(ctx, account), "statistics")
        statistics = (channel or {}).get("statistics") or {}
        if statistics.get("hiddenSubscriberCount"):
            return {}
        return counts(statistics, {"subscriberCount": "followers"})

    # -- moderation --------------------------------------------------------------------
    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        client = self._client(ctx, account)
        channel_id = account.external_id
        if not channel_id:
            channel = self._my_channel(client, "id")
            if channel is None:
                return []
            channel_id = str(channel["id"])
        found: dict[str, InboxItemData] = {}
        for status in ("published", "heldForReview"):
            page_token: str | None = None
            for _ in range(client.settings.comment_pages):
                params: dict[str, Any] = {
                    "part": "snippet,replies", "allThreadsRelatedToChannelId": channel_id,
                    "moderationStatus": status, "order": "time", "maxResults": 100, "textFormat": "plainText"}
                if page_token:
                    params["pageToken"] = page_token
                page = client.get("commentThreads.list", "/youtube/v3/commentThreads", **params)
                reached_since = False
                for thread in page.get("items") or []:
                    for item in thread_items(thread, status):
                        if since is None or item.received_at > since:
                            if item.author_id != channel_id:  # not the channel's own replies
                                found.setdefault(item.platform_id, item)
                        elif item.kind == "comment":
                            reached_since = True
                page_token = page.get("nextPageToken")
                if not page_token or reached_since:
                    break
        return sorted(found.values(), key=lambda item: item.received_at)

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData, action: str) -> None:
        status = MODERATION_STATUS.get(action)
        if status is None:
            raise ContentRejected(f"YouTube cannot {action!r} a comment; it supports hide, unhide and "
                                  "delete (a deleted comment cannot come back).")
        client = self._client(ctx, account)
        client.request("comments.setModerationStatus", "POST",
                       client.url("/youtube/v3/comments/setModerationStatus"),
                       params={"id": item.platform_id, "moderationStatus": status})

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData, text: str) -> str:
        client = self._client(ctx, account)
        parent = item.parent_id if item.kind == "reply" and item.parent_id else item.platform_id
        response = client.request("comments.insert", "POST", client.url("/youtube/v3/comments"),
                                  params={"part": "snippet"}, write=True,
                                  json={"snippet": {"parentId": parent, "textOriginal": text}})
        return str(json_body(response, "comments.insert")["id"])
