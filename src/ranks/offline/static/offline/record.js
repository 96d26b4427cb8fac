/* A cell's recording page: what is recorded here goes to the device's outbox (offline.js) as the
   API's write would take it, and is sent when there is a connection. The page's forms are the
   server's own (pipeline.forms, people.forms), rendered with a prefix per form. */
(function () {
  "use strict";
  var R = window.RanksOffline;
  if (!R) return;
  var LISTS = ["introducer_person_ids", "mentor_person_ids"];
  var OTHERS = { introducer_other: "introducer_person_ids", mentor_other: "mentor_person_ids" };
  var NUMBERS = ["votes_for", "official_members"];
  var FLAGS = ["youth_union_resolution"];
  var DATES = ["received_on", "birth_date"];
  var saved = document.querySelector("[data-test=record-saved]");
  var renderedAt = document.body.getAttribute("data-rendered-at");

  function ddmmyyyy(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : iso || "";
  }

  /* The values of the inputs named `prefix-…` inside `root`, by their name without the prefix:
     what the page's form would post, for the device to keep and to fill the form in again. */
  function valuesOf(root, prefix) {
    var values = {};
    root.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (!input.name || input.name.indexOf(prefix + "-") !== 0 || input.disabled) return;
      var name = input.name.slice(prefix.length + 1);
      if (input.type === "checkbox") {
        if (LISTS.indexOf(name) >= 0) {
          values[name] = values[name] || [];
          if (input.checked) values[name].push(input.value);
        } else {
          values[name] = input.checked;
        }
      } else {
        values[name] = input.value;
      }
    });
    return values;
  }

  function fill(root, prefix, values) {
    root.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (!input.name || input.name.indexOf(prefix + "-") !== 0) return;
      var name = input.name.slice(prefix.length + 1);
      if (!(name in values)) return;
      var value = values[name];
      if (input.type === "checkbox") {
        input.checked = Array.isArray(value) ? value.indexOf(input.value) >= 0 : !!value;
      } else {
        input.value = value == null ? "" : value;
      }
    });
  }

  /* From the form's values to the API's body: lists as lists (the free field's identifiers
     added), counts as numbers, blank dates and counts left out. */
  function apiBody(values) {
    var body = {};
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      if (name in OTHERS) {
        var extra = String(value || "").split(/[\s,;]+/).filter(Boolean);
        var target = OTHERS[name];
        body[target] = (body[target] || []).concat(extra);
        return;
      }
      if (LISTS.indexOf(name) >= 0) {
        body[name] = (body[name] || []).concat(value || []);
      } else if (NUMBERS.indexOf(name) >= 0) {
        if (value !== "" && value != null) body[name] = Number(value);
      } else if (FLAGS.indexOf(name) >= 0) {
        body[name] = !!value;
      } else if (DATES.indexOf(name) >= 0) {
        if (value) body[name] = value;
      } else {
        body[name] = value;
      }
    });
    LISTS.forEach(function (name) {
      if (body[name]) body[name] = body[name].filter(function (v, i, a) { return a.indexOf(v) === i; });
    });
    return body;
  }

  function labelOf(form, name) {
    var input = form.querySelector("[name='" + name + "']");
    var label = input && input.id ? form.querySelector("label[for='" + input.id + "']") : null;
    return label ? label.textContent.trim() : name;
  }

  function missing(form, names) {
    var empty = names.filter(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      return input && !input.disabled && !String(input.value || "").trim();
    });
    if (!empty.length) return false;
    show(R.format(R.texts.required, { fields: empty.map(function (n) { return labelOf(form, n); }).join(", ") }), true);
    return true;
  }

  function show(text, error) {
    if (!saved) return;
    saved.textContent = text;
    saved.classList.toggle("error", !!error);
    saved.hidden = false;
    saved.scrollIntoView({ block: "nearest" });
  }

  var editing = null; // the record being corrected, when the page was opened with #edit=ID

  function keep(record, form) {
    var done;
    if (editing) {
      var again = Object.assign(editing, record, {
        state: "waiting", message: "", rules: [], errors: null, server: null,
      });
      done = R.put(again);
    } else {
      done = R.add(record);
    }
    return done.then(function (kept) {
      editing = null;
      if (location.hash) history.replaceState(null, "", location.pathname + location.search);
      show(R.format(navigator.onLine ? R.texts.saved_online : R.texts.saved, { label: kept.label }));
      form.dispatchEvent(new CustomEvent("ranks:kept", { bubbles: true, detail: kept }));
      addPendingCandidates();
      if (navigator.onLine) R.sync();
      return kept;
    });
  }

  /* --- a step of a candidate ------------------------------------------------------------ */

  var eventForm = document.querySelector("form[data-offline-form=event]");
  var stageSelect = eventForm && eventForm.querySelector("select[name=stage]");
  var candidateSelect = eventForm && eventForm.querySelector("select[name=candidate]");

  function showStage() {
    eventForm.querySelectorAll("fieldset.stage-fields").forEach(function (fieldset) {
      var on = fieldset.getAttribute("data-stage") === stageSelect.value;
      fieldset.hidden = !on;
      fieldset.disabled = !on;
    });
  }

  /* Candidates added on this device and not yet on the page: their steps can be recorded too,
     and follow the record that adds them. */
  function addPendingCandidates() {
    if (!candidateSelect) return;
    var cell = eventForm.getAttribute("data-cell");
    R.all().then(function (rows) {
      rows.forEach(function (row) {
        if (row.kind !== "candidate" || row.cell !== cell || row.state === "discarded") return;
        if (candidateSelect.querySelector("option[value='" + CSS.escape(row.subject) + "']")) return;
        var option = document.createElement("option");
        option.value = row.subject;
        option.setAttribute("data-name", row.subject_name);
        option.textContent = row.subject_name + " (" + row.subject + ") · " + R.texts.pending_candidate;
        candidateSelect.appendChild(option);
      });
    });
  }

  if (eventForm) {
    stageSelect.addEventListener("change", showStage);
    showStage();
    addPendingCandidates();
    eventForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var stage = stageSelect.value;
      var fieldset = eventForm.querySelector("fieldset[data-stage='" + stage + "']");
      if (missing(eventForm, ["candidate", stage + "-date"])) return;
      var option = candidateSelect.selectedOptions[0];
      var values = valuesOf(fieldset, stage);
      var body = Object.assign({ stage: stage }, apiBody(values));
      var stageLabel = stageSelect.selectedOptions[0].textContent.trim();
      var name = option.getAttribute("data-name") || option.value;
      keep({
        kind: "event",
        cell: eventForm.getAttribute("data-cell"),
        subject: option.value,
        subject_name: name,
        label: name + " · " + stageLabel + " · " + ddmmyyyy(values.date),
        url: "/api/v1/candidates/" + encodeURIComponent(option.value) + "/events/",
        body: body,
        basis: option.getAttribute("data-basis") || "",
        page_rendered_at: renderedAt,
        form: { stage: stage, candidate: option.value, values: values },
        page: location.pathname,
      }, eventForm).then(function () {
        var date = values.date;
        fieldset.querySelectorAll("input[type=text], input[type=number], textarea").forEach(function (i) { i.value = ""; });
        fieldset.querySelectorAll("input[type=checkbox]").forEach(function (i) { i.checked = false; });
        var dateInput = fieldset.querySelector("[name='" + stage + "-date']");
        if (dateInput) dateInput.value = date;
      });
    });
  }

  /* --- a person added to the source list ------------------------------------------------ */

  var candidateForm = document.querySelector("form[data-offline-form=candidate]");
  if (candidateForm) {
    candidateForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (missing(candidateForm, ["new-person_id", "new-added_on"])) return;
      var values = valuesOf(candidateForm, "new");
      var person = valuesOf(candidateForm, "person");
      var body = apiBody(values);
      body.person_id = String(body.person_id || "").trim();
      var name = String(person.full_name || "").trim();
      if (name) {
        var facts = apiBody(person);
        Object.keys(facts).forEach(function (k) { if (facts[k] === "") delete facts[k]; });
        body.person = facts;
      }
      var cell = candidateForm.getAttribute("data-cell");
      keep({
        kind: "candidate",
        cell: cell,
        subject: body.person_id,
        subject_name: name || body.person_id,
        label: (name || body.person_id) + " · " + R.texts.added + " · " + ddmmyyyy(values.added_on),
        url: "/api/v1/units/" + encodeURIComponent(cell) + "/candidates/",
        body: body,
        basis: "",
        page_rendered_at: renderedAt,
        form: { values: values, person: person },
        page: location.pathname,
      }, candidateForm).then(function () {
        var added = values.added_on;
        candidateForm.reset();
        var addedInput = candidateForm.querySelector("[name='new-added_on']");
        if (addedInput) addedInput.value = added;
      });
    });
  }

  /* --- a member working away or back ---------------------------------------------------- */

  var absenceForm = document.querySelector("form[data-offline-form=absence]");
  var kindSelect = absenceForm && absenceForm.querySelector("select[name=absence_kind]");
  var memberSelect = absenceForm && absenceForm.querySelector("select[name=member]");

  function showAbsence() {
    absenceForm.querySelectorAll("fieldset[data-absence]").forEach(function (fieldset) {
      var on = fieldset.getAttribute("data-absence") === kindSelect.value;
      fieldset.hidden = !on;
      fieldset.disabled = !on;
    });
  }

  if (absenceForm) {
    kindSelect.addEventListener("change", showAbsence);
    memberSelect.addEventListener("change", function () {
      var option = memberSelect.selectedOptions[0];
      if (option && option.value) kindSelect.value = option.getAttribute("data-away") ? "return" : "away";
      showAbsence();
    });
    showAbsence();
    absenceForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var kind = kindSelect.value;
      var dateField = kind === "away" ? "away-started_on" : "return-ended_on";
      var needed = ["member", dateField].concat(kind === "away" ? ["away-where"] : []);
      if (missing(absenceForm, needed)) return;
      var option = memberSelect.selectedOptions[0];
      var fieldset = absenceForm.querySelector("fieldset[data-absence='" + kind + "']");
      var values = valuesOf(fieldset, kind);
      var name = option.getAttribute("data-name") || option.value;
      var path = "/api/v1/people/" + encodeURIComponent(option.value) + "/absences/";
      keep({
        kind: kind,
        cell: absenceForm.getAttribute("data-cell"),
        subject: "member:" + option.value,
        subject_name: name,
        label: name + " · " + kindSelect.selectedOptions[0].textContent.trim() + " · " +
          ddmmyyyy(kind === "away" ? values.started_on : values.ended_on),
        url: kind === "away" ? path : path + "return/",
        body: apiBody(values),
        basis: option.getAttribute("data-basis") || "",
        page_rendered_at: renderedAt,
        form: { kind: kind, member: option.value, values: values },
        page: location.pathname,
      }, absenceForm).then(function () {
        fieldset.querySelectorAll("input[type=text], textarea").forEach(function (i) { i.value = ""; });
      });
    });
  }

  /* --- correcting a record the server refused (#edit=ID from the outbox) ----------------- */

  var match = /^#edit=(.+)$/.exec(location.hash);
  if (match) {
    R.all().then(function (rows) {
      var row = rows.find(function (r) { return r.id === decodeURIComponent(match[1]); });
      if (!row || row.state === "synced") return;
      editing = row;
      if (row.kind === "event" && eventForm) {
        candidateSelect.value = row.form.candidate;
        stageSelect.value = row.form.stage;
        showStage();
        fill(eventForm.querySelector("fieldset[data-stage='" + row.form.stage + "']"), row.form.stage, row.form.values);
        eventForm.scrollIntoView();
      } else if ((row.kind === "away" || row.kind === "return") && absenceForm) {
        memberSelect.value = row.form.member;
        kindSelect.value = row.form.kind;
        showAbsence();
        fill(absenceForm.querySelector("fieldset[data-absence='" + row.form.kind + "']"), row.form.kind, row.form.values);
        absenceForm.scrollIntoView();
      } else if (row.kind === "candidate" && candidateForm) {
        fill(candidateForm, "new", row.form.values);
        fill(candidateForm, "person", row.form.person);
        candidateForm.scrollIntoView();
      }
      if (row.message) show(row.message, true);
    });
  }
})();
