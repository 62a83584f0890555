"""Text that stays readable on a configured colour.

Account managers choose the colours of statuses and event types in ``form_definitions/``
(``#2196f3`` for Confirmed, ``#ff9800`` for In progress...). Text written on such a colour
cannot be one fixed colour: white on a light blue or an orange is unreadable (WCAG 2
contrast 3.1:1 and 2.2:1, where 4.5:1 is needed). So the ink is chosen here, once per
colour, as whichever of white or black contrasts more with it; the screens ask the
status or event type for its ``ink`` and never change the configured colour itself.
"""

from __future__ import annotations

from functools import lru_cache

LIGHT_INK = "#ffffff"
DARK_INK = "#000000"
#: WCAG 2's minimum for normal text (level AA).
AA_NORMAL = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb`` (0 for black, 1 for white)."""
    hex_ = color.strip().lstrip("#")
    if len(hex_) != 6:
        raise ValueError(f"a colour is #rrggbb, not {color!r}")
    r, g, b = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=256)
def readable_ink(background: str) -> str:
    """The text colour for ``background``: white or black, whichever reads better. Every
    ``#rrggbb`` gets at least 4.58:1 from one of the two (the worst case is a colour of
    relative luminance 0.18, such as ``#757575``): black, not a softer near-black, because
    any softer dark ink leaves such colours below 4.5:1."""
    light, dark = contrast_ratio(background, LIGHT_INK), contrast_ratio(background, DARK_INK)
    return LIGHT_INK if light >= dark else DARK_INK
