// Keyboard shortcuts for the moderation queue. Progressive enhancement only: every action is a
// plain form that works without this file. Keys: j/k next/previous item, a approve, h hide,
// x select for bulk, o open the item page, n write a note.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-review-item]"));
  if (!items.length) { return; }

  var hints = document.querySelector("[data-shortcut-hints]");
  if (hints) { hints.hidden = false; }
  Array.prototype.forEach.call(document.querySelectorAll(".key-hint"), function (el) { el.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll("[data-action=approve]"), function (el) { el.setAttribute("aria-keyshortcuts", "A"); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-action=hide]"), function (el) { el.setAttribute("aria-keyshortcuts", "H"); });

  var current = -1;

  function focusItem(index, quiet) {
    if (index < 0 || index >= items.length) { return; }
    if (current >= 0 && items[current]) { items[current].classList.remove("is-current"); }
    current = index;
    items[current].classList.add("is-current");
    if (quiet) { return; }
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "start" });
  }

  function indexOf(node) {
    for (var i = 0; i < items.length; i++) {
      if (items[i].contains(node)) { return i; }
    }
    return -1;
  }

  // After an action the server sends us back to #item-<next>: focus it. On a fresh visit the
  // first item is only marked current, so the page still opens at the top for screen readers.
  var start = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (start && items.indexOf(start) >= 0) { focusItem(items.indexOf(start)); } else { focusItem(0, true); }

  document.addEventListener("focusin", function (event) {
    var i = indexOf(event.target);
    if (i >= 0 && i !== current) {
      if (current >= 0) { items[current].classList.remove("is-current"); }
      current = i;
      items[current].classList.add("is-current");
    }
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function press(selector) {
    var item = items[current];
    var control = item && item.querySelector(selector);
    if (control) { control.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var handled = true;
    switch (event.key) {
      case "j": focusItem(Math.min(items.length - 1, current + 1)); break;
      case "k": focusItem(Math.max(0, current - 1)); break;
      case "a": handled = press("[data-action=approve]"); break;
      case "h": handled = press("[data-action=hide]"); break;
      case "o": handled = press("[data-open]"); break;
      case "x": handled = press("[data-select]"); break;
      case "n":
        var note = items[current] && items[current].querySelector("[data-note]");
        if (note) {
          var fold = note.closest("details");
          if (fold) { fold.open = true; }
          note.focus();
        } else { handled = false; }
        break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
})();
