// The questionnaire works without this script.  With it:
//  - answers are saved automatically a few seconds after typing stops;
//  - an answer autosave refuses shows its message beside the field, and one that
//    someone else saved meanwhile shows their version beside the typed text;
//  - a copy of unsaved typing is kept in this browser (localStorage), so a lost
//    connection, a closed tab or an expired sign-in does not lose it;
//  - pressing Save or Send comment while an autosave is on its way waits for it,
//    so the page never moves on with typed answers in the air;
//  - the page tells the server which answers autosave stored, so Save can say
//    exactly what is stored and what is not;
//  - saving uses the same endpoint and rules as the Save button.
//  - a field only some answers need (the justification of "not applicable", the
//    description of assistance requested) stays folded until that answer is chosen,
//    unless it holds text or an error; it is in the page all along, for the form
//    without this script;
//  - Save comes back to the item being worked on (the page sends its id, `at_item`);
//  - marking a comment thread resolved or reopening it waits for autosave first.
// Every word it shows comes from the page (data-messages), in the reader's language.
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form) {
    return;
  }
  var folding = form.querySelectorAll("[data-reveal-name]");
  var at = form.querySelector('input[name="at_item"]');

  function chosen(name) {
    var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].type !== "radio") { return fields[i].value; }
      if (fields[i].checked) { return fields[i].value; }
    }
    return "";
  }

  function wanted(box) {
    var value = chosen(box.dataset.revealName);
    if (box.dataset.revealValues !== undefined) {
      return box.dataset.revealValues.split(" ").indexOf(value) !== -1;
    }
    return value !== "" && value !== box.dataset.revealUnless;
  }

  function holdsSomething(box) {
    var input = box.querySelector("textarea, input, select");
    return (input && input.value.trim() !== "") || !!box.querySelector(".field__error");
  }

  // Hidden (so neither seen nor reached with Tab) unless its answer is chosen or it holds text or an error.
  function fold(box) {
    box.hidden = !(wanted(box) || holdsSomething(box));
  }

  function foldAll() { Array.prototype.forEach.call(folding, fold); }

  function choiceChanged(event) {
    var name = event.target && event.target.name;
    Array.prototype.forEach.call(folding, function (box) {
      if (box.dataset.revealName === name) { fold(box); }
    });
  }

  foldAll();
  form.addEventListener("input", choiceChanged);
  form.addEventListener("change", choiceChanged);
  form.addEventListener("thbq:restored", foldAll);  // answers put back from this browser's copy

  // The item being worked on (focused, or changed: some browsers do not focus a clicked radio button).
  function workingOn(event) {
    var item = event.target.closest && event.target.closest(".item");
    if (item && at) { at.value = item.id.replace(/^item-/, ""); }
  }
  form.addEventListener("focusin", workingOn);
  form.addEventListener("input", workingOn);
})();

(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch || !window.FormData) {
    return;
  }
  var words = {};
  try { words = JSON.parse(form.dataset.messages || "{}"); } catch (e) { words = {}; }
  var status = document.getElementById("autosave-status");
  var key = form.dataset.storageKey;
  var autosavedField = form.querySelector('input[name="autosaved"]');
  var autosaved = [];
  var timer = null;
  var inFlight = null;  // the promise of the autosave under way, if any
  var pending = false;
  var DELAY = 3000;

  function word(name, values) {
    var text = words[name] || "";
    Object.keys(values || {}).forEach(function (k) {
      text = text.split("%(" + k + ")s").join(values[k]);
    });
    return text;
  }

  function say(text) {
    if (status) { status.textContent = text; }
  }

  function fieldName(item) {
    return "item_" + item.replace(/[^A-Za-z0-9]/g, "_");
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
    form.dispatchEvent(new Event("thbq:restored"));
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
    box.setAttribute("aria-label", word("restoreLabel"));
    var p = document.createElement("p");
    p.textContent = word("restoreText", { when: new Date(saved.at).toLocaleString(document.documentElement.lang || undefined) });
    var yes = document.createElement("button");
    yes.type = "button"; yes.className = "button"; yes.textContent = word("restoreYes");
    var no = document.createElement("button");
    no.type = "button"; no.className = "button button--secondary"; no.textContent = word("restoreNo");
    yes.addEventListener("click", function () { apply(saved.values); box.remove(); say(word("restored")); schedule(); });
    no.addEventListener("click", function () { forget(); box.remove(); });
    box.appendChild(p); box.appendChild(yes); box.appendChild(document.createTextNode(" ")); box.appendChild(no);
    form.parentNode.insertBefore(box, form);
  }

  function updateHidden(data) {
    Object.keys(data.versions || {}).forEach(function (item) {
      var name = fieldName(item);
      var v = form.querySelector('[name="' + name + '-version"]');
      var o = form.querySelector('[name="' + name + '-original"]');
      if (v) { v.value = data.versions[item]; }
      if (o && data.originals && data.originals[item] !== undefined) { o.value = data.originals[item]; }
    });
  }

  function remember(saved) {
    (saved || []).forEach(function (item) {
      if (autosaved.indexOf(item) === -1) { autosaved.push(item); }
    });
    if (autosavedField) { autosavedField.value = autosaved.join(" "); }
  }

  // Messages beside the fields autosave refused, and nowhere else.
  function clearRefusals(item) {
    var section = document.getElementById("item-" + item);
    if (!section) { return; }
    Array.prototype.forEach.call(section.querySelectorAll("[data-autosave-error]"), function (el) {
      var target = document.getElementById(el.dataset.autosaveError);
      if (target) {
        target.removeAttribute("aria-invalid");
        var ids = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) { return id && id !== el.id; });
        if (ids.length) { target.setAttribute("aria-describedby", ids.join(" ")); } else { target.removeAttribute("aria-describedby"); }
        var holder = target.closest(".field, fieldset");
        if (holder && !holder.querySelector(".field__error:not([data-autosave-error])")) { holder.classList.remove("field--error"); }
      }
      el.remove();
    });
  }

  function showRefusals(item, problems) {
    clearRefusals(item);
    Object.keys(problems || {}).forEach(function (field) {
      var target = document.getElementById(fieldName(item) + "-" + field);
      if (!target) { return; }
      var message = document.createElement("p");
      message.className = "field__error";
      message.id = target.id + "-autosave-error";
      message.dataset.autosaveError = target.id;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = word("errorPrefix") + " ";
      message.appendChild(hidden);
      message.appendChild(document.createTextNode(problems[field]));
      if (target.tagName === "FIELDSET") {
        var legend = target.querySelector("legend");
        target.insertBefore(message, legend ? legend.nextSibling : target.firstChild);
      } else {
        target.parentNode.insertBefore(message, target);
      }
      target.setAttribute("aria-invalid", "true");
      var described = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      described.push(message.id);
      target.setAttribute("aria-describedby", described.join(" "));
      var holder = target.closest(".field, fieldset");
      if (holder) { holder.classList.add("field--error"); holder.hidden = false; }
    });
  }

  // The version someone else saved, beside the typed text (rendered by the server).
  function showConflict(item, html) {
    var section = document.getElementById("item-" + item);
    if (!section) { return; }
    var old = section.querySelector('[data-conflict="' + CSS.escape(item) + '"]');
    if (old) { old.remove(); }
    var holder = document.createElement("div");
    holder.innerHTML = html;  // the server's own escaped template output
    var box = holder.firstElementChild;
    if (!box) { return; }
    var anchor = section.querySelector("fieldset.rating") || section.firstElementChild;
    section.insertBefore(box, anchor);
  }

  function itemsIn(data) {
    return Object.keys(data.versions || {}).concat(Object.keys(data.errors || {}), Object.keys(data.conflicts || {}));
  }

  function save() {
    if (inFlight) { pending = true; return inFlight; }
    clearTimeout(timer);
    timer = null;
    say(word("saving"));
    var body = new FormData(form);
    inFlight = fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // Signed out or token expired: keep the local copy; the Save button will explain.
        say(word("signedOut"));
        return false;
      }
      return response.json().then(function (data) {
        updateHidden(data);  // answers saved, even when others were refused
        remember(data.saved);
        itemsIn(data).forEach(function (item) {
          if (!(data.errors || {})[item]) { clearRefusals(item); }
        });
        Object.keys(data.errors || {}).forEach(function (item) { showRefusals(item, data.errors[item]); });
        Object.keys(data.conflicts || {}).forEach(function (item) { showConflict(item, data.conflicts[item]); });
        if (response.ok) {
          forget();
          say(word("savedAt", { message: data.message || "", time: new Date().toLocaleTimeString(document.documentElement.lang || undefined) }));
          return true;
        }
        say(data.message || word("notSaved"));
        return false;
      });
    }).catch(function () {
      say(word("offline"));
      return false;
    }).then(function (done) {
      inFlight = null;
      if (pending) { pending = false; schedule(); }
      return done;
    });
    return inFlight;
  }

  function schedule() {
    keep();
    say(word("unsaved"));
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  // "input" fires for text, radios and selects alike; "change" would fire again on leaving
  // a field, changing the status under the pointer on its way to a button.
  form.addEventListener("input", schedule);
  form.addEventListener("submit", function (event) {
    // Save, "Save and go to the next section" and Send comment all post this form,
    // which carries every typed answer.  An autosave on its way is waited for, so its
    // versions are the ones sent and the page does not move on before it is stored.
    clearTimeout(timer);
    timer = null;
    keep();
    if (!inFlight) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    say(word("savingFirst"));
    inFlight.then(function () {
      if (submitter && submitter.name) {
        var carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.appendChild(carried);
      }
      HTMLFormElement.prototype.submit.call(form);
    });
  });
  // Resolving or reopening a comment thread leaves the page: what is typed is stored first.
  function stored() {
    if (inFlight) { return inFlight.then(stored); }
    if (timer) { return save(); }
    return Promise.resolve();
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-thread-form]"), function (threadForm) {
    threadForm.addEventListener("submit", function (event) {
      if (!inFlight && !timer) { return; }
      event.preventDefault();
      var submitter = event.submitter;
      say(word("savingFirst"));
      stored().then(function () {
        if (submitter && submitter.name) {
          var carried = document.createElement("input");
          carried.type = "hidden";
          carried.name = submitter.name;
          carried.value = submitter.value;
          threadForm.appendChild(carried);
        }
        HTMLFormElement.prototype.submit.call(threadForm);
      });
    });
  });

  // Back on the item after Save: what was saved is said beside the Save button too.
  if (location.hash.indexOf("#item-") === 0) {
    var flash = document.querySelector(".flashes .notice");
    if (flash) { say(flash.textContent.trim()); }
  }
  offerRestore();
})();
