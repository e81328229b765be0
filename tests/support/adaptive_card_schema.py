"""Offline checker for Adaptive Card JSON (schema 1.0 - 1.3), as Webex accepts it
in a message attachment's ``content``.

    validate_card(card, max_version="1.3") -> list[str]   # [] means valid
    assert_valid_card(card, max_version="1.3")           # AssertionError listing problems

It covers the elements, inputs and actions a bot commonly sends, following the
Adaptive Cards schema explorer (property "Version" column).  It reports: wrong
``type``/``version``, unknown element/action types, unknown properties, missing
required properties, wrong JSON types, bad enum values (compared
case-insensitively, as renderers do), types/properties/enum values newer than
the card's declared version (or ``max_version``), and duplicate input ids.

Table format: SCHEMA[type][property] = (kind, since_version, enum_or_None).
A kind ending in "!" is required; one ending in "?" may also be null.
"""
import difflib
import re

# ---------------------------------------------------------------- enums
# An enum entry is either a value or (value, since_version).
SPACING = ("default", "none", "small", "medium", "large", "extraLarge", "padding")
BLOCK_HEIGHT = ("auto", "stretch")
COLORS = ("default", "dark", "light", "accent", "good", "warning", "attention")
FONT_SIZE = ("default", "small", "medium", "large", "extraLarge")
FONT_WEIGHT = ("default", "lighter", "bolder")
FONT_TYPE = ("default", "monospace")
H_ALIGN = ("left", "center", "right")
V_ALIGN = ("top", "center", "bottom")
CONTAINER_STYLE = ("default", "emphasis", ("good", "1.2"), ("attention", "1.2"),
                   ("warning", "1.2"), ("accent", "1.2"))
IMAGE_SIZE = ("auto", "stretch", "small", "medium", "large")
IMAGE_STYLE = ("default", "person")
FILL_MODE = ("cover", "repeatHorizontally", "repeatVertically", "repeat")
TEXT_INPUT_STYLE = ("text", "tel", "url", "email")          # "password" is 1.5
CHOICE_STYLE = ("compact", "expanded")                      # "filtered" is 1.5
ACTION_STYLE = ("default", "positive", "destructive")
ASSOCIATED_INPUTS = ("auto", "none")

# ---------------------------------------------------------------- shared property groups
STR, BOOL, NUM = ("str", "1.0", None), ("bool", "1.0", None), ("num", "1.0", None)
REQ_STR = ("str!", "1.0", None)
ITEM = {"requires": ("dict", "1.2", None)}
TOGGLEABLE = {**ITEM, "id": STR, "isVisible": ("bool", "1.2", None)}
ELEMENT = {**TOGGLEABLE, "spacing": ("str", "1.0", SPACING), "separator": BOOL,
           "height": ("str", "1.1", BLOCK_HEIGHT), "fallback": ("fallback", "1.2", None)}
INPUT = {**ELEMENT, "id": REQ_STR, "label": ("str", "1.3", None),
         "isRequired": ("bool", "1.3", None), "errorMessage": ("str", "1.3", None)}
ACTION = {**ITEM, "id": STR, "title": STR, "iconUrl": ("str", "1.1", None),
          "style": ("str", "1.2", ACTION_STYLE), "fallback": ("fallback", "1.2", None)}
CONTAINER_LIKE = {"style": ("str?", "1.0", CONTAINER_STYLE),
                  "selectAction": ("select", "1.1", None),
                  "verticalContentAlignment": ("str?", "1.1", V_ALIGN),
                  "bleed": ("bool", "1.2", None), "backgroundImage": ("bg", "1.2", None),
                  "minHeight": ("px", "1.2", None)}
TEXT_STYLE = {"color": ("str?", "1.0", COLORS), "size": ("str?", "1.0", FONT_SIZE),
              "weight": ("str?", "1.0", FONT_WEIGHT), "isSubtle": ("bool?", "1.0", None)}
H_ALIGNMENT = {"horizontalAlignment": ("str?", "1.0", H_ALIGN)}
DATE_TIME = {"min": STR, "max": STR, "value": STR, "placeholder": STR}

SCHEMA = {
    "AdaptiveCard": {  # "version" is required on the top-level card only
        "$schema": STR, "version": STR, "body": ("elements", "1.0", None),
        "actions": ("actions", "1.0", None), "selectAction": ("select", "1.1", None),
        "fallbackText": STR, "speak": STR, "lang": STR,
        "backgroundImage": ("bg", "1.0", None),  # URL string 1.0; object form 1.2
        "minHeight": ("px", "1.2", None), "verticalContentAlignment": ("str", "1.1", V_ALIGN)},
    # -- elements
    "TextBlock": {**ELEMENT, **TEXT_STYLE, **H_ALIGNMENT, "text": REQ_STR,
                  "fontType": ("str?", "1.2", FONT_TYPE), "wrap": BOOL, "maxLines": NUM},
    "RichTextBlock": {**ELEMENT, **H_ALIGNMENT, "inlines": ("list:TextRun!", "1.0", None)},
    "Image": {**ELEMENT, **H_ALIGNMENT, "url": REQ_STR, "altText": STR,
              "backgroundColor": ("str", "1.1", None), "height": ("size", "1.1", None),
              "width": ("px", "1.1", None), "size": ("str", "1.0", IMAGE_SIZE),
              "style": ("str", "1.0", IMAGE_STYLE), "selectAction": ("select", "1.1", None)},
    "ImageSet": {**ELEMENT, "images": ("list:Image!", "1.0", None),
                 "imageSize": ("str", "1.0", IMAGE_SIZE)},
    "Container": {**ELEMENT, **CONTAINER_LIKE, "items": ("elements!", "1.0", None)},
    "ColumnSet": {**ELEMENT, **H_ALIGNMENT, "columns": ("list:Column", "1.0", None),
                  "selectAction": ("select", "1.1", None),
                  "style": ("str?", "1.2", CONTAINER_STYLE), "bleed": ("bool", "1.2", None),
                  "minHeight": ("px", "1.2", None)},
    "FactSet": {**ELEMENT, "facts": ("list:Fact!", "1.0", None)},
    "ActionSet": {**ELEMENT, "actions": ("actions!", "1.0", None)},
    "Media": {**ELEMENT, "sources": ("list:MediaSource!", "1.0", None), "poster": STR,
              "altText": STR},
    # -- inputs
    "Input.Text": {**INPUT, "isMultiline": BOOL, "maxLength": NUM, "placeholder": STR,
                   "style": ("str", "1.0", TEXT_INPUT_STYLE), "value": STR,
                   "inlineAction": ("select", "1.2", None), "regex": ("str", "1.3", None)},
    "Input.Number": {**INPUT, "min": NUM, "max": NUM, "value": NUM, "placeholder": STR},
    "Input.Date": {**INPUT, **DATE_TIME},
    "Input.Time": {**INPUT, **DATE_TIME},
    "Input.Toggle": {**INPUT, "title": REQ_STR, "value": STR, "valueOn": STR, "valueOff": STR,
                     "wrap": ("bool", "1.2", None)},
    "Input.ChoiceSet": {**INPUT, "choices": ("list:Input.Choice!", "1.0", None),
                        "isMultiSelect": BOOL, "style": ("str", "1.0", CHOICE_STYLE),
                        "value": STR, "placeholder": STR, "wrap": ("bool", "1.2", None)},
    # -- actions
    "Action.Submit": {**ACTION, "data": ("str|obj", "1.0", None),
                      "associatedInputs": ("str", "1.3", ASSOCIATED_INPUTS)},
    "Action.OpenUrl": {**ACTION, "url": REQ_STR},
    "Action.ShowCard": {**ACTION, "card": ("card", "1.0", None)},
    "Action.ToggleVisibility": {**ACTION,
                                "targetElements": ("list:TargetElement!", "1.0", None)},
    # -- parts (only valid inside a specific parent property)
    "Column": {**TOGGLEABLE, **CONTAINER_LIKE, "items": ("elements", "1.0", None),
               "width": ("width", "1.0", None), "spacing": ("str", "1.0", SPACING),
               "separator": BOOL, "fallback": ("fallback", "1.2", None)},
    "Fact": {"title": REQ_STR, "value": REQ_STR},
    "Input.Choice": {"title": REQ_STR, "value": REQ_STR},
    "TextRun": {**TEXT_STYLE, "text": REQ_STR, "fontType": ("str?", "1.0", FONT_TYPE),
                "italic": BOOL, "strikethrough": BOOL, "highlight": BOOL,
                "underline": ("bool", "1.3", None), "selectAction": ("select", "1.0", None)},
    "MediaSource": {"mimeType": REQ_STR, "url": REQ_STR},
    "TargetElement": {"elementId": REQ_STR, "isVisible": ("bool?", "1.0", None)},
    "BackgroundImage": {"url": REQ_STR, "fillMode": ("str", "1.0", FILL_MODE),
                        "horizontalAlignment": ("str", "1.0", H_ALIGN),
                        "verticalAlignment": ("str", "1.0", V_ALIGN)},
}

# Version in which a whole type appeared (default 1.0).
TYPE_SINCE = {"Media": "1.1", "MediaSource": "1.1", "ActionSet": "1.2",
              "RichTextBlock": "1.2", "TextRun": "1.2", "Action.ToggleVisibility": "1.2",
              "BackgroundImage": "1.2"}
ELEMENT_TYPES = {"TextBlock", "RichTextBlock", "Image", "ImageSet", "Container", "ColumnSet",
                 "FactSet", "ActionSet", "Media", "Input.Text", "Input.Number", "Input.Date",
                 "Input.Time", "Input.Toggle", "Input.ChoiceSet"}
ACTION_TYPES = {"Action.Submit", "Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility"}
SELECT_ACTION_TYPES = ACTION_TYPES - {"Action.ShowCard"}
# "type" on a part: optional (must match if present) unless listed here.  The generated
# JSON schema would tolerate "type": "Fact", but the explorer lists only title/value and
# some builders emit a wrong one ("FactSet"), so any "type" on a Fact is reported.
PART_TYPE_RULE = {"TextRun": "required", "Fact": "forbidden"}
SHORTHAND_STRING = {"TextRun", "TargetElement"}   # a bare string is allowed in the list
MAX_SUPPORTED = "1.3"

_PX = re.compile(r"^\d+px$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_JSON_KINDS = {"str": (str,), "bool": (bool,), "num": (int, float), "dict": (dict,),
               "str|obj": (str, dict)}


def _ver(text):
    """'1.3' -> (1, 3); None if malformed."""
    if isinstance(text, str) and re.fullmatch(r"\d+\.\d+", text):
        return tuple(int(part) for part in text.split("."))
    return None


class _Checker:
    def __init__(self, max_version):
        self.max = _ver(max_version)
        if self.max is None or self.max > _ver(MAX_SUPPORTED):
            raise ValueError(f"max_version must be <= {MAX_SUPPORTED}, got {max_version!r}")
        self.problems = []
        self.input_ids = {}      # id -> path of the first input using it
        self.in_fallback = 0     # fallback content may legitimately repeat an id

    def report(self, path, message):
        self.problems.append(f"{path}: {message}")

    def too_new(self, path, what, since, limit):
        if _ver(since) > limit:
            self.report(path, f"{what} requires Adaptive Cards {since}, card allows "
                              f"{'.'.join(map(str, limit))}")

    # -- cards
    def card(self, card, path, limit, top):
        if not isinstance(card, dict):
            return self.report(path, f"card must be an object, got {type(card).__name__}")
        if card.get("type") != "AdaptiveCard" and (top or "type" in card):
            self.report(path, f"type must be 'AdaptiveCard', got {card.get('type')!r}")
        if "version" in card:
            declared = _ver(card["version"])
            if declared is None:
                self.report(path + ".version", f"malformed version {card['version']!r}")
            elif declared > self.max:
                self.report(path + ".version",
                            f"version {card['version']} is newer than the maximum "
                            f"{'.'.join(map(str, self.max))}")
            else:
                limit = min(limit, declared)
        elif top:
            self.report(path, "missing required property 'version'")
        self.props(card, "AdaptiveCard", path, limit)

    # -- typed elements / actions
    def typed(self, obj, path, limit, allowed, what):
        if not isinstance(obj, dict):
            return self.report(path, f"{what} must be an object, got {type(obj).__name__}")
        kind = obj.get("type")
        if kind is None:
            return self.report(path, f"{what} is missing 'type'")
        if not isinstance(kind, str) or kind not in SCHEMA:
            return self.report(path, f"unknown {what} type {kind!r}")
        if kind not in allowed:
            return self.report(path, f"{kind!r} is not allowed here (expected {what})")
        self.props(obj, kind, path, limit)

    def part(self, obj, path, limit, kind):
        if isinstance(obj, str) and kind in SHORTHAND_STRING:
            return
        if not isinstance(obj, dict):
            return self.report(path, f"{kind} must be an object, got {type(obj).__name__}")
        rule = PART_TYPE_RULE.get(kind, "optional")
        if rule == "forbidden" and "type" in obj:
            self.report(path, f"{kind} must not have a 'type' property (got {obj['type']!r})")
        elif (rule == "required" and obj.get("type") != kind) or \
                (rule == "optional" and "type" in obj and obj["type"] != kind):
            self.report(path, f"type must be {kind!r}, got {obj.get('type')!r}")
        self.props(obj, kind, path, limit)

    # -- properties of one object
    def props(self, obj, kind, path, limit):
        if kind in TYPE_SINCE:
            self.too_new(path, kind, TYPE_SINCE[kind], limit)
        table = SCHEMA[kind]
        for name, (prop_kind, _, _) in table.items():
            if prop_kind.endswith("!") and name not in obj:
                self.report(path, f"{kind} is missing required property {name!r}")
        for name, value in obj.items():
            if name == "type":
                continue
            sub = f"{path}.{name}"
            if name not in table:
                hint = difflib.get_close_matches(name, table, 1)
                self.report(sub, f"unknown property {name!r} on {kind}"
                                 + (f" (did you mean {hint[0]!r}?)" if hint else ""))
                continue
            prop_kind, since, enum = table[name]
            self.too_new(sub, f"{kind}.{name}", since, limit)
            self.value(value, prop_kind, enum, sub, limit, kind)
        if kind.startswith("Input.") and kind in ELEMENT_TYPES and not self.in_fallback:
            input_id = obj.get("id")
            if isinstance(input_id, str):
                if input_id in self.input_ids:
                    self.report(path, f"duplicate input id {input_id!r} "
                                      f"(first used at {self.input_ids[input_id]})")
                else:
                    self.input_ids[input_id] = path

    def value(self, value, kind, enum, path, limit, owner):
        kind = kind.rstrip("!")
        if kind.endswith("?"):
            if value is None:
                return
            kind = kind[:-1]
        if kind in _JSON_KINDS:
            is_bool = isinstance(value, bool)
            if not isinstance(value, _JSON_KINDS[kind]) or (kind == "num" and is_bool):
                return self.report(path, f"expected {kind}, got {type(value).__name__} {value!r}")
            if enum:
                self.enum(value, enum, path, limit)
        elif kind in ("px", "size", "width"):
            ok = isinstance(value, str) and bool(_PX.match(value))
            if kind in ("size", "width"):
                ok = ok or isinstance(value, str) and value.lower() in BLOCK_HEIGHT
            if kind == "width":
                ok = (ok or (isinstance(value, (int, float)) and not isinstance(value, bool))
                      or (isinstance(value, str) and bool(_NUMBER.match(value))))
            if not ok:
                expected = {"px": "'<N>px'", "size": "'auto', 'stretch' or '<N>px'",
                            "width": "'auto', 'stretch', a number or '<N>px'"}[kind]
                self.report(path, f"expected {expected}, got {value!r}")
        elif kind == "bg":
            if isinstance(value, dict):
                self.part(value, path, limit, "BackgroundImage")
            elif not isinstance(value, str):
                self.report(path, f"expected URL string or BackgroundImage, got {value!r}")
        elif kind == "select":
            self.typed(value, path, limit, SELECT_ACTION_TYPES, "select action")
        elif kind == "card":
            self.card(value, path, limit, top=False)
        elif kind == "fallback":
            if isinstance(value, str) and value.lower() == "drop":
                return
            self.in_fallback += 1
            if owner == "Column":
                self.part(value, path, limit, "Column")
            elif owner in ACTION_TYPES:
                self.typed(value, path, limit, ACTION_TYPES, "action")
            else:
                self.typed(value, path, limit, ELEMENT_TYPES, "element")
            self.in_fallback -= 1
        else:  # lists: "elements", "actions", "list:<Part>"
            if not isinstance(value, list):
                return self.report(path, f"expected array, got {type(value).__name__}")
            for index, item in enumerate(value):
                item_path = f"{path}[{index}]"
                if kind == "elements":
                    self.typed(item, item_path, limit, ELEMENT_TYPES, "element")
                elif kind == "actions":
                    self.typed(item, item_path, limit, ACTION_TYPES, "action")
                else:
                    self.part(item, item_path, limit, kind.split(":", 1)[1])

    def enum(self, value, enum, path, limit):
        for entry in enum:
            name, since = entry if isinstance(entry, tuple) else (entry, "1.0")
            if value.lower() == name.lower():
                return self.too_new(path, f"value {value!r}", since, limit)
        names = [entry[0] if isinstance(entry, tuple) else entry for entry in enum]
        self.report(path, f"invalid value {value!r}; expected one of {names}")


def validate_card(card, max_version="1.3"):
    """Return a list of problems with an Adaptive Card dict ([] when valid)."""
    checker = _Checker(max_version)
    checker.card(card, "$", checker.max, top=True)
    return checker.problems


def assert_valid_card(card, max_version="1.3"):
    """Raise AssertionError listing every problem found by validate_card."""
    problems = validate_card(card, max_version)
    if problems:
        raise AssertionError("invalid Adaptive Card:\n  - " + "\n  - ".join(problems))
