"""One owner for PortAudio's lifecycle: every stream open/close, device rescans, and teardown at exit.

PortAudio is process-global: re-initialising it (the only way it sees a newly plugged device)
invalidates every open stream, and terminating it while another thread is inside a PortAudio
call crashes the process (the sound-cue crash at quit). So every thread that calls PortAudio
(the capture worker, the sound-cue thread) does it through the one :class:`PortAudio` object:

* ``call(fn)`` runs one PortAudio call as a *user*; several users may run at once.
* ``rescan()`` re-initialises PortAudio only while no stream of ours is open and no call is in
  flight, so it can never pull a stream from under the capture or the cue player.
* ``open_stream``/``close_stream`` track the streams that are open, so the exit handler can abort them.
* At interpreter exit (an ``atexit`` handler registered *after* ``sounddevice`` registered its own,
  so it runs first) every registered stream is aborted and closed and in-flight calls are waited
  for, before ``sounddevice`` terminates PortAudio.

Threads: every method may be called from any thread; none blocks for longer than its timeout.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from swictation_gui import log

T = TypeVar("T")

EXIT_WAIT_SECONDS = 3.0      # how long the exit handler waits for calls still inside PortAudio


class PortAudioClosedError(RuntimeError):
    """PortAudio is being torn down (or re-initialised for longer than the caller would wait)."""


class PortAudio:
    """The PortAudio lifecycle owner for one ``sounddevice`` module (usually one per process).

    Args:
        sd_module: The ``sounddevice`` module (or a fake with the same names); None imports the real one
            on first use, inside a counted call (importing it initialises PortAudio).
        install_exit_handler: Register :meth:`shutdown` with ``atexit`` (the process-wide owner does).
    """

    def __init__(self, sd_module: Any = None, install_exit_handler: bool = True) -> None:
        self._sd: Any = sd_module
        self._load_lock = threading.Lock()
        self._exit_handler = install_exit_handler
        self._cond = threading.Condition()
        self._users = 0                 # calls in flight
        self._rescanning = False
        self._closed = False
        self._streams: set[Any] = set()
        self.rescans = 0                # how many times PortAudio was re-initialised (tests, logs)
        if install_exit_handler:
            atexit.register(self.shutdown)

    def module(self, timeout: float = 5.0) -> Any:
        """The ``sounddevice`` module, imported on first use as a counted call (any thread).

        Raises:
            PortAudioClosedError: Shutdown began. ImportError/OSError: sounddevice or PortAudio is missing.
        """
        sd = self._sd
        return sd if sd is not None else self.call(self._load, timeout)

    def _load(self) -> Any:
        with self._load_lock:
            if self._sd is None:
                import sounddevice

                self._sd = sounddevice
                if self._exit_handler:   # sounddevice registered its own handler: ours must run before it
                    atexit.unregister(self.shutdown)
                    atexit.register(self.shutdown)
            return self._sd

    def devices(self, timeout: float = 5.0) -> Any:
        """``sounddevice.query_devices()`` as a counted call, so it never overlaps a rescan (any thread)."""
        sd = self.module(timeout)
        return self.call(sd.query_devices, timeout)

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` began; no new call is let in afterwards."""
        return self._closed

    def call(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        """Run ``fn`` (one PortAudio call) as a user: never during a rescan or after shutdown (any thread).

        Raises:
            PortAudioClosedError: Shutdown began, or a rescan did not end within ``timeout``.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._rescanning and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PortAudioClosedError("PortAudio is busy re-scanning devices")
                self._cond.wait(left)
            if self._closed:
                raise PortAudioClosedError("PortAudio is shutting down")
            self._users += 1
        try:
            return fn()
        finally:
            with self._cond:
                self._users -= 1
                self._cond.notify_all()

    def open_stream(self, factory: Callable[[], T], timeout: float = 5.0) -> T:
        """Open a stream with ``factory`` as one call, and note it as ours before the call ends (any thread).

        Rescans wait until :meth:`close_stream` closed it; the exit handler closes it if nobody did.

        Raises:
            PortAudioClosedError: As :meth:`call`; anything ``factory`` raises.
        """
        def opened() -> T:
            stream = factory()
            with self._cond:
                self._streams.add(stream)
            return stream
        return self.call(opened, timeout)

    def close_stream(self, stream: Any, abort: bool = True) -> None:
        """Abort (or stop) and close a registered stream exactly once, whoever asks first (any thread).

        Also allowed after shutdown began; errors are logged, never raised.
        """
        with self._cond:
            if stream not in self._streams:
                return
            self._streams.discard(stream)
            self._users += 1
        try:
            for action in (stream.abort if abort else stream.stop, stream.close):
                try:
                    action()
                except Exception as exc:
                    log.audio.debug("Closing an audio stream failed: %s", exc)
        finally:
            with self._cond:
                self._users -= 1
                self._cond.notify_all()

    @property
    def open_streams(self) -> int:
        """How many streams of ours are open (any thread)."""
        with self._cond:
            return len(self._streams)

    def rescan(self) -> bool:
        """Re-initialise PortAudio so it lists devices plugged in since (any thread).

        Only done while no stream of ours is open and no call is in flight; returns False (and does
        nothing) otherwise, or when the module cannot re-initialise. Takes 10-100 ms with ALSA.
        """
        with self._cond:
            if self._closed or self._rescanning or self._users or self._streams:
                return False
            terminate, initialize = getattr(self._sd, "_terminate", None), getattr(self._sd, "_initialize", None)
            if terminate is None or initialize is None:
                return False
            self._rescanning = True
        try:
            # sounddevice has no public rescan; these two are its documented way to refresh the list.
            terminate()
            initialize()
            self.rescans += 1
            return True
        except Exception as exc:
            log.audio.debug("Re-initialising PortAudio failed: %s", exc)
            return False
        finally:
            with self._cond:
                self._rescanning = False
                self._cond.notify_all()

    def shutdown(self, timeout: float = EXIT_WAIT_SECONDS) -> bool:
        """Let no new call in, wait for calls in flight, then abort and close every open stream (any thread).

        Runs at interpreter exit before ``sounddevice`` terminates PortAudio. Returns True when
        nothing is left inside PortAudio. When a call is still stuck after ``timeout`` (a device open
        that hangs), PortAudio is left initialised at exit rather than terminated under that call.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while self._users and time.monotonic() < deadline:   # let calls in flight finish first
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            streams = list(self._streams)
        for stream in streams:
            self.close_stream(stream)
        with self._cond:
            while self._users and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            stuck = self._users
        if stuck:
            log.audio.warning("%d audio call(s) still running at exit; leaving PortAudio initialised", stuck)
            handler = getattr(self._sd, "_exit_handler", None)
            if handler is not None:
                atexit.unregister(handler)
        return not stuck


SHARED = PortAudio()
"""The process-wide owner for the real ``sounddevice``. Created (and its exit handler registered) when
this module is imported; ``sounddevice`` itself is imported on first use."""


def preload(pa: PortAudio) -> None:
    """Import ``sounddevice`` now, on the calling thread (construction time, before other threads start).

    Importing it initialises PortAudio with fd 2 pointed at /dev/null and then restored. If another
    thread redirects fd 2 meanwhile (the recognizer captures native stderr while a model loads), one
    of them restores the wrong target and stderr stays lost for good, so it must not happen
    concurrently. Errors are left for the first real use to report.
    """
    try:
        pa.module()
    except Exception as exc:
        log.audio.debug("sounddevice is not usable: %s", exc)
