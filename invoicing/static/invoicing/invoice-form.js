/*
 * The invoice form's one behaviour beyond htmx: choosing "A new client" in the client list opens
 * the section where their details are typed (without script, the member opens it). Listened to on
 * the document, so it still works after htmx replaces the list with the clients a search found.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || select.name !== "client" || select.tagName !== "SELECT") {
      return;
    }
    var details = document.querySelector("details.new-client");
    if (details && select.value === "new") {
      details.open = true;
    }
  });
})();
