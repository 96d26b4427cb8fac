/* Restructure form, progressive enhancement only: the page works without it (every field shows,
   and its help says which kinds use it). With it, a field shows only for the kinds it serves. */
(function () {
  "use strict";
  function setup(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    function update() {
      form.querySelectorAll("[data-kinds]").forEach(function (box) {
        var serves = box.getAttribute("data-kinds").split(" ").indexOf(kind.value) >= 0;
        // A field with an error stays in sight, whatever the kind.
        box.hidden = !serves && !box.querySelector(".field-error");
      });
    }
    kind.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-restructure]").forEach(setup);
  });
})();
