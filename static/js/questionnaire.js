// The questionnaire works without this script.  With it:
//  - answers are saved automatically a few seconds after typing stops;
//  - a copy of unsaved typing is kept in this browser (localStorage), so a lost
//    connection, a closed tab or an expired sign-in does not lose it;
//  - saving uses the same endpoint and rules as the Save button.
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("autosave-status");
  var key = form.dataset.storageKey;
  var timer = null;
  var inFlight = false;
  var pending = false;
  var DELAY = 3000;

  function say(text) {
    if (status) { status.textContent = text; }
  }

  function snapshot() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "submit") { return; }
      if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.type !== "hidden") {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function keep() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: snapshot() }));
    } catch (e) { /* storage full or disabled: autosave still works */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function apply(values) {
    Object.keys(values).forEach(function (name) {
      var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      Array.prototype.forEach.call(fields, function (el) {
        if (el.type === "radio") { el.checked = el.value === values[name]; }
        else { el.value = values[name]; }
      });
    });
  }

  function offerRestore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.values) { return; }
    var current = snapshot();
    var differs = Object.keys(saved.values).some(function (k) { return (current[k] || "") !== (saved.values[k] || ""); });
    if (!differs) { forget(); return; }
    var box = document.createElement("div");
    box.className = "restore";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", form.dataset.restoreLabel || "Unsaved answers");
    var p = document.createElement("p");
    p.textContent = document.documentElement.dataset.restoreText ||
      "This browser kept answers you typed here that were not saved (" + new Date(saved.at).toLocaleString() + "). Put them back into the form? You can check them before saving.";
    var yes = document.createElement("button");
    yes.type = "button"; yes.className = "button"; yes.textContent = "Put them back";
    var no = document.createElement("button");
    no.type = "button"; no.className = "button button--secondary"; no.textContent = "Discard them";
    yes.addEventListener("click", function () { apply(saved.values); box.remove(); say("Unsaved answers restored: check them, then save."); schedule(); });
    no.addEventListener("click", function () { forget(); box.remove(); });
    box.appendChild(p); box.appendChild(yes); box.appendChild(document.createTextNode(" ")); box.appendChild(no);
    form.parentNode.insertBefore(box, form);
  }

  function updateHidden(data) {
    Object.keys(data.versions || {}).forEach(function (item) {
      var name = "item_" + item.replace(/[^A-Za-z0-9]/g, "_");
      var v = form.querySelector('[name="' + name + '-version"]');
      var o = form.querySelector('[name="' + name + '-original"]');
      if (v) { v.value = data.versions[item]; }
      if (o && data.originals) { o.value = data.originals[item]; }
    });
  }

  function save() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    say("Saving…");
    var body = new FormData(form);
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // Signed out or token expired: keep the local copy; the Save button will explain.
        say("Not saved automatically. Your typing is kept in this browser; press Save.");
        return null;
      }
      return response.json().then(function (data) {
        if (data.versions) {
          updateHidden(data);  // answers saved, even when others were refused
        }
        if (response.ok) {
          forget();
          say((data.message || "Saved") + " · " + new Date().toLocaleTimeString());
        } else {
          say(data.message || "Not saved.");
        }
      });
    }).catch(function () {
      say("Offline: not saved yet. Your typing is kept in this browser.");
    }).then(function () {
      inFlight = false;
      if (pending) { pending = false; schedule(); }
    });
  }

  function schedule() {
    keep();
    say("Unsaved changes");
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { clearTimeout(timer); keep(); });
  offerRestore();
})();
