// Small behaviours htmx leaves to the page. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // A fragment swapped into the panel takes the focus on its heading, so that keyboard and
  // screen-reader users land where the new content is. After the settle, not the swap: htmx wires
  // the new content's hx- attributes then, and a key pressed before would submit a form natively.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest) return;
    var region = target.closest("[data-focus-on-swap]") || (target.matches("[data-focus-on-swap]") ? target : null);
    var heading = (region || target).querySelector("[data-focus-heading]");
    if (heading && event.detail.requestConfig && event.detail.requestConfig.elt &&
        !event.detail.requestConfig.elt.matches("[data-keep-focus]")) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });

  // Choosing an entry of the actions menu closes the menu.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("details.menu a");
    if (link) link.closest("details").removeAttribute("open");
  });

  // Escape closes an open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
})();
