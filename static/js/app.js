// Move keyboard and screen-reader focus to an error summary or notice that asks for attention.
(function () {
  "use strict";
  var target = document.querySelector("[data-autofocus]");
  if (target) {
    target.focus();
  }
})();
