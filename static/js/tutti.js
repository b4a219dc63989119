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

  // Swapped content is wired by htmx when it settles, a moment after the swap: a box ticked in between (the
  // next page of the list, ticked at once) would change on screen without telling the server. Wire it at the swap.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!window.htmx || !target) return;
    if (!target.isConnected && target.id) target = document.getElementById(target.id);  // replaced (outerHTML)
    if (target && target.isConnected) window.htmx.process(target);
  });

  // « Actions pour N sélectionnés » shows the count the server holds. Each answer that changes the selection
  // brings the actions bar out of band, stamped with the selection's version it counted; answers to quick ticks
  // can arrive out of order, and a bar older than the one on screen is never swapped in.
  function newerOrSame(incoming, current) {
    if (!incoming || !current || incoming.id !== "actions") return true;
    if (incoming.getAttribute("data-selection") !== current.getAttribute("data-selection")) return true;
    var shown = parseInt(current.getAttribute("data-selection-version"), 10);
    var answered = parseInt(incoming.getAttribute("data-selection-version"), 10);
    return isNaN(shown) || isNaN(answered) || answered >= shown;
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    var incoming = fragment && (fragment.nodeType === 1 ? fragment : fragment.firstElementChild);
    if (!newerOrSame(incoming, event.detail.target)) event.detail.shouldSwap = false;
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
