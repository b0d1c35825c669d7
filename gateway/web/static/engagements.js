// The engagement form's conveniences: partner typeahead, thrust filter, follow-up rows, a draft kept in
// this browser until the form is sent, Ctrl+Enter to save. The form works without any of it: each
// part replaces a plain round-trip control (removed here) and the server does the same work.
(function () {
  "use strict";

  // Registered after htmx's own start-up listener (this script comes later), so htmx has processed the page.
  document.addEventListener("DOMContentLoaded", start);

  function start() {
  var form = document.getElementById("engagement-form");

  // The page shown after a successful log clears the draft the form kept.
  var logged = document.querySelector("[data-clear-draft]");
  if (logged) {
    try { window.localStorage.removeItem(logged.getAttribute("data-clear-draft")); } catch (e) { /* storage off */ }
  }
  // A file's delete button asks first (without JavaScript the POST deletes: the button names the file).
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (el) {
    el.addEventListener("submit", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
  if (!form) {
    return;
  }

  Array.prototype.forEach.call(form.querySelectorAll(".nojs-only"), function (el) { el.remove(); });
  Array.prototype.forEach.call(form.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll("p.hint.js-only"), function (el) { el.hidden = false; });

  // --- partners: a combobox over the partner search -------------------------------------------------
  var search = document.getElementById("f-partners");
  var box = document.getElementById("partner-suggestions");
  var chips = document.getElementById("partner-chips");
  var contacts = document.getElementById("contacts");
  var active = -1;
  var pickWhenLoaded = false;

  function options() { return box.querySelectorAll("[role=option]"); }

  function setActive(index) {
    var all = options();
    active = all.length ? Math.max(0, Math.min(index, all.length - 1)) : -1;
    Array.prototype.forEach.call(all, function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    if (active >= 0) {
      search.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    box.innerHTML = "";
    search.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function partnersChanged() {
    if (window.htmx && contacts) {
      window.htmx.trigger(contacts, "partners-changed");
    }
    saveSoon();
  }

  function addChip(id, label) {
    if (chips.querySelector('input[name="partner_ids"][value="' + id + '"]')) {
      return;
    }
    var item = document.createElement("li");
    item.className = "chip";
    var box_ = document.createElement("input");
    box_.type = "checkbox";
    box_.name = "partner_ids";
    box_.value = id;
    box_.checked = true;
    box_.id = "partner-chip-" + id;
    var text = document.createElement("label");
    text.htmlFor = box_.id;
    text.textContent = label;
    item.appendChild(box_);
    item.appendChild(text);
    chips.appendChild(item);
  }

  function pick(option) {
    addChip(option.getAttribute("data-id"), option.getAttribute("data-label"));
    search.value = "";
    close();
    search.focus();
    partnersChanged();
  }

  if (search && box && chips) {
    box.addEventListener("htmx:afterSwap", function () {
      var any = options().length > 0;
      search.setAttribute("aria-expanded", any ? "true" : "false");
      setActive(any ? 0 : -1);
      if (pickWhenLoaded && any) {
        pickWhenLoaded = false;
        pick(options()[0]);
      }
    });
    search.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        setActive(active + 1);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        setActive(active - 1);
      } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        if (active >= 0 && all[active]) {
          pick(all[active]);
        } else if (search.value.trim()) {
          pickWhenLoaded = true; // typed faster than the suggestions came: take the first when they do
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    box.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the focus in the box
    box.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        pick(option);
      }
    });
    search.addEventListener("blur", function () { window.setTimeout(close, 150); });
    chips.addEventListener("change", function (event) {
      if (event.target.name === "partner_ids" && !event.target.checked) {
        var item = event.target.closest("li");
        var next = item.nextElementSibling || item.previousElementSibling;
        item.remove();
        (next ? next.querySelector("input") : search).focus();
        partnersChanged();
      }
    });
  }

  // --- thrusts: filter, Enter ticks the first match ---------------------------------------------------
  var filter = document.getElementById("f-thrusts");
  var list = document.getElementById("thrust-list");
  var chosen = document.getElementById("thrusts-chosen");

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function matches() {
    return Array.prototype.filter.call(list.querySelectorAll(".check"), function (row) { return !row.hidden; });
  }

  function applyFilter() {
    var words = fold(filter.value).split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(list.querySelectorAll(".thrust-group"), function (group) {
      var shown = 0;
      Array.prototype.forEach.call(group.querySelectorAll(".check"), function (row) {
        var label = fold(row.getAttribute("data-thrust-label") + " " + group.querySelector("legend").textContent);
        row.hidden = !words.every(function (w) { return label.indexOf(w) >= 0; });
        if (!row.hidden) { shown += 1; }
      });
      group.hidden = shown === 0;
    });
    list.open = words.length > 0 || list.dataset.userOpen === "1";
  }

  function showChosen() {
    var names = Array.prototype.map.call(list.querySelectorAll("input[name=thrusts]:checked"), function (box_) {
      return box_.getAttribute("data-label");
    });
    chosen.textContent = names.length ? chosen.getAttribute("data-prefix") + " " + names.join("; ") : "";
  }

  if (filter && list && chosen) {
    list.open = false;
    list.querySelector("summary").addEventListener("click", function () {
      list.dataset.userOpen = list.open ? "0" : "1";
    });
    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        var first = matches().map(function (row) { return row.querySelector("input"); })
          .filter(function (box_) { return !box_.checked; })[0];
        if (filter.value.trim() && first) {
          first.checked = true;
          filter.value = "";
          applyFilter();
          showChosen();
          saveSoon();
        }
      } else if (event.key === "Escape") {
        filter.value = "";
        applyFilter();
      }
    });
    list.addEventListener("change", showChosen);
  }

  // --- follow-up rows: add and remove ----------------------------------------------------------------
  var rows = document.getElementById("follow-up-rows");
  var template = document.getElementById("follow-up-template");
  var addRow = document.getElementById("add-follow-up");

  function rowEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (input) { return !input.value; });
  }

  function renumber() {
    Array.prototype.forEach.call(rows.querySelectorAll("[data-follow-up-row]"), function (row, i) {
      row.querySelector("[data-row-number]").textContent = String(i + 1);
    });
  }

  function newRow() {
    var index = rows.querySelectorAll("[data-follow-up-row]").length;
    while (document.getElementById("f-fu-" + index + "-description")) { index += 1; }
    var html = template.innerHTML.replace(/__i__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    var row = rows.lastElementChild;
    row.querySelector(".remove-follow-up").hidden = false;
    renumber();
    return row;
  }

  if (rows && template && addRow) {
    // Without JavaScript there are blank rows to spare; here one blank row is enough, more on demand.
    var blank = Array.prototype.filter.call(rows.querySelectorAll("[data-follow-up-row]"), rowEmpty);
    blank.slice(1).forEach(function (row) { row.remove(); });
    renumber();
    addRow.addEventListener("click", function () {
      newRow().querySelector("input").focus();
      saveSoon();
    });
    rows.addEventListener("click", function (event) {
      if (event.target.classList.contains("remove-follow-up")) {
        event.target.closest("[data-follow-up-row]").remove();
        renumber();
        addRow.focus();
        saveSoon();
      }
    });
  }

  // --- Ctrl+Enter saves; a plain Enter in a one-line field does not send a half-filled form -------------
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") {
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      form.requestSubmit(document.getElementById("engagement-submit"));
    } else if (event.target.tagName === "INPUT" && event.target.type !== "checkbox" && event.target.type !== "radio") {
      event.preventDefault();
    }
  });

  // --- the draft: kept in this browser until the form is sent ------------------------------------------
  var draftKey = form.getAttribute("data-draft-key");
  var saveTimer = null;

  function snapshot() {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "partner_q" || el.type === "submit" || el.type === "button") {
        return;
      }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      }
      fields.push([el.name, el.value]);
    });
    var partners = Array.prototype.map.call(chips.querySelectorAll("li"), function (item) {
      return [item.querySelector("input").value, item.querySelector("label").textContent];
    });
    return { saved: Date.now(), fields: fields, partners: partners,
             rows: rows ? rows.querySelectorAll("[data-follow-up-row]").length : 0 };
  }

  function save() {
    if (!draftKey) { return; }
    try { window.localStorage.setItem(draftKey, JSON.stringify(snapshot())); } catch (e) { /* full or off */ }
  }

  function saveSoon() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(save, 250);
  }

  function restore(draft) {
    draft.partners.forEach(function (p) { addChip(p[0], p[1]); });
    while (rows && rows.querySelectorAll("[data-follow-up-row]").length < draft.rows) { newRow(); }
    var seen = {};
    var contactIds = [];
    draft.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (name === "contact_ids") { contactIds.push(value); return; }
      var all = form.querySelectorAll('[name="' + name + '"]');
      if (!all.length) { return; }
      if (all[0].type === "checkbox" || all[0].type === "radio") {
        Array.prototype.forEach.call(all, function (el) { if (el.value === value) { el.checked = true; } });
        return;
      }
      var i = seen[name] || 0;
      seen[name] = i + 1;
      if (all[i]) { all[i].value = value; }
    });
    if (contactIds.length && contacts) {
      contactIds.forEach(function (id) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "contact_ids";
        hidden.value = id;
        contacts.appendChild(hidden);
      });
    }
    if (filter) { showChosen(); }
    if (draft.partners.length) { partnersChanged(); }
    var note = document.getElementById("draft-restored");
    if (note) { note.hidden = false; }
  }

  if (draftKey) {
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(draftKey) || "null"); } catch (e) { stored = null; }
    if (stored && form.getAttribute("data-fresh") === "1") {
      restore(stored);
    } else {
      save(); // a form sent back with errors is the draft now
    }
    form.addEventListener("input", saveSoon);
    form.addEventListener("change", saveSoon);
    var discard = document.getElementById("discard-draft");
    if (discard) {
      discard.addEventListener("click", function () {
        try { window.localStorage.removeItem(draftKey); } catch (e) { /* storage off */ }
        window.location.reload();
      });
    }
  }
  }
})();
