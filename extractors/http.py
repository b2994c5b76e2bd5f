"""Rate limiting and retry with backoff, shared by every networked source.

Biopython's Entrez and plain ``requests`` have neither a polite rate limiter nor a bounded,
backing-off retry; each extractor wraps its calls in :func:`call_with_retry`.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


class RateLimiter:
    """Allow at most ``rate`` calls per second (sliding window), thread-safe.

    The window form (not a fixed interval) lets a burst of ``rate`` requests start at once, which
    is how NCBI counts ("no more than 3 requests per second").
    """

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self._clock, self._sleep = rate, clock, sleep
        self._starts: list[float] = []
        self._lock = threading.Lock()
        self.window = 1.0
        self.slots = max(1, int(rate)) if rate >= 1 else 1
        self.min_gap = 0.0 if rate >= 1 else 1.0 / rate

    def wait(self) -> float:
        """Block until one more call may start, then record (and return) its start time."""
        with self._lock:
            while True:
                now = self._clock()
                self._starts = [t for t in self._starts if now - t < self.window]
                delay = self._delay(now)
                if delay <= 0:
                    self._starts.append(now)
                    return now
                self._sleep(delay)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a slot, run the block (one request), then count the request as of its END.

        A server timestamps a request somewhere between our send and its reply; stamping the
        slot at the reply's end makes the window conservative, so a client that waits here
        never lands ``slots + 1`` arrivals inside one server-side second, however late the
        previous request reached the server.
        """
        started = self.wait()
        try:
            yield
        finally:
            with self._lock:
                if started in self._starts:
                    self._starts.remove(started)
                self._starts.append(self._clock())
                self._starts.sort()

    def _delay(self, now: float) -> float:
        if self.min_gap and self._starts:
            return self._starts[-1] + self.min_gap - now
        if len(self._starts) < self.slots:
            return 0.0
        # small margin so the server, timing our requests on arrival, never sees slots+1 in 1 s
        return self._starts[0] + self.window + 0.005 - now


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff: waits ``base * factor**i`` capped at ``cap`` seconds."""

    tries: int = 5
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        backoff = min(self.cap, self.base * self.factor**attempt)
        return max(backoff, retry_after or 0.0)


class RetryableError(Exception):
    """A failure worth retrying (429, 5xx, timeout, truncated body); may carry Retry-After."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, Exception], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds or ``policy.tries`` attempts fail with RetryableError.

    The last RetryableError is re-raised; any other exception propagates at once.
    """
    for attempt in range(policy.tries):
        try:
            return fn()
        except RetryableError as exc:
            if attempt + 1 >= policy.tries:
                raise
            if on_retry:
                on_retry(attempt, exc)
            sleep(policy.delay(attempt, exc.retry_after))
    raise AssertionError("unreachable")  # pragma: no cover


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from an HTTP ``Retry-After`` header (delta-seconds form); None if absent/unparsable."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
