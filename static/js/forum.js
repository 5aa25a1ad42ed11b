// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    var firstInvalid = document.querySelector("[aria-invalid=true]");
    (firstInvalid || summary).focus();
  }

  // A table too wide for the screen scrolls inside the post or its own box (forum.css, moderation.css);
  // make it reachable by keyboard then.
  function scrollableTables() {
    var tables = document.querySelectorAll(".post-body table, main table, .table-scroll");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0" && document.activeElement !== table) {
        table.removeAttribute("tabindex");
      }
    }
  }
  scrollableTables();
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(scrollableTables, 200);
  });
})();
