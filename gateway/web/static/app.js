// Liaison's shared script: small, and nothing depends on it to work (every form also posts without it).
(function () {
  "use strict";

  // htmx requests carry the session's CSRF token, as forms do in their hidden field.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // A form's error summary takes the focus, so that screen readers announce it and keyboards start there.
  function focusErrors(root) {
    var summary = (root || document).querySelector(".error-summary[tabindex]");
    if (summary) {
      summary.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });

  // A submitted form cannot be submitted again by a double click (the server also refuses duplicates).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    window.setTimeout(function () { delete form.dataset.submitting; }, 3000);
  });
})();
