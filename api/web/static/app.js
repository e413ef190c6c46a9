// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Select all" in a table or form of checkboxes (the verification queue).
  for (const all of document.querySelectorAll("input.select-all")) {
    const scope = all.closest("table, form");
    all.addEventListener("change", () => {
      for (const box of scope.querySelectorAll('input[type="checkbox"][name="pick"]')) {
        box.checked = all.checked;
      }
    });
  }
  // A refused form: bring it into view and focus its first field.
  const refused = document.querySelector(".forms [role='alert']");
  if (refused) {
    const section = refused.closest("section");
    section.scrollIntoView({ block: "start" });
    const field = section.querySelector("textarea, input:not([type='hidden']), select");
    if (field) field.focus();
  }
});
