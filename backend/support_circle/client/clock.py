"""A hybrid logical clock (PROTOCOL.md §7): revisions of a record order the same on every device."""

import time
from dataclasses import dataclass

from support_circle.protocol import placement

MAX_COUNTER = 0xFFFF


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Clock:
    device_id: str
    ms: int = 0
    counter: int = 0

    def observe(self, hlc: str) -> None:
        """Moves past a clock seen on another device's revision, so our next tick is later; never
        past one far ahead of this device's own clock (PROTOCOL.md §7: it would poison every tick)."""
        if placement.is_ahead(hlc, now_ms()):
            return
        ms, counter = int(hlc[:13]), int(hlc[14:18], 16)
        if (ms, counter) > (self.ms, self.counter):
            self.ms, self.counter = ms, counter

    def tick(self) -> str:
        now = now_ms()
        if now > self.ms:
            self.ms, self.counter = now, 0
        elif self.counter < MAX_COUNTER:
            self.counter += 1
        else:
            self.ms, self.counter = self.ms + 1, 0
        return f"{self.ms:013d}-{self.counter:04x}-{self.device_id}"
