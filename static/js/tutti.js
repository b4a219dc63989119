// Small behaviours htmx leaves to the page. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // A fragment swapped into the panel takes the focus on its heading, so that keyboard and
  // screen-reader users land where the new content is. htmx wires the new content's hx- attributes
  // only when it settles, a moment later: wire it now, so that a key pressed at once (Entrée on
  // « Annuler », a letter typed in the message) goes through htmx and not to a native submit.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest) return;
    var region = target.closest("[data-focus-on-swap]") || (target.matches("[data-focus-on-swap]") ? target : null);
    var heading = (region || target).querySelector("[data-focus-heading]");
    if (heading && event.detail.requestConfig && event.detail.requestConfig.elt &&
        !event.detail.requestConfig.elt.matches("[data-keep-focus]")) {
      if (window.htmx) window.htmx.process(region || target);
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
