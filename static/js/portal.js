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
// A list's filters fold on a phone (templates/filters.html); from Bootstrap's md
// breakpoint they are open, also in browsers whose CSS cannot open them.
{
  const wideScreen = window.matchMedia("(min-width: 768px)");
  const openFiltersWhenWide = () => {
    if (!wideScreen.matches) return;
    for (const details of document.querySelectorAll("details.portal-filters")) details.open = true;
  };
  openFiltersWhenWide();
  wideScreen.addEventListener("change", openFiltersWhenWide);
}
// A table wider than the screen scrolls inside its .table-responsive box: the box
// takes the keyboard focus too, so that it can be scrolled with the arrow keys.
for (const box of document.querySelectorAll(".table-responsive")) {
  if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) box.tabIndex = 0;
}
