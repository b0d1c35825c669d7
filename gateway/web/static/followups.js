// My follow-ups: the calendar address's Copy button (the address is also selectable without it).
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var field = document.querySelector(button.dataset.copy);
    var status = button.parentElement.querySelector(".copy-status");
    function done() {
      if (status) {
        status.textContent = button.dataset.copied;
      }
    }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
