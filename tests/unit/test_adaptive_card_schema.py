"""Tests for the offline Adaptive Card validator in tests/support/adaptive_card_schema.py."""
import copy

import pytest

try:
    from tests.support.adaptive_card_schema import assert_valid_card, validate_card
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from adaptive_card_schema import assert_valid_card, validate_card


def card(*body, actions=None, version="1.3"):
    result = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
              "type": "AdaptiveCard", "version": version, "body": list(body)}
    if actions is not None:
        result["actions"] = actions
    return result


FORM_CARD = card(
    {"type": "TextBlock", "text": "Book a room", "size": "Large", "weight": "bolder",
     "wrap": True, "horizontalAlignment": "center", "spacing": "medium"},
    {"type": "Input.Text", "id": "email", "label": "Email", "isRequired": True,
     "regex": r"^[^@\s]+@[^@\s]+$", "errorMessage": "Enter a valid email",
     "style": "email", "placeholder": "you@example.com", "maxLength": 80},
    {"type": "Input.Number", "id": "people", "label": "People", "min": 1, "max": 20, "value": 2},
    {"type": "Input.Date", "id": "day", "label": "Day", "value": "2024-05-01"},
    {"type": "Input.Time", "id": "at", "label": "Time", "min": "08:00", "max": "18:00"},
    {"type": "Input.Toggle", "id": "projector", "title": "Projector?", "valueOn": "yes",
     "valueOff": "no", "wrap": True},
    {"type": "Input.ChoiceSet", "id": "site", "label": "Site", "isRequired": True,
     "style": "expanded", "choices": [{"title": "Oslo", "value": "osl"},
                                      {"title": "Rome", "value": "rom"}]},
    actions=[{"type": "Action.Submit", "title": "Book", "style": "positive",
              "data": {"action": "book", "room": 12}, "associatedInputs": "auto", "id": "book"},
             {"type": "Action.OpenUrl", "title": "Help", "url": "https://example.com/help"}],
)

STATUS_CARD = card(
    {"type": "ColumnSet", "columns": [
        {"type": "Column", "width": "auto", "items": [
            {"type": "Image", "url": "https://example.com/a.png", "size": "small",
             "style": "person", "altText": "avatar"}]},
        {"type": "Column", "width": "stretch", "verticalContentAlignment": "center", "items": [
            {"type": "TextBlock", "text": "Deploy finished", "weight": "bolder"},
            {"type": "TextBlock", "text": "2 minutes ago", "isSubtle": True, "spacing": "none"}]},
        {"width": 2, "items": []},
        {"type": "Column", "width": "60px"}]},
    {"type": "Container", "style": "emphasis", "bleed": True, "minHeight": "40px",
     "selectAction": {"type": "Action.OpenUrl", "url": "https://example.com"},
     "items": [{"type": "FactSet", "facts": [{"title": "Build", "value": "#42"},
                                            {"title": "Status", "value": "green"}]}]},
    {"type": "RichTextBlock", "inlines": ["Plain ", {"type": "TextRun", "text": "bold",
                                                    "weight": "bolder", "underline": True}]},
    {"type": "ImageSet", "imageSize": "small",
     "images": [{"type": "Image", "url": "https://example.com/1.png"},
                {"url": "https://example.com/2.png"}]},
    {"type": "ActionSet", "id": "buttons", "isVisible": False, "actions": [
        {"type": "Action.Submit", "title": "Retry", "data": "retry", "style": "destructive"}]},
    {"type": "Media", "sources": [{"mimeType": "video/mp4", "url": "https://example.com/v.mp4"}]},
    actions=[
        {"type": "Action.ShowCard", "title": "Comment", "card": {
            "type": "AdaptiveCard",
            "body": [{"type": "Input.Text", "id": "comment", "isMultiline": True}],
            "actions": [{"type": "Action.Submit", "title": "Send"}]}},
        {"type": "Action.ToggleVisibility", "title": "More",
         "targetElements": ["buttons", {"elementId": "buttons", "isVisible": True}]}],
)

MINIMAL_10_CARD = {"type": "AdaptiveCard", "version": "1.0",
                   "body": [{"type": "TextBlock", "text": "hello"}]}


@pytest.mark.parametrize("good", [FORM_CARD, STATUS_CARD, MINIMAL_10_CARD],
                         ids=["form", "status", "minimal-1.0"])
def test_valid_cards_have_no_problems(good):
    assert validate_card(good) == []
    assert_valid_card(good)


def test_fallback_and_requires_accepted_in_1_2():
    good = card({"type": "TextBlock", "text": "x", "requires": {"adaptiveCards": "1.2"},
                 "fallback": {"type": "TextBlock", "text": "y"}}, version="1.2")
    assert validate_card(good) == []


def problems_for(bad, max_version="1.3"):
    problems = validate_card(bad, max_version)
    assert problems, "expected the card to be reported as invalid"
    with pytest.raises(AssertionError):
        assert_valid_card(bad, max_version)
    return "\n".join(problems)


def test_version_over_limit():
    bad = copy.deepcopy(MINIMAL_10_CARD)
    bad["version"] = "1.4"
    assert "version 1.4 is newer than the maximum 1.3" in problems_for(bad)


def test_version_over_custom_limit():
    assert "ActionSet requires Adaptive Cards 1.2" in problems_for(STATUS_CARD, "1.1")


def test_missing_version_and_wrong_card_type():
    report = problems_for({"type": "Card", "body": []})
    assert "type must be 'AdaptiveCard'" in report
    assert "missing required property 'version'" in report


def test_unknown_element_type():
    report = problems_for(card({"type": "Table", "rows": []}))
    assert "$.body[0]: unknown element type 'Table'" in report


def test_action_used_as_element():
    assert "not allowed here" in problems_for(card({"type": "Action.Submit"}))


def test_unknown_property():
    report = problems_for(card({"type": "TextBlock", "text": "hi", "colour": "good"}))
    assert "$.body[0].colour: unknown property 'colour' on TextBlock" in report
    assert "did you mean 'color'" in report


def test_fact_with_type_property():
    bad = card({"type": "FactSet", "facts": [{"type": "FactSet", "title": "a", "value": "b"}]})
    assert "$.body[0].facts[0]: Fact must not have a 'type' property" in problems_for(bad)


def test_fact_value_must_be_string():
    bad = card({"type": "FactSet", "facts": [{"title": "count", "value": 3}]})
    assert "$.body[0].facts[0].value: expected str" in problems_for(bad)


def test_missing_input_id():
    report = problems_for(card({"type": "Input.Text", "label": "Name"}))
    assert "Input.Text is missing required property 'id'" in report


def test_duplicate_input_ids_across_containers_and_show_cards():
    bad = card({"type": "Input.Text", "id": "name"},
               {"type": "Container",
                "items": [{"type": "Input.Toggle", "id": "name", "title": "t"}]},
               actions=[{"type": "Action.ShowCard", "card": {
                   "type": "AdaptiveCard", "body": [{"type": "Input.Date", "id": "name"}]}}])
    report = problems_for(bad)
    assert report.count("duplicate input id 'name'") == 2
    assert "$.body[1].items[0]" in report and "$.actions[0].card.body[0]" in report


def test_bad_enum_value():
    bad = card({"type": "Input.Text", "id": "x", "style": "password"},
               {"type": "TextBlock", "text": "t", "spacing": "huge"})
    report = problems_for(bad)
    assert "$.body[0].style: invalid value 'password'" in report
    assert "$.body[1].spacing: invalid value 'huge'" in report


def test_1_3_property_in_1_2_card():
    bad = card({"type": "Input.Text", "id": "x", "label": "Name", "isRequired": True},
               actions=[{"type": "Action.Submit", "associatedInputs": "none"}], version="1.2")
    report = problems_for(bad)
    assert "Input.Text.label requires Adaptive Cards 1.3, card allows 1.2" in report
    assert "Input.Text.isRequired requires Adaptive Cards 1.3" in report
    assert "Action.Submit.associatedInputs requires Adaptive Cards 1.3" in report


def test_1_2_enum_value_in_1_0_card():
    bad = card({"type": "Container", "style": "good", "items": []}, version="1.0")
    assert "value 'good' requires Adaptive Cards 1.2" in problems_for(bad)


def test_open_url_without_url():
    report = problems_for(card(actions=[{"type": "Action.OpenUrl", "title": "Go"}]))
    assert "$.actions[0]: Action.OpenUrl is missing required property 'url'" in report


def test_wrong_json_types():
    bad = card({"type": "TextBlock", "text": "t", "wrap": "true", "maxLines": True},
               {"type": "Container", "items": {"type": "TextBlock", "text": "t"}})
    report = problems_for(bad)
    assert "$.body[0].wrap: expected bool" in report
    assert "$.body[0].maxLines: expected num" in report
    assert "$.body[1].items: expected array" in report


def test_show_card_not_allowed_as_select_action():
    bad = card({"type": "Container", "items": [],
                "selectAction": {"type": "Action.ShowCard", "card": {"type": "AdaptiveCard"}}})
    assert "not allowed here (expected select action)" in problems_for(bad)


def test_bad_column_width():
    bad = card({"type": "ColumnSet", "columns": [{"type": "Column", "width": "wide"}]})
    assert "$.body[0].columns[0].width" in problems_for(bad)


def test_max_version_above_table_is_rejected():
    with pytest.raises(ValueError):
        validate_card(MINIMAL_10_CARD, max_version="1.5")
