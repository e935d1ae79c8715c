"""``tf.train.Coordinator``: lets a set of threads ask each other to stop, and joins them.

Threads loop ``while not coord.should_stop(): ...``; any of them may call
``request_stop(ex)``; the main thread calls ``join(threads)``, which waits for them and
re-raises the first exception recorded (``OutOfRangeError`` counts as a clean stop, as in
TF, since that is how input pipelines say "no more data").

    >>> import threading
    >>> import teachflow as tf
    >>> coord = tf.train.Coordinator()
    >>> t = threading.Thread(target=coord.wait_for_stop)
    >>> t.start()
    >>> coord.request_stop()
    >>> coord.join([t])
    >>> coord.should_stop()
    True
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time

from teachflow.framework import errors

__all__ = ["Coordinator", "LooperThread"]


class Coordinator:
    """Stop flag, first-exception record and thread join for a group of threads."""

    def __init__(self, clean_stop_exception_types=None):
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def _filter_exception(self, ex):
        # A clean-stop exception only stops; anything else is kept to re-raise in join.
        if isinstance(ex, tuple):
            ex2 = ex[1]
        else:
            ex2 = ex
        if isinstance(ex2, self._clean_stop_exception_types):
            return None
        return ex

    def request_stop(self, ex=None):
        """Ask every thread to stop; ``ex`` (an exception or exc_info) is re-raised by join.

        Only the first exception is kept, and none once join has run (TF raises then)."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if isinstance(ex, tuple):
                    raise ex[1].with_traceback(ex[2])
                if ex is not None:
                    raise ex
            if ex is not None and self._exc_info_to_raise is None:
                if isinstance(ex, tuple):
                    self._exc_info_to_raise = ex
                else:
                    if not isinstance(ex, BaseException):
                        raise ValueError(f"ex must be a tuple or sys.exc_info style tuple: {ex!r}")
                    self._exc_info_to_raise = (type(ex), ex, ex.__traceback__)
            self._stop_event.set()

    def clear_stop(self):
        """Forget a stop request and any recorded exception (to reuse the coordinator)."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self):
        """True once a stop was requested."""
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """Context manager: an exception inside requests a stop (and is recorded)."""
        try:
            yield
        except BaseException:  # noqa: BLE001 - TF records any exception here
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None):
        """Block until a stop is requested (or ``timeout`` seconds); True if stopped."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        """Add ``thread`` to those that ``join()`` without arguments waits for."""
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Wait for a stop request, then up to ``stop_grace_period_secs`` for the threads.

        Re-raises the first recorded exception; threads still alive after the grace
        period raise RuntimeError naming them (unless ``ignore_live_threads``)."""
        with self._lock:
            threads = set(self._registered_threads) | set(threads or ())
        # Wait for all threads to end or for a stop to be requested (TF polls every second).
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        # Give the threads the grace period to notice the stop.
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            exc_info = self._exc_info_to_raise
        if exc_info:
            raise exc_info[1].with_traceback(exc_info[2])
        if stragglers and not ignore_live_threads:
            raise RuntimeError(
                f"Coordinator stopped with threads still running: {' '.join(sorted(stragglers))}"
            )

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        """Re-raise the recorded exception, if any, now."""
        with self._lock:
            if self._exc_info_to_raise:
                raise self._exc_info_to_raise[1].with_traceback(self._exc_info_to_raise[2])


class LooperThread(threading.Thread):
    """A thread calling ``target(*args)`` every ``timer_interval_secs`` until the stop."""

    def __init__(self, coord, timer_interval_secs, target=None, args=None, kwargs=None):
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord}")
        super().__init__()
        self.daemon = True
        self._coord = coord
        self._timer_interval_secs = timer_interval_secs
        self._target = target
        self._args = args or ()
        self._kwargs = kwargs or {}
        coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None):
        """Start a LooperThread calling ``target`` and return it."""
        looper = LooperThread(coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        looper.start()
        return looper

    def run(self):
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._timer_interval_secs is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_timer_time = time.time()
                while not self._coord.wait_for_stop(next_timer_time - time.time()):
                    next_timer_time += self._timer_interval_secs
                    self.run_loop()
            self.stop_loop()

    def start_loop(self):
        """Called once when the thread starts."""

    def stop_loop(self):
        """Called once before the thread ends."""

    def run_loop(self):
        """Called at each interval: calls the target."""
        if self._target:
            self._target(*self._args, **self._kwargs)
