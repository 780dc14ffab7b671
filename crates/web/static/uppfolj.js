// Uppfölj works without JavaScript; this only adds live character counts. A field with a limit has
// `maxlength` (the browser stops there) and a hint under it that says the limit; here the hint
// becomes "1 234 av 10 000 tecken" while typing. The count is not a live region: a screen reader
// reads it with the field (aria-describedby), not at every key press.
"use strict";
(function () {
  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  }
  document.querySelectorAll("[data-max]").forEach(function (field) {
    var hint = document.getElementById(field.id + "-grans");
    var max = Number(field.getAttribute("data-max"));
    if (!hint || !max) {
      return;
    }
    function update() {
      hint.textContent = grouped(field.value.length) + " av " + grouped(max) + " tecken";
    }
    field.addEventListener("input", update);
    update();
  });
})();
