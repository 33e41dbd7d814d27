// Move keyboard and screen-reader focus to an error summary or notice that asks for attention.
(function () {
  "use strict";
  var target = document.querySelector("[data-autofocus]");
  if (!target) {
    return;
  }
  target.focus();
  // A fragment left in the address by the skip link (#main) survives a form's
  // submission and would pull focus back to its target once the page has loaded.
  window.addEventListener("load", function () {
    var active = document.activeElement;
    if (active !== target && (!active || active === document.body || (location.hash && active.id === location.hash.slice(1)))) {
      target.focus();
    }
  });
})();
