/* Shows only the fields the chosen category needs; without JavaScript every field shows. */
(function () {
  "use strict";
  var select = document.getElementById("id_category");
  if (!select) { return; }
  var mileage = (select.getAttribute("data-mileage") || "").split(" ");
  function update() {
    var trip = mileage.indexOf(select.value) !== -1;
    document.querySelectorAll("#expense-line-form [data-for]").forEach(function (group) {
      group.hidden = select.value !== "" && (group.getAttribute("data-for") === "trip") !== trip;
    });
  }
  select.addEventListener("change", update);
  update();
})();
