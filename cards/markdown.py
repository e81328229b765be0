"""Text a person typed, made safe to echo in markdown: no mentions, links or formatting."""
import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark may be backslash-escaped


def escape(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())[:limit]
    return _PUNCTUATION.sub(r"\\\1", text)
