"""Where login codes go: a log line in dev, an HTTP SMS gateway in production."""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

from workcommunities.lib.errors import Unavailable
from workcommunities.settings import Settings

logger = logging.getLogger("workcommunities.sms")


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...

    async def close(self) -> None: ...


class LogSmsSender:
    """Development sender: logs that a message would go out, instead of sending it (neither the phone nor the text,
    which holds the code: a log never carries them; the development code is fixed, OTP_FIXED_CODE or 11111)."""

    async def send(self, phone: str, text: str) -> None:
        logger.info("SMS not sent (development): %d characters to a phone ending in %s", len(text), phone[-2:])

    async def close(self) -> None:
        pass


class HttpSmsSender:
    """POSTs `{"phone": …, "text": …}` as JSON to the gateway with a bearer token; any failure is a 503. One client
    per worker, made on first use (in the worker's event loop): it keeps its connections, where a client per code
    cost tens of milliseconds of CPU (TLS and connection setup)."""

    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def send(self, phone: str, text: str) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        try:
            response = await self._client.post(self._url, json={"phone": phone, "text": text}, headers=self._headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.error("SMS gateway failed for a phone ending in %s: %s", phone[-2:], exc)
            raise Unavailable("Could not send the code") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def build_sms_sender(settings: Settings) -> SmsSender:
    if settings.sms_gateway_url:
        return HttpSmsSender(settings.sms_gateway_url, settings.sms_gateway_token)
    return LogSmsSender()
