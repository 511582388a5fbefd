// Custody console: keeps the scan field ready for a keyboard-wedge scanner
// (which types into whatever has focus, then presses Enter). No inline
// scripts anywhere: the Content-Security-Policy allows only this file and htmx.
(function () {
  "use strict";

  function scanField() {
    return document.querySelector("input[data-scan]");
  }

  // Focused and selected, so that the next scan replaces the last code.
  function ready() {
    var f = scanField();
    if (f) {
      f.focus();
      f.select();
    }
  }

  document.addEventListener("DOMContentLoaded", ready);

  // After a scan answered in place (not found), back to the field.
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.target && e.target.matches && e.target.matches("form.scan")) {
      ready();
    }
  });

  // A click on empty page space must not strand the scanner's keystrokes.
  document.addEventListener("click", function (e) {
    if (e.target.closest("a, button, input, select, textarea, label, summary, form, table")) {
      return;
    }
    if (window.getSelection && String(window.getSelection())) {
      return;
    }
    var f = scanField();
    if (f) {
      f.focus();
    }
  });

  // Destructive buttons ask first (suspend, revoke, deactivate).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // CSV import: a chosen file is read into the textarea (one form field,
  // no multipart), where it can still be checked before importing.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-into]") || !input.files[0]) {
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      var target = document.getElementById(input.getAttribute("data-into"));
      if (target) {
        target.value = String(reader.result);
      }
    };
    reader.readAsText(input.files[0]);
  });
})();
