// Behaviour the pages share, kept out of the HTML so a strict Content Security
// Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
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
