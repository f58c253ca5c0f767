"""Charts as PNG images for bots and the HTTP API (vl-convert, no browser, no network)."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
CJK_FONT = "Noto Sans CJK SC"

_fonts_lock = threading.Lock()
_fonts_registered = False


def register_cjk_fonts() -> bool:
    """Make Noto CJK available to vl-convert once per process; False when not installed."""
    global _fonts_registered
    with _fonts_lock:
        if not _fonts_registered:
            import vl_convert as vlc

            for folder in CJK_FONT_DIRS:
                if folder.is_dir():
                    vlc.register_font_directory(str(folder))
                    _fonts_registered = True
        return _fonts_registered


def chart_png(spec: dict[str, Any], lang: str = "en", *, width: int = 480, scale: float = 2.0) -> bytes:
    """Render a spec to PNG. "container" widths have no container here, so use `width` px."""
    import vl_convert as vlc

    spec = copy.deepcopy(spec)
    if spec.get("width") in (None, "container"):
        spec["width"] = width
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.setdefault("background", "white")
    if register_cjk_fonts():
        # The CJK face also covers Latin, so one font keeps both scripts on the same baseline.
        spec.setdefault("config", {})["font"] = CJK_FONT
    if lang == "zh":
        return vlc.vegalite_to_png(spec, scale=scale, format_locale="zh-CN", time_format_locale="zh-CN")
    return vlc.vegalite_to_png(spec, scale=scale, format_locale="en-US", time_format_locale="en-US")
