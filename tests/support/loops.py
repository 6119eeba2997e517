"""Coroutines a synchronous test runs, each on an event loop of its own in a thread of its own:
Playwright's synchronous API keeps a loop running in the main thread of a pytest worker once a
browser test ran there, and ``asyncio.run`` refuses to start under a running loop."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
