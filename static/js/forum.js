// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    var firstInvalid = document.querySelector("[aria-invalid=true]");
    (firstInvalid || summary).focus();
  }
})();
