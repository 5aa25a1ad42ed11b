// Single-key shortcuts (listed on /keyboard): j / k next and previous post, r reply, u first unread,
// ? the shortcuts page. They never fire while typing in a field or with Ctrl, Alt or Cmd held, and a
// member can turn them off under Reading comfort (WCAG 2.1.4), which puts data-shortcuts="off" on <html>.
(function () {
  "use strict";
  var root = document.documentElement;
  if (root.getAttribute("data-shortcuts") === "off") { return; }

  var hints = document.querySelectorAll("[data-shortcut-hint]");
  for (var h = 0; h < hints.length; h++) { hints[h].hidden = false; }
  var reviewPage = Boolean(document.querySelector("[data-review-item]"));  // moderation.js owns j and k there
  var posts = Array.prototype.slice.call(document.querySelectorAll("article.post"));
  var replyBox = document.querySelector(".reply textarea");
  if (replyBox) { replyBox.setAttribute("aria-keyshortcuts", "R"); }

  function typing(el) {
    if (!el || el === document.body) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
           Boolean(el.closest && el.closest("[contenteditable]:not([contenteditable=false])"));
  }

  function show(el) {
    if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "start" });  // instant: no smooth scrolling to make anyone dizzy
  }

  function currentIndex() {
    for (var i = 0; i < posts.length; i++) {
      if (posts[i].contains(document.activeElement)) { return i; }
    }
    return -1;
  }

  function step(direction) {
    if (!posts.length) { return false; }
    var i = currentIndex();
    if (i < 0) {
      // Nothing focused yet: start from what is on screen.
      i = direction > 0 ? -1 : posts.length;
      for (var p = 0; p < posts.length; p++) {
        var top = posts[p].getBoundingClientRect().top;
        if (direction > 0 && top > 1) { i = p - 1; break; }
        if (direction < 0 && top < -1) { i = p + 1; }
      }
    }
    var next = Math.min(posts.length - 1, Math.max(0, i + direction));
    show(posts[next]);
    return true;
  }

  function helpUrl() {
    var link = document.querySelector("a[href$='/keyboard']");
    return link ? link.href : "/keyboard";
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var handled = false;
    switch (event.key) {
      case "?":
        window.location.href = helpUrl();
        handled = true;
        break;
      case "j":
        handled = !reviewPage && step(1);
        break;
      case "k":
        handled = !reviewPage && step(-1);
        break;
      case "r":
        if (!reviewPage && replyBox) { replyBox.focus(); replyBox.scrollIntoView({ block: "center" }); handled = true; }
        break;
      case "u":
        var marker = document.getElementById("unread");
        var first = marker && marker.nextElementSibling;
        if (!reviewPage && first) { show(first); handled = true; }
        break;
    }
    if (handled) { event.preventDefault(); }
  });
})();
