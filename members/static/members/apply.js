/*
 * The membership form's behaviour (members/apply.html), loaded with defer. Each piece enhances a
 * form that works without it:
 *
 * - The kind of person: only the group of fields for the kind chosen shows (the person's or the
 *   company's). Without this script both show, and the server judges the group of the kind sent.
 * - The total: the price of the shares typed, written as the server writes amounts in the page's
 *   language (its separators come from the server), announced politely as it changes.
 * - The office: typing a Belgian postal code suggests the nearest office, until the applicant picks
 *   one themselves; the ranges come from the server (members.selectors.OFFICE_BY_POSTAL_CODE).
 */
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) {
    return;
  }

  function setUpKind() {
    var kind = form.querySelector("select[name=kind]");
    var groups = form.querySelectorAll(".kind-group[data-kind]");
    if (!kind || !groups.length) {
      return;
    }
    function update() {
      groups.forEach(function (group) {
        group.hidden = group.getAttribute("data-kind") !== kind.value;
      });
    }
    kind.addEventListener("change", update);
    update();
  }

  function grouped(whole, separator) {
    var digits = String(whole);
    var parts = [];
    while (digits.length > 3) {
      parts.unshift(digits.slice(-3));
      digits = digits.slice(0, -3);
    }
    parts.unshift(digits);
    return parts.join(separator);
  }

  function setUpTotal() {
    var output = document.getElementById("shares-total");
    var input = form.querySelector("input[name=shares_requested]");
    if (!output || !input) {
      return;
    }
    var price = parseInt(output.getAttribute("data-price-cents"), 10);
    var minimum = parseInt(output.getAttribute("data-minimum"), 10) || 1;
    var decimal = output.getAttribute("data-decimal") || ",";
    var thousands = output.getAttribute("data-thousands") || "";
    function update() {
      var typed = input.value.trim();
      // A number being typed or not a number yet: the total of the minimum, as the server shows it.
      var quantity = /^\d{1,4}$/.test(typed) && parseInt(typed, 10) >= minimum ? parseInt(typed, 10) : minimum;
      var cents = price * quantity;
      var text = grouped(Math.floor(cents / 100), thousands) + decimal + String(cents % 100).padStart(2, "0") + " EUR";
      if (output.textContent !== text) {
        output.textContent = text;
      }
    }
    input.addEventListener("input", update);
    update();
  }

  function setUpOfficeSuggestion() {
    var office = form.querySelector("select[name=office]");
    var postalCode = form.querySelector("input[name=postal_code]");
    var note = document.getElementById("office-suggested");
    if (!office || !postalCode || !note) {
      return;
    }
    var ranges = JSON.parse(office.getAttribute("data-suggest") || "[]");
    var chosenByHand = office.value !== "";
    office.addEventListener("change", function () {
      chosenByHand = true;
      note.textContent = "";
    });
    postalCode.addEventListener("input", function () {
      var code = postalCode.value.trim();
      if (chosenByHand || !/^\d{4}$/.test(code)) {
        return;
      }
      var number = parseInt(code, 10);
      var found = ranges.filter(function (range) {
        return range[0] <= number && number <= range[1];
      })[0];
      if (!found) {
        return;
      }
      office.value = String(found[2]);
      var option = office.options[office.selectedIndex];
      note.textContent = note.getAttribute("data-text").replace("%(office)s", option ? option.text : "");
    });
  }

  setUpKind();
  setUpTotal();
  setUpOfficeSuggestion();
})();
