// Reviewers' comparison: count the countries ticked for the side-by-side view and
// stop a submission with too few or too many (the server checks again without script).
(function () {
  "use strict";

  var form = document.getElementById("side-by-side-form");
  var status = document.getElementById("selection-status");
  if (form && status) {
    var min = parseInt(status.getAttribute("data-min"), 10) || 2;
    var max = parseInt(status.getAttribute("data-max"), 10) || 5;
    var template = status.getAttribute("data-template") || "{n}";
    var submit = form.querySelector("button[type=submit]");
    var update = function () {
      var n = form.querySelectorAll("input[name=country]:checked").length;
      status.textContent = template.replace("{n}", String(n));
      var ok = n >= min && n <= max;
      status.classList.toggle("is-invalid", n > 0 && !ok);
      if (submit) {
        submit.setAttribute("aria-disabled", ok ? "false" : "true");
      }
    };
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "country") {
        update();
      }
    });
    form.addEventListener("submit", function (event) {
      var n = form.querySelectorAll("input[name=country]:checked").length;
      if (n < min || n > max) {
        event.preventDefault();
        update();
        status.focus();
      }
    });
    status.setAttribute("tabindex", "-1");
    if (form.querySelectorAll("input[name=country]:checked").length) {
      update();
    }
  }
})();
