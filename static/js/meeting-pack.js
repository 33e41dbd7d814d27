// Follow a meeting pack's progress: poll its status and reload the page when it is done.
// Without JavaScript the page offers a "Refresh now" link instead.
(function () {
  "use strict";
  var box = document.getElementById("pack-job");
  if (!box || box.getAttribute("data-active") !== "true" || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var progress = document.getElementById("pack-progress");
  var count = document.getElementById("pack-count");
  var status = document.getElementById("pack-status");

  function show(state) {
    if (state.total) {
      progress.max = state.total;
    }
    progress.value = state.done;
    count.textContent = state.done + " / " + (state.total || "?");
    var label = status.getAttribute("data-label-" + state.status);
    if (label) {
      status.textContent = label;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.status === "finished" || state.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1500);
})();
