// A live count of the characters used in every field marked with
// data-maxlength-counter (its value is the wording, with {count} and {max}).
// The server checks the limit too, so nothing depends on this script.
(() => {
  const fields = document.querySelectorAll("[data-maxlength-counter][maxlength]");
  for (const field of fields) {
    const max = Number(field.getAttribute("maxlength"));
    const counter = document.createElement("div");
    counter.className = "form-text text-end maxlength-counter";
    counter.id = `${field.id || field.name}-counter`;
    counter.setAttribute("aria-live", "polite");
    counter.dataset.testid = "maxlength-counter";
    const update = () => {
      // Count as the server does: characters, not UTF-16 units (一 and 😀 are one each).
      const count = Array.from(field.value).length;
      counter.textContent = field.dataset.maxlengthCounter
        .replace("{count}", count.toLocaleString())
        .replace("{max}", max.toLocaleString());
      counter.classList.toggle("text-danger", count >= max);
    };
    field.setAttribute(
      "aria-describedby",
      [field.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "),
    );
    field.insertAdjacentElement("afterend", counter);
    field.addEventListener("input", update);
    update();
  }
})();
