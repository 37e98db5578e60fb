"""How many SMS segments a text takes: GSM-7 160/153, UCS-2 (any Chinese character) 70/67."""

from dataclasses import dataclass

# GSM 03.38 basic character set, and the extension table whose characters take two septets.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM_BASIC)
_EXTENDED = frozenset(GSM_EXTENDED)


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # characters as the network counts them (septets, or UTF-16 code units)
    count: int  # segments the message is split into
    per_segment: int  # characters per segment at this length (160/153 or 70/67)


def segment_count(text: str) -> Segments:
    """Segments of `text`: one segment holds 160 GSM-7 or 70 UCS-2 characters, a multi-part one 153 or 67."""
    if all(ch in _BASIC or ch in _EXTENDED for ch in text):
        length = sum(2 if ch in _EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2  # an emoji is two UTF-16 units
        single, multi, encoding = 70, 67, "UCS-2"
    if length <= single:
        return Segments(encoding, length, 1 if length else 0, single)
    return Segments(encoding, length, -(-length // multi), multi)
