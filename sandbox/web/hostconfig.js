// Adaptive Cards host config for the sandbox: close to how Webex renders bot cards
// (system font, dark text, Webex blue accent, compact spacing, inline ShowCard).
// app.js wraps it in `new AdaptiveCards.HostConfig(window.SANDBOX_HOST_CONFIG)`.
"use strict";

(function () {
  const text = (color, subtle) => ({ default: color, subtle: subtle });

  // One palette for every container style; only the background differs.
  const foreground = {
    default: text("#121212", "#5e5e5e"),
    dark: text("#000000", "#4d4d4d"),
    light: text("#ffffff", "#e6e6e6"),
    accent: text("#0a78cc", "#3f8fd4"),
    good: text("#1b7a3e", "#3d8f5a"),
    warning: text("#a35f00", "#b87a26"),
    attention: text("#d1331f", "#db5a49"),
  };
  const style = (backgroundColor) => ({ backgroundColor, foregroundColors: foreground });

  window.SANDBOX_HOST_CONFIG = {
    supportsInteractivity: true,
    fontFamily: 'system-ui, -apple-system, "Helvetica Neue", Helvetica, Arial, sans-serif',
    fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
    fontWeights: { lighter: 300, default: 400, bolder: 600 },
    lineHeights: { small: 16, default: 20, medium: 22, large: 26, extraLarge: 30 },
    spacing: { small: 4, default: 8, medium: 16, large: 24, extraLarge: 32, padding: 16 },
    separator: { lineThickness: 1, lineColor: "#dedede" },
    imageSizes: { small: 32, medium: 64, large: 128 },
    containerStyles: {
      default: style("#ffffff"),
      emphasis: style("#f5f5f5"),
      accent: style("#e6f2fb"),
      good: style("#e8f5ec"),
      attention: style("#fbeae8"),
      warning: style("#fdf3e1"),
    },
    actions: {
      maxActions: 6,
      spacing: "default",
      buttonSpacing: 8,
      showCard: { actionMode: "inline", inlineTopMargin: 12, style: "emphasis" },
      actionsOrientation: "horizontal",
      actionAlignment: "left",
      iconPlacement: "leftOfTitle",
      iconSize: 16,
      allowTitleToWrap: true,
    },
    adaptiveCard: { allowCustomStyle: false },
    factSet: {
      title: { color: "default", size: "default", isSubtle: true, weight: "default", wrap: true, maxWidth: 160 },
      value: { color: "default", size: "default", isSubtle: false, weight: "bolder", wrap: true },
      spacing: 12,
    },
    inputs: {
      label: {
        inputSpacing: "small",
        requiredInputs: { weight: "bolder", suffix: " *", suffixColor: "attention" },
        optionalInputs: { weight: "bolder" },
      },
      errorMessage: { color: "attention", size: "small" },
    },
    textBlock: { headingLevel: 2 },
  };
})();
