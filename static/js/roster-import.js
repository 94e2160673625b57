// The roster import's progress bar: polls the import's status URL and moves the
// bar; when the step ends (checked, imported, not imported) the page reloads to
// show the result. A submitted import form disables its button (one job per file;
// the server refuses a second start anyway).
(function () {
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    });
  });
  const bar = document.querySelector("progress[data-status-url]");
  if (!bar) return;
  const label = document.querySelector("[data-progress-label]");
  const started = bar.dataset.status;
  async function poll() {
    try {
      const response = await fetch(bar.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const status = await response.json();
        if (status.percent === null) bar.removeAttribute("value");
        else bar.value = status.percent;
        if (status.status !== started) {
          if (label) label.textContent = status.label;
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection: the next poll tries again.
    }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1000);
})();
