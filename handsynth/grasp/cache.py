"""A small least-recently-used cache for the grasp package's per-object and per-rig data; standard
library only."""

from __future__ import annotations

from collections import OrderedDict


class Lru:
    """A small least-recently-used cache, owned by whoever makes it (a ``Simulator``, a ``HandCache``);
    nothing module-level."""

    def __init__(self, size: int, on_drop=None) -> None:
        self.size = size
        self.on_drop = on_drop  # called with each value the cache drops
        self._items: OrderedDict = OrderedDict()

    def get(self, key, make):
        """The value cached for ``key``, else ``make()`` (cached, the oldest entry dropped)."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = make()
        self._items[key] = value
        if len(self._items) > self.size:
            _, dropped = self._items.popitem(last=False)
            if self.on_drop is not None:
                self.on_drop(dropped)
        return value

    def __len__(self) -> int:
        return len(self._items)
