"""A local Bot API server on 127.0.0.1 for end-to-end tests.

The bot under test is the real python-telegram-bot Application pointed at this server through
`base_url`, so the library's real HTTP path runs. The server records every call, answers the
subset of the Bot API the bot uses, lets a test inject updates (what a person does) and faults
(what Telegram does on a bad day), and keeps the messages the bot sent so a test can press
their buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-local-bot-api"  # noqa: S105 - a fake for the fake server
BOT_ID = 123456
BOT_USERNAME = "drogowskaz_test_bot"
LONG_POLL_CAP_SECONDS = 1.0
HANG_SECONDS = 30.0

# Parameters PTB sends as JSON strings inside a form; everything else stays a string.
JSON_PARAMETERS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "message_ids",
        "entities",
        "caption_entities",
        "link_preview_options",
        "button",
        "reply_parameters",
        "allowed_updates",
        "scope",
        "media",
    }
)

# Telegram's HTML: these tags only, and '<', '>', '&' otherwise written as entities.
HTML_TAG = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|a|code|pre|blockquote|tg-emoji)"
    r"(\s[^<>]*)?>"
)
HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")

FaultKind = Literal["429", "5xx", "hang", "drop", "403", "400"]
JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Call:
    """One request the bot made: the method, its parameters, and whether a fault answered it."""

    method: str
    params: JSON
    fault: FaultKind | None = None

    @property
    def chat_id(self) -> str | None:
        """The chat the call was about, as the bot sent it (a string in a form)."""
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A person talking to the bot; their private chat has their id."""

    id: int
    first_name: str = "Ala"
    language_code: str | None = "pl"
    username: str | None = None

    def as_json(self) -> JSON:
        """The Bot API User object."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code is not None:
            data["language_code"] = self.language_code
        if self.username is not None:
            data["username"] = self.username
        return data


@dataclass(slots=True)
class _Fault:
    kind: FaultKind
    remaining: int
    retry_after: int | float = 1


@dataclass(slots=True)
class _Chat:
    id: int
    type: str = "private"
    title: str | None = None
    first_name: str | None = None

    def as_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.first_name is not None:
            data["first_name"] = self.first_name
        return data


@dataclass(slots=True)
class _State:
    calls: list[Call] = field(default_factory=list)
    updates: deque[JSON] = field(default_factory=deque)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    chats: dict[int, _Chat] = field(default_factory=dict)
    faults: dict[str, deque[_Fault]] = field(default_factory=lambda: defaultdict(deque))
    message_ids: dict[int, Iterator[int]] = field(default_factory=dict)
    webhook_url: str = ""
    commands: dict[str, list[JSON]] = field(default_factory=dict)


class BotApiServer:
    """The fake Telegram: start it, point the bot at `base_url`, talk, then stop it."""

    def __init__(self, *, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self._state = _State()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._new_update = asyncio.Event()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.polls = 0  # getUpdates calls answered (they are not kept in `calls`)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()

    async def stop(self) -> None:
        """Wake every waiting long poll and hanging call, then close."""
        self._stopping.set()
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What the bot takes as `base_url` (the token is appended by the library)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What the bot takes as `base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what the bot did --------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request so far, faulted ones included, in order."""
        return list(self._state.calls)

    def calls_of(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        """The requests of one method that were answered normally (no fault)."""
        return [
            call
            for call in self._state.calls
            if call.method == method
            and call.fault is None
            and (chat_id is None or call.chat_id == str(chat_id))
        ]

    def sent_texts(self, chat_id: int) -> list[str]:
        """Texts of the messages the bot sent to a chat (sendMessage), in order."""
        return [
            str(call.params.get("text", ""))
            for call in self.calls_of("sendMessage", chat_id=chat_id)
        ]

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages still present in a chat (after edits and deletions), in order."""
        return [
            message
            for (chat, _), message in sorted(self._state.messages.items())
            if chat == chat_id and message.get("from", {}).get("id") == BOT_ID
        ]

    def last_message(self, chat_id: int) -> JSON:
        """The newest of the bot's messages still in a chat."""
        messages = self.chat_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot has no message in chat {chat_id}")
        return messages[-1]

    def commands(self, language_code: str = "") -> list[JSON]:
        """The command menu the bot set for a language ('' = default)."""
        return self._state.commands.get(language_code, [])

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:  # noqa: ASYNC109
        """Wait until the bot made `count` successful calls of a method in total."""
        await self.wait_until(
            lambda: len(self.calls_of(method)) >= count, timeout, f"{count} x {method}"
        )
        return self.calls_of(method)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "a condition",
    ) -> None:
        """Wait until a condition on the recorded calls holds (checked after every call)."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(condition)
        except TimeoutError:
            seen = [call.method for call in self._state.calls]
            raise AssertionError(f"waited for {what}; calls so far: {seen}") from None

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self, method: str, kind: FaultKind, *, times: int = 1, retry_after: int | float = 1
    ) -> None:
        """Answer the next `times` calls of a method with a fault instead of serving them.

        429: flood control with retry_after; 5xx: 502 Bad Gateway; hang: never answer (the
        client times out); drop: close the connection without an answer; 403: the user blocked
        the bot; 400: a bad request.
        """
        self._state.faults[method].append(_Fault(kind, times, retry_after))

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._state.faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    # -- what people do ----------------------------------------------------------------------

    def inject(self, update: JSON) -> int:
        """Queue a raw update (an `update_id` is added); returns its update_id."""
        update_id = next(self._update_ids)
        self._state.updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def text(self, user: FakeUser, text: str, *, chat_id: int | None = None) -> int:
        """The person writes a message (a leading /command gets its bot_command entity)."""
        chat = self._chat_for(user, chat_id)
        message = self._user_message(user, chat)
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = _command_entities(text)
        return self.inject({"message": message})

    def group_text(self, user: FakeUser, group_id: int, text: str) -> int:
        """The person writes in a group the bot is in."""
        return self.text(user, text, chat_id=group_id)

    def edited_text(self, user: FakeUser, message_id: int, text: str) -> int:
        """The person edits one of their earlier messages."""
        chat = self._chat_for(user, None)
        message = self._user_message(user, chat, message_id=message_id)
        message["text"] = text
        message["edit_date"] = message["date"]
        return self.inject({"edited_message": message})

    def location(self, user: FakeUser, latitude: float, longitude: float) -> int:
        """The person shares a location pin."""
        message = self._user_message(user, self._chat_for(user, None))
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return self.inject({"message": message})

    def document(
        self,
        user: FakeUser,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> int:
        """The person sends a file (which the bot can download through getFile)."""
        document = self._store_file(file_name, content)
        message = self._user_message(user, self._chat_for(user, None))
        message["document"] = {**document, "mime_type": mime_type}
        if caption is not None:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = _command_entities(caption)
        return self.inject({"message": message})

    def raw_message(self, user: FakeUser, **content: Any) -> int:
        """The person sends something else (a sticker, a photo, a contact...): given fields."""
        message = self._user_message(user, self._chat_for(user, None))
        message.update(content)
        return self.inject({"message": message})

    def press(
        self,
        user: FakeUser,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
    ) -> int:
        """The person presses an inline button (by label or data) of the bot's newest message
        that has it, or of the given message."""
        chat_id = user.id
        candidates = (
            [self._state.messages[(chat_id, message_id)]]
            if message_id is not None
            else list(reversed(self.chat_messages(chat_id)))
        )
        for message in candidates:
            for button in inline_buttons(message):
                if (label is None or button.get("text") == label) and (
                    data is None or button.get("callback_data") == data
                ):
                    return self.callback(user, message, str(button["callback_data"]))
        labels = [b.get("text") for m in candidates for b in inline_buttons(m)]
        raise AssertionError(f"no button {label or data!r} in chat {chat_id}; buttons: {labels}")

    def callback(self, user: FakeUser, message: JSON, data: str) -> int:
        """A callback query with any data (also forged or stale) on a given bot message."""
        query = {
            "id": f"cb-{next(self._callback_ids)}",
            "from": user.as_json(),
            "chat_instance": f"ci-{message['chat']['id']}",
            "message": message,
            "data": data,
        }
        return self.inject({"callback_query": query})

    def inline_query(self, user: FakeUser, query: str, *, offset: str = "") -> int:
        """The person types `@bot <query>` in any chat."""
        inline = {
            "id": f"iq-{next(self._callback_ids)}",
            "from": user.as_json(),
            "query": query,
            "offset": offset,
        }
        return self.inject({"inline_query": inline})

    def _chat_for(self, user: FakeUser, chat_id: int | None) -> _Chat:
        if chat_id is None or chat_id == user.id:
            chat = self._state.chats.get(user.id)
            if chat is None:
                chat = _Chat(user.id, "private", first_name=user.first_name)
                self._state.chats[user.id] = chat
            return chat
        return self._state.chats.setdefault(chat_id, _Chat(chat_id, "group", title="Grupa"))

    def _store_file(self, name: str, content: bytes) -> JSON:
        """Keep a file for getFile to find; returns the Bot API Document of it."""
        file_id = f"file-{next(self._file_ids)}"
        self._state.files[file_id] = (f"documents/{file_id}-{name}", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(content),
        }

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._state.message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user_message(self, user: FakeUser, chat: _Chat, *, message_id: int | None = None) -> JSON:
        message: JSON = {
            "message_id": message_id or self._next_message_id(chat.id),
            "date": 1_700_000_000,
            "chat": chat.as_json(),
            "from": user.as_json(),
        }
        self._state.messages[(chat.id, message["message_id"])] = message
        return message

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for file_path, content in self._state.files.values():
            if file_path == path:
                return web.Response(body=content)
        return web.Response(status=404)

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _read_params(request)
        fault = self._take_fault(method)
        if fault is not None:
            await self._record(Call(method, params, fault.kind))
            return await self._answer_fault(fault, request)
        handler: Callable[[JSON], Any] | None = getattr(self, f"_api_{method}", None)
        if handler is None:
            await self._record(Call(method, params, "400"))
            return _error(404, "Not Found: method not found")
        if method == "getUpdates":
            result = await self._api_getUpdates(params)
            self.polls += 1
        else:
            try:
                result = handler(params)
            except _ApiError as error:
                await self._record(Call(method, params, "400"))
                return _error(error.code, error.description)
        await self._record(Call(method, params))
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        if call.method != "getUpdates":
            self._state.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _answer_fault(self, fault: _Fault, request: web.Request) -> web.StreamResponse:
        if fault.kind == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after},
                },
                status=429,
            )
        if fault.kind == "5xx":
            return _error(502, "Bad Gateway")
        if fault.kind == "403":
            return _error(403, "Forbidden: bot was blocked by the user")
        if fault.kind == "400":
            return _error(400, "Bad Request: injected fault")
        if fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), HANG_SECONDS)
            return _error(502, "Bad Gateway")
        # drop: close the connection without any answer
        if request.transport is not None:
            request.transport.close()
        raise ConnectionResetError("dropped by the fault injector")

    # -- the API -----------------------------------------------------------------------------
    # Methods are named after the Bot API so the dispatcher finds them; N802 does not apply.

    def _bot_user(self) -> JSON:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Drogowskaz",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _api_getMe(self, _: JSON) -> JSON:  # noqa: N802
        return self._bot_user()

    async def _api_getUpdates(self, params: JSON) -> list[JSON]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        updates = self._state.updates
        while updates and updates[0]["update_id"] < offset:
            updates.popleft()
        if not updates and timeout > 0 and not self._stopping.is_set():
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        limit = int(params.get("limit") or 100)
        return list(itertools.islice(updates, limit))

    def _api_deleteWebhook(self, _: JSON) -> bool:  # noqa: N802
        self._state.webhook_url = ""
        return True

    def _api_setWebhook(self, params: JSON) -> bool:  # noqa: N802
        self._state.webhook_url = str(params.get("url", ""))
        return True

    def _api_getWebhookInfo(self, _: JSON) -> JSON:  # noqa: N802
        return {
            "url": self._state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _api_setMyCommands(self, params: JSON) -> bool:  # noqa: N802
        self._state.commands[str(params.get("language_code", ""))] = list(params["commands"])
        return True

    def _api_deleteMyCommands(self, params: JSON) -> bool:  # noqa: N802
        self._state.commands.pop(str(params.get("language_code", "")), None)
        return True

    def _api_sendChatAction(self, _: JSON) -> bool:  # noqa: N802
        return True

    def _api_answerCallbackQuery(self, _: JSON) -> bool:  # noqa: N802
        return True

    def _api_answerInlineQuery(self, _: JSON) -> bool:  # noqa: N802
        return True

    def _api_sendMessage(self, params: JSON) -> JSON:  # noqa: N802
        _check_markup(params, "text")
        message = self._bot_message(params)
        message["text"] = str(params.get("text", ""))
        return message

    def _api_sendLocation(self, params: JSON) -> JSON:  # noqa: N802
        message = self._bot_message(params)
        message["location"] = {
            "latitude": float(params["latitude"]),
            "longitude": float(params["longitude"]),
        }
        return message

    def _api_sendVenue(self, params: JSON) -> JSON:  # noqa: N802
        message = self._bot_message(params)
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        message["location"] = location
        message["venue"] = {
            "location": location,
            "title": str(params.get("title", "")),
            "address": str(params.get("address", "")),
        }
        return message

    def _api_sendDocument(self, params: JSON) -> JSON:  # noqa: N802
        _check_markup(params, "caption")
        message = self._bot_message(params)
        document = params.get("document")
        name, content = document if isinstance(document, tuple) else ("file", b"")
        message["document"] = self._store_file(name, content)
        if "caption" in params:
            message["caption"] = str(params["caption"])
        return message

    def _api_getFile(self, params: JSON) -> JSON:  # noqa: N802
        file_id = str(params.get("file_id"))
        if file_id not in self._state.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = self._state.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _api_editMessageText(self, params: JSON) -> JSON:  # noqa: N802
        _check_markup(params, "text")
        message = self._find_message(params)
        text = str(params.get("text", ""))
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        _set_markup(message, markup)
        return message

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:  # noqa: N802
        message = self._find_message(params)
        _set_markup(message, params.get("reply_markup"))
        return message

    def _api_deleteMessage(self, params: JSON) -> bool:  # noqa: N802
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self._state.messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _api_deleteMessages(self, params: JSON) -> bool:  # noqa: N802
        chat_id = int(params["chat_id"])
        for message_id in params.get("message_ids", []):
            self._state.messages.pop((chat_id, int(message_id)), None)
        return True

    def _find_message(self, params: JSON) -> JSON:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        message = self._state.messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _bot_message(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        chat = self._state.chats.get(chat_id) or _Chat(chat_id)
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "date": 1_700_000_000,
            "chat": chat.as_json(),
            "from": self._bot_user(),
        }
        _set_markup(message, params.get("reply_markup"))
        self._state.messages[(chat_id, message["message_id"])] = message
        return message


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _check_markup(params: JSON, field: str) -> None:
    """Refuse, as Telegram does, a text sent as HTML that is not Telegram's HTML (a '<' or '&'
    that starts no tag or entity): a plain text sent with parse_mode=HTML fails there."""
    if params.get("parse_mode") != "HTML":
        return
    text = str(params.get(field, ""))
    rest = HTML_ENTITY.sub("", HTML_TAG.sub("", text))
    if "<" in rest or ">" in rest or "&" in rest:
        raise _ApiError(400, "Bad Request: can't parse entities: unsupported start tag")


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


def _set_markup(message: JSON, markup: Any) -> None:
    """Keep an inline keyboard on the message, as Telegram does (reply keyboards are not kept)."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _command_entities(text: str) -> list[JSON]:
    """The bot_command entity of a text that starts with /command."""
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command)}]


def inline_buttons(message: JSON) -> list[JSON]:
    """The inline keyboard's buttons of a message, row by row."""
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def _read_params(request: web.Request) -> JSON:
    """Parameters as the bot sent them: form scalars as strings, JSON fields decoded."""
    params: JSON = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = (value.filename, value.file.read())
                else:
                    params[key] = value
    for key in JSON_PARAMETERS & params.keys():
        value = params[key]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params
