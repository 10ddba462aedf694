// omnilisten 客服台: the only script. Every page works without it; the
// server checks lengths, states and tokens again whatever this does.
// It does three things: the edit box's length counter, confirm dialogs
// before irreversible actions, and one submission per click.
(function () {
  "use strict";

  // Rust's char::is_whitespace (the White_Space property), so trimming here
  // is str::trim() in publish::check_length, not JavaScript's trim(), which
  // also strips U+FEFF and keeps U+0085.
  var WS = "\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var TRIM = new RegExp("^[" + WS + "]+|[" + WS + "]+$", "g");
  var encoder = new TextEncoder();

  // What the server will count: the text as the form submits it (a
  // textarea's line breaks are sent as CRLF), trimmed.
  function published(text) {
    return text.replace(/\r?\n/g, "\r\n").replace(TRIM, "");
  }

  function measure(unit, text) {
    var body = published(text);
    if (unit === "bytes") return encoder.encode(body).length;
    // Code points, like Rust's chars(): an emoji is one, not two.
    return Array.from(body).length;
  }

  // The same text as counter_text in draft.rs.
  function counterText(unit, max, used) {
    var name = unit === "chars" ? "字" : unit === "bytes" ? "字节" : "";
    if (!name || !max) return "不限字数 · " + used + " 字";
    var text = used + " / " + max + " " + name;
    return used > max ? text + " · 超出 " + (used - max) : text;
  }

  function setupCounter(box) {
    var form = box.form;
    var unit = box.getAttribute("data-limit-unit");
    var max = parseInt(box.getAttribute("data-limit-max") || "0", 10);
    var counter = form.querySelector("[data-counter]");
    var save = form.querySelector("[data-save]");
    var approve = document.querySelector("[data-approve]");
    var dirtyHint = document.querySelector("[data-dirty-hint]");
    var overHint = form.querySelector("[data-over-hint]");
    var approveLocked = approve ? approve.disabled : true;

    function update() {
      var used = measure(unit, box.value);
      var over = max > 0 && used > max;
      if (counter) {
        counter.textContent = counterText(unit, max, used);
        counter.classList.toggle("over", over);
      }
      box.setAttribute("aria-invalid", over ? "true" : "false");
      if (save) save.disabled = over;
      if (overHint) overHint.hidden = !over;
      // Approving publishes the saved text, not what is in the box.
      var dirty = box.value !== box.defaultValue;
      if (approve) approve.disabled = approveLocked || dirty;
      if (dirtyHint) dirtyHint.hidden = !dirty;
    }
    box.addEventListener("input", update);
    update();
  }

  function disableButtons(form) {
    form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
      b.disabled = true;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-submitted")) {
      event.preventDefault();
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Marked now, so the second click of a double click is refused above;
    // the buttons are disabled after this event, because a button disabled
    // now would drop out of the submitted fields.
    form.setAttribute("data-submitted", "");
    window.setTimeout(function () { disableButtons(form); }, 0);
  });

  // Back to a page from the history cache: its forms may be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        b.disabled = false;
      });
    });
    document.querySelectorAll("textarea[data-limit-unit]").forEach(function (box) {
      box.dispatchEvent(new Event("input"));
    });
  });

  function init() {
    document.querySelectorAll("textarea[data-limit-unit]").forEach(setupCounter);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
