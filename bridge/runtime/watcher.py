"""Watchdog wake-ups: inotify events only wake the scheduler (S5.6).

The periodic full scan stays the source of truth (events can be lost, and SFTP always
polls); an event just makes the next scan happen now instead of in ``scan_seconds``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

__all__ = ["InboxWatcher"]


class _Wake(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._wake.set()


class InboxWatcher:
    """Watches the inbox folders and sets ``wake`` on any change.

    Args:
        folders: The folders to watch (each ``inbox/<kind>``).
        wake: The event the service loop waits on.
    """

    def __init__(self, folders: list[Path], wake: threading.Event) -> None:
        self._observer = Observer()
        handler = _Wake(wake)
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._observer.schedule(handler, str(folder), recursive=False)

    def start(self) -> None:
        """Start the observer thread."""
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        """Stop and join the observer thread."""
        self._observer.stop()
        self._observer.join(timeout=5)
