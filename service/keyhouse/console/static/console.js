// Keyhouse console: small progressive enhancements. No inline scripts (the CSP forbids them).
"use strict";

// Copy buttons: <button data-copy="ID"> copies the value of the field with that id.
function setUpCopy() {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (error) {
        field.select();
        document.execCommand("copy");
      }
      const done = document.querySelector(`[data-copied-for="${button.dataset.copy}"]`);
      if (done) done.hidden = false;
    });
  });
}

// Forms with data-confirm ask first, in a dialog that says what will happen.
function setUpConfirm() {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog) return;
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.confirmed === "yes") return;
      event.preventDefault();
      document.getElementById("confirm-text").textContent = form.dataset.confirm;
      const ok = document.getElementById("confirm-ok");
      ok.textContent = form.dataset.confirmLabel || "Confirm";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        () => {
          if (dialog.returnValue === "confirm") {
            form.dataset.confirmed = "yes";
            form.requestSubmit();
          }
        },
        { once: true },
      );
      dialog.showModal();
      ok.focus();
    });
  });
}

// <button data-open-dialog="ID"> opens a dialog; [data-close-dialog] closes its own.
function setUpDialogs() {
  document.querySelectorAll("[data-open-dialog]").forEach((button) => {
    button.addEventListener("click", () => {
      document.getElementById(button.dataset.openDialog).showModal();
    });
  });
  document.querySelectorAll("[data-close-dialog]").forEach((button) => {
    button.addEventListener("click", () => button.closest("dialog").close());
  });
  document.querySelectorAll("dialog[data-autoopen]").forEach((dialog) => dialog.showModal());
}

// Radios with data-toggles="ID" show that element; the one marked data-toggle-off hides it.
function setUpToggles() {
  document.querySelectorAll("input[data-toggles]").forEach((radio) => {
    radio.addEventListener("change", () => {
      const target = document.getElementById(radio.dataset.toggles);
      if (target && radio.checked) target.hidden = radio.hasAttribute("data-toggle-off");
    });
  });
}

function toBase64(bytes) {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

// A secret's value: text typed in, or a file read here and base64-encoded, with a live
// counter against the service's limit (which the service enforces in any case).
function setUpValueEditors() {
  document.querySelectorAll("[data-value-editor]").forEach((editor) => {
    const form = editor.closest("form");
    const max = Number(editor.dataset.max);
    const textarea = editor.querySelector("textarea[name=value]");
    const fileInput = editor.querySelector("[data-file-input]");
    const counter = editor.querySelector(".counter");
    const count = editor.querySelector("[data-count]");
    const update = () => {
      count.textContent = String(textarea.value.length);
      counter.classList.toggle("over", textarea.value.length > max);
    };
    const mode = () => form.querySelector("input[data-value-mode]:checked").dataset.valueMode;
    form.querySelectorAll("input[data-value-mode]").forEach((radio) => {
      radio.addEventListener("change", () => {
        editor.querySelectorAll("[data-mode-panel]").forEach((panel) => {
          panel.hidden = panel.dataset.modePanel !== mode();
        });
        textarea.value = "";
        fileInput.value = "";
        update();
      });
    });
    textarea.addEventListener("input", update);
    fileInput.addEventListener("change", async () => {
      const file = fileInput.files[0];
      textarea.value = file ? toBase64(new Uint8Array(await file.arrayBuffer())) : "";
      update();
    });
    update();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCopy();
  setUpConfirm();
  setUpDialogs();
  setUpToggles();
  setUpValueEditors();
});
