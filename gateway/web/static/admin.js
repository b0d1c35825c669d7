// Administration: a form marked data-progress shows its progress bar and cannot be sent twice while
// the server works (a partner import's upload can take a while; the import itself is then a job the page follows).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-progress]")) return;
  if (form.dataset.sending === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "true";
  var status = document.getElementById(form.dataset.progress);
  if (status) status.hidden = false;
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
  });
});
