// Autosave for the reply and new-thread forms (forum/comfort/posting.py, routes.py /api/drafts).
// Progressive enhancement only: without this file the "Save draft" button keeps the text, and a post
// sent after the session ended is kept by the server. Every few seconds, if the text changed, it is
// sent with the form's CSRF token (X-CSRFToken); the status line says what happened, once per change.
// Once the form is being sent nothing more is saved: the post removes the draft, and a save racing it would
// bring the posted text back (the server also drops a save of text already posted from this form's key).
(function () {
  "use strict";
  var INTERVAL = 4000;
  var BACKOFF = 30000;
  if (!window.fetch || !window.JSON) { return; }

  function setup(form) {
    var url = form.getAttribute("data-draft-url");
    var target = form.getAttribute("data-draft-target");
    var idField = form.querySelector("[data-draft-id]");
    var status = form.querySelector("[data-draft-status]");
    var token = form.querySelector("input[name=csrf_token]");
    var title = form.querySelector("input[name=title]");
    var body = form.querySelector("textarea[name=body]");
    var submission = form.querySelector("input[name=submission]");
    if (!url || !target || !body || !token) { return; }
    var saving = false;
    var submitting = false;
    var waitUntil = 0;
    var lastSent = snapshot();

    function snapshot() { return (title ? title.value : "") + "\u0000" + body.value; }
    function empty() { return !body.value.trim() && !(title && title.value.trim()); }
    function say(text) { if (status && text && status.textContent !== text) { status.textContent = text; } }
    function clock(iso) {
      var when = iso ? new Date(iso) : new Date();
      return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }

    function save(leaving) {
      var text = snapshot();
      if (saving || submitting || text === lastSent || empty() || (!leaving && Date.now() < waitUntil)) { return; }
      saving = true;
      var payload = JSON.stringify({ target: target, draft_id: idField ? idField.value : "",
                                     submission: submission ? submission.value : "",
                                     title: title ? title.value : "", body: body.value });
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: Boolean(leaving) && payload.length < 60000,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token.value },
        body: payload
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          saving = false;
          if (response.ok) {
            lastSent = text;
            if (data.saved) {
              if (idField && data.draft_id) { idField.value = data.draft_id; }
              say("Draft saved at " + clock(data.saved_at) + ".");
            }
            return;
          }
          waitUntil = Date.now() + BACKOFF;
          if (response.status === 401 || response.status === 400 && data.error !== "not_saved") {
            say("Not saved automatically: you have been logged out or this page is out of date. Your text is still " +
                "here; press the post button or “Save draft” and the forum keeps it while you log in again.");
          } else {
            say(data.message || "Not saved automatically just now; your text is still here.");
          }
        });
      }, function () {
        saving = false;
        waitUntil = Date.now() + BACKOFF / 3;
        say("Not saved automatically: no connection. Your text is still here; it is saved when the connection is back.");
      });
    }

    window.setInterval(function () { save(false); }, INTERVAL);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
    window.addEventListener("pagehide", function () { save(true); });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("pageshow", function (event) { if (event.persisted) { submitting = false; } });
  }

  var forms = document.querySelectorAll("form[data-draft-form]");
  for (var i = 0; i < forms.length; i++) { setup(forms[i]); }
})();
