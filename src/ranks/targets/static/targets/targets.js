/* Targets pages, progressive enhancement only: the pages work without it.
   Allocation: the sum of the children's figures against the unit's, updated as one types.
   Dashboard: the children's table sorted in place when a column heading is chosen, when it is
   all on one page (the page marks it data-sortable then); across pages the server sorts. */
(function () {
  "use strict";

  function allocation(form) {
    var box = form.querySelector("[data-test=allocation-balance]");
    var sumOut = box.querySelector("[data-test=allocation-sum]");
    var parentOut = box.querySelector("[data-test=parent-figure]");
    var verdict = box.querySelector("[data-test=allocation-verdict]");
    var own = form.querySelector("input[name=unit_value]");
    var stored = form.getAttribute("data-parent");

    function number(text) {
      text = (text || "").trim();
      return /^\d+$/.test(text) ? parseInt(text, 10) : null;
    }

    function update() {
      var sum = 0;
      form.querySelectorAll("input[name^='child-']").forEach(function (input) {
        sum += number(input.value) || 0;
      });
      var parent = own ? number(own.value) : number(stored);
      var kind, amount = 0;
      if (parent === null) { kind = "none"; }
      else if (sum > parent) { kind = "over"; amount = sum - parent; }
      else if (sum < parent) { kind = "under"; amount = parent - sum; }
      else { kind = "exact"; }
      sumOut.textContent = String(sum);
      parentOut.textContent = parent === null ? "—" : String(parent);
      verdict.textContent = box.getAttribute("data-" + kind).replace("%(amount)s", String(amount));
      box.className = "balance " + kind;
    }

    form.addEventListener("input", update);
  }

  function sortable(table) {
    var body = table.tBodies[0];
    table.querySelectorAll("a[data-sort]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var key = link.getAttribute("data-sort");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var name = a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"));
          if (key === "name") { return name; }
          var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
          // Units without a target go last, as on the server.
          if (x === "" || y === "") { return (x === "") - (y === "") || name; }
          return parseFloat(x) - parseFloat(y) || name;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
        link.closest("th").setAttribute("aria-sort", "ascending");
        table.setAttribute("data-sorted", key);
        var kept = document.querySelector("form[data-test=dashboard-filters] input[name=sort]");
        if (kept) { kept.value = key; }
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", link.getAttribute("href"));
        }
        event.preventDefault();
      });
    });
  }

  document.querySelectorAll("form[data-allocation]").forEach(allocation);
  document.querySelectorAll("table[data-sortable]").forEach(sortable);
})();
