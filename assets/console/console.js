// Custody console: keeps the scan field ready for a keyboard-wedge scanner
// (which types into whatever has focus, then presses Enter), sounds the
// outcome of the last action, and keeps a scanner's Enter away from
// decisions. No inline scripts anywhere: the Content-Security-Policy allows
// only this file and htmx.
(function () {
  "use strict";

  function scanField() {
    return document.querySelector("input[data-scan]");
  }

  // Focused and selected, so that the next scan replaces the last code
  // (and a misread, put back after a refusal, can be seen and replaced).
  function ready() {
    var f = scanField();
    if (f) {
      f.focus();
      f.select();
    }
  }

  // ---- sounds, made in the page (no audio file): a worker looking at the
  // shelf, not the screen, hears a refusal.
  var TONES = {
    // Two low, harsh beeps: refused, nothing changed.
    error: [[196, 0.16, "square"], [0, 0.08], [147, 0.28, "square"]],
    // One middle beep: done, but look at the screen.
    warn: [[523, 0.18, "triangle"]],
    // One short high blip: done.
    ok: [[1046, 0.07, "sine"]]
  };

  function play(kind) {
    var tones = TONES[kind];
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!tones || !Ctx) {
      return;
    }
    var ctx;
    try {
      ctx = new Ctx();
    } catch (e) {
      return;
    }
    var t = ctx.currentTime + 0.02;
    tones.forEach(function (tone) {
      if (tone[0] > 0) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.type = tone[2];
        osc.frequency.value = tone[0];
        gain.gain.setValueAtTime(0.25, t);
        gain.gain.exponentialRampToValueAtTime(0.001, t + tone[1]);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t);
        osc.stop(t + tone[1]);
      }
      t += tone[1];
    });
    // What was played, for the browser tests and for a curious supervisor.
    document.documentElement.setAttribute("data-sound", kind);
    document.documentElement.setAttribute("data-sound-state", ctx.state);
    if (ctx.state === "suspended") {
      // Without a gesture yet the browser holds the sound back; the next
      // key (the scanner's) releases it.
      var resume = function () {
        ctx.resume().then(function () {
          document.documentElement.setAttribute("data-sound-state", ctx.state);
        });
      };
      document.addEventListener("keydown", resume, { once: true });
      document.addEventListener("pointerdown", resume, { once: true });
    }
    window.setTimeout(function () {
      ctx.close();
    }, (t - ctx.currentTime + 0.5) * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    ready();
    var kind = document.body.getAttribute("data-alert");
    if (kind && kind !== "none") {
      play(kind);
    }
    var auto = document.querySelector("[data-autoprint]");
    if (auto) {
      window.print();
    }
    // A print just recorded (the label's first print or a reprint): print it.
    var now = document.querySelector("[data-print-now]");
    if (now) {
      now.click();
    }
  });

  // After a scan answered in place (not found), back to the field.
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.target && e.target.matches && e.target.matches("form.scan")) {
      ready();
      var shown = document.querySelector("#scan-result [data-kind]");
      if (shown) {
        play(shown.getAttribute("data-kind"));
      }
    }
  });

  // A click on empty page space must not strand the scanner's keystrokes.
  document.addEventListener("click", function (e) {
    if (e.target.closest("a, button, input, select, textarea, label, summary, form, table, details")) {
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

  // A field that needs a second one filled first (a return parcel's label,
  // then its weight): a scanner's Enter moves on to it while it is empty.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.getAttribute) {
      return;
    }
    var next = e.target.getAttribute("data-next");
    var field = next && document.getElementById(next);
    if (field && !field.value) {
      e.preventDefault();
      field.focus();
    }
  });

  // A scanner ends every code with Enter. In a form that records a
  // decision (a verdict, a confirm, a count) Enter must not submit: only a
  // deliberate click or tap on its button does. The pages never focus such
  // a form, and the server holds each decision to what was scanned before
  // it (the unit a verdict is for, the bin a confirm is for), so a browser
  // without this script cannot be fooled into one either.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.closest) {
      return;
    }
    var form = e.target.closest("form[data-decision]");
    if (form && e.target.tagName !== "TEXTAREA" && e.target.tagName !== "BUTTON") {
      e.preventDefault();
      form.setAttribute("data-enter-blocked", String(Number(form.getAttribute("data-enter-blocked") || 0) + 1));
    }
  });

  // Destructive admin buttons ask first (suspend, revoke, deactivate).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // A sheet of labels in the page itself: print the page.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print-page]");
    if (button) {
      document.documentElement.setAttribute("data-printed", "page");
      window.print();
    }
  });

  // Print a label without leaving the page: load it in a hidden frame and
  // print that frame.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-print-frame]");
    if (!link) {
      return;
    }
    e.preventDefault();
    var old = document.getElementById("print-frame");
    if (old) {
      old.remove();
    }
    var frame = document.createElement("iframe");
    frame.id = "print-frame";
    frame.title = "print";
    frame.className = "print-frame";
    frame.addEventListener("load", function () {
      document.documentElement.setAttribute("data-printed", link.getAttribute("href"));
      frame.contentWindow.focus();
      frame.contentWindow.print();
    });
    frame.src = link.getAttribute("href");
    document.body.appendChild(frame);
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
