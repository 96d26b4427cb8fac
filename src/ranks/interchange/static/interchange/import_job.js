// A running import's page: its progress bar follows the job, and the page reloads when the job
// moves on (checked, rejected, done). Loaded only while the job runs (interchange/import_job.html).
(function () {
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  if (!window.fetch) { setTimeout(function () { window.location.reload(); }, 3000); return; }
  var url = bar.getAttribute("data-status-url"), status = bar.getAttribute("data-status");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.redirected || r.status === 404) { window.location.reload(); throw new Error("gone"); }  // signed out
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (s) {
        if (s.status !== status) { window.location.reload(); return; }
        bar.value = s.percent; bar.textContent = s.percent + " %"; text.textContent = s.text;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });  // a bad connection: try again, slower
  }
  setTimeout(poll, 1000);
})();
