// Behaviour the pages share, kept out of the HTML so a strict Content Security
// Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// A field whose choice decides the next field's options (a notice, then its
// lines) presses the button named in its data-submit-with as soon as it changes;
// the button stays for browsers without script.
document.addEventListener("change", (event) => {
  const name = event.target.dataset.submitWith;
  const button = name && event.target.form?.querySelector(`button[name="${name}"]`);
  if (button) event.target.form.requestSubmit(button);
});
