/*
 * The Espace membre's behaviour on every page, loaded with defer by base.html (the policy allows
 * only scripts from our own origin). Each piece enhances markup that already works without it:
 *
 * - The menu: on a phone the navigation folds behind one "Menu" button. The button is hidden in
 *   the markup and the menu open, so without this script the menu is simply shown; this script
 *   reveals the button and folds the menu (app.css does the folding, only under 48rem).
 * - The form error summary: focus moves to it on load, so a screen reader reads the problems first
 *   and a keyboard user tabs straight to the links that lead to each field.
 * - Copy buttons (button.copy[data-copy]): copy their text to the clipboard and announce it in the
 *   page's live region, with the word the server translated (data-copied).
 */
(function () {
  "use strict";

  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) {
      return;
    }
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    toggle.hidden = false;
    header.classList.add("menu-folds");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
    });
    // Escape closes the open menu and gives the focus back to its button, as a disclosure should.
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (!status) {
      return;
    }
    // Emptied first: the same word twice in a row is announced again only if the text changes.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function copyWithSelection(text) {
    // Without the asynchronous clipboard (a page not served over HTTPS): a hidden text area.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function setUpCopyButtons() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.copy[data-copy]") : null;
      if (!button) {
        return;
      }
      var text = button.getAttribute("data-copy");
      var copying = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text)
        : copyWithSelection(text);
      copying.then(function () {
        var status = document.getElementById("copy-status");
        var word = button.getAttribute("data-copied") || (status && status.getAttribute("data-copied")) || "";
        button.classList.add("copied");
        announce(word);
        window.setTimeout(function () {
          button.classList.remove("copied");
        }, 2000);
      }).catch(function () {
        // Nothing copied: the text stays on the page for the member to select by hand.
      });
    });
  }

  function start() {
    setUpMenu();
    focusErrorSummary();
    setUpCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
