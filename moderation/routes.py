"""Moderation pages: the review queue, item pages, actions, members, audit log, dashboard;
members' report and appeal forms; the public transparency page.

Thin routes: parse a form, call moderation.actions / reports / appeals, render or redirect.
Every /moderation/ route is for moderators and admins (anonymous -> log in, members -> 403).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from forum.boards.queries import first_post
from forum.privacy.iphash import account_key
from forum.extensions import db, limiter
from forum.markup import plain_text
from forum.models import Post, User
from forum.pagination import make_page
from forum.redirects import safe_target
from forum.text import parse_id
from forum.permissions import moderator_required
from forum.visibility import can_see_post
from moderation import actions, appeals, audit, audit_text, charts, dashboard as stats, known, plain_reasons, queue, reports, triage
from moderation.forms import (
    AppealForm,
    AuditFilterForm,
    BanForm,
    BulkForm,
    ContextNoteForm,
    DecisionForm,
    KnownClaimForm,
    KnownProviderForm,
    KnownToggleForm,
    ModEditForm,
    NoteOnlyForm,
    QueueFilterForm,
    ReportForm,
    SuspendForm,
    WarnForm,
    choices,
)
from moderation.models import (
    HIDE_REASON_CHOICES,
    LABEL_NAMES,
    LABELS,
    PROVIDER_KINDS,
    REPORT_REASONS,
    KnownClaim,
    KnownProvider,
)

bp = Blueprint("moderation", __name__)
AUDIT_PER_PAGE = 50
UNDO_KEY = "moderation_undo"


# ---- helpers ----

def _post_or_404(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404, description="That post does not exist.")
    return post


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="That member does not exist.")
    return user


def _safe_next(value: str | None, fallback: str) -> str:
    """Only redirect back into the moderation pages."""
    return safe_target(value, fallback, prefix="/moderation/")


def _form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors) or "The form was incomplete."


def _item_page(post: Post, error: str | None = None, status: int = 200, **forms):
    item = queue.item_for(post.id)
    return render_template(
        "moderation/item.html", item=item, post=post, error=error,
        history=audit.for_post(post.id), labels_history=queue.label_history(post.id),
        can_decide=actions.can_act_on_post(current_user, post, decision=True),
        can_act=actions.can_act_on_post(current_user, post),
        can_act_on_author=actions.can_act_on_user(current_user, post.author),
        note_form=forms.get("note_form") or ContextNoteForm(context_note=post.context_note or ""),
        warn_form=forms.get("warn_form") or WarnForm(post_id=str(post.id)),
        suspend_form=forms.get("suspend_form") or SuspendForm(post_id=str(post.id)),
    ), status


def _report_rate() -> str:
    return current_app.config["RATE_REPORT"]


def _report_address_rate() -> str:
    return current_app.config["RATE_REPORT_ADDRESS"]


def _excerpt(post: Post, length: int = 240) -> str:
    text = plain_text(post.body_html)
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


@bp.context_processor
def _moderation_names() -> dict:
    return {"hide_reasons": HIDE_REASON_CHOICES, "label_names": LABEL_NAMES, "labels": LABELS,
            "report_reasons": REPORT_REASONS, "reason_names": queue.REASON_NAMES,
            "action_names": audit.ACTION_NAMES, "excerpt": _excerpt, "describe_entry": audit_text.describe,
            "entry_changes": audit_text.changes, "tell_flag": plain_reasons.tell}


@bp.app_template_filter("readable_time")
def _readable_time(value) -> str:
    return audit_text.readable_time(value)


@bp.app_template_global()
def appeal_state(post):
    """For boards/_post.html: what the author of a hidden or held post may do."""
    return appeals.state_for(post, current_user)


@bp.app_template_global()
def can_report(post) -> bool:
    return (current_user.is_authenticated and current_user.id != post.author_id and post.deleted_at is None
            and current_user.can_participate)


# ---- the queue ----

@bp.route("/moderation/")
@moderator_required
def home():
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/queue", endpoint="queue")
@moderator_required
def queue_page():
    form = QueueFilterForm(request.args)
    categories = queue.categories()
    form.category.choices = choices([("", "All categories")] + [(c.slug, c.name) for c in categories])
    if not form.validate():
        abort(400, description="Unknown filter: " + _form_errors(form))
    f = queue.QueueFilter(reason=form.reason.data or None, category=form.category.data or None,
                          state=form.state.data or "open")
    per_page = current_app.config["MODERATION_QUEUE_PER_PAGE"]
    page = make_page(request.args.get("page"), per_page, queue.count(f))
    items = queue.build_items(queue.post_ids(f, page.offset, per_page))
    args = {k: v for k, v in (("reason", f.reason), ("category", f.category), ("state", f.state)) if v}
    if args.get("state") == "open":
        args.pop("state")
    here = url_for("moderation.queue", page=page.number if page.number > 1 else None, **args)
    return render_template("moderation/queue.html", items=items, page=page, form=form, filters=args, here=here,
                           bulk_form=BulkForm(), counts=queue.open_counts_by_reason(), state=f.state,
                           undo=triage.still_undoable(session.pop(UNDO_KEY, None)),
                           can_decide=lambda p: actions.can_act_on_post(current_user, p, decision=True))


@bp.route("/moderation/bulk", methods=["POST"])
@moderator_required
def bulk():
    form = BulkForm()
    back = _safe_next(form.next.data, url_for("moderation.queue"))
    if not form.validate_on_submit():
        return render_template("moderation/problem.html", message=_form_errors(form), back=back), 400
    try:
        result = actions.bulk(current_user, form.post_ids.data, form.action.data, form.note.data)
    except actions.ActionError as exc:
        db.session.rollback()
        return render_template("moderation/problem.html", message=str(exc), back=back), exc.status
    verb = "Approved" if form.action.data == "approve" else "Hid"
    if result.done:
        flash(f"{verb} {len(result.done)} item{'s' if len(result.done) != 1 else ''}.", "success")
    for post_id, why in result.skipped:
        flash(f"Post {post_id} was skipped: {why}", "error")
    return redirect(back)


# ---- one item ----

@bp.route("/moderation/post/<int:post_id>")
@moderator_required
def item(post_id: int):
    return _item_page(_post_or_404(post_id))


@bp.route("/moderation/post/<int:post_id>/<any(approve, hide, restore):action>", methods=["POST"])
@moderator_required
def decide(post_id: int, action: str):
    post = _post_or_404(post_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _item_page(post, _form_errors(form), 400)
    before = triage.visibility_before(post)
    try:
        if action == "hide":
            decision = actions.hide(current_user, post, form.reason.data or None, form.note.data,
                                    form.chosen_labels(), seen=form.seen_id())
        else:
            decision = getattr(actions, action)(current_user, post, form.note.data, form.chosen_labels(),
                                                seen=form.seen_id())
    except actions.ActionError as exc:
        db.session.rollback()
        return _item_page(post, str(exc), exc.status)
    flash(triage.done_message(action, post, before, decision), "success")
    undo = triage.undo_for(action, post, before, decision)
    if undo is not None:
        session[UNDO_KEY] = undo.as_dict()
    else:
        session.pop(UNDO_KEY, None)
    return redirect(_safe_next(form.next.data, url_for("moderation.item", post_id=post.id)))


@bp.route("/moderation/post/<int:post_id>/edit", methods=["GET", "POST"])
@moderator_required
def edit(post_id: int):
    post = _post_or_404(post_id)
    if not actions.can_act_on_post(current_user, post):
        abort(403, description="Only an admin can act on an admin's post.")
    form = ModEditForm(obj=post)
    if request.method == "GET":
        form.title.data = post.thread.title
    if form.validate_on_submit():
        try:
            actions.edit(current_user, post, form.body.data, form.title.data if post.number == 1 else None,
                         form.note.data)
        except actions.ActionError as exc:
            db.session.rollback()
            form.body.errors = list(form.body.errors) + [str(exc)]
        else:
            flash("The post is edited; the earlier version is kept in its history.", "success")
            return redirect(url_for("moderation.item", post_id=post.id))
    return render_template("moderation/edit.html", form=form, post=post), 400 if form.errors else 200


@bp.route("/moderation/post/<int:post_id>/context-note", methods=["POST"])
@moderator_required
def context_note(post_id: int):
    post = _post_or_404(post_id)
    form = ContextNoteForm()
    if not form.validate_on_submit():
        return _item_page(post, _form_errors(form), 400, note_form=form)
    try:
        actions.set_context_note(current_user, post, form.context_note.data, form.note.data)
    except actions.ActionError as exc:
        db.session.rollback()
        return _item_page(post, str(exc), exc.status, note_form=form)
    flash("The moderator note is saved." if post.context_note else "The moderator note is removed.", "success")
    return redirect(url_for("moderation.item", post_id=post.id))


@bp.route("/moderation/post/<int:post_id>/<any(lock, unlock):action>", methods=["POST"])
@moderator_required
def lock(post_id: int, action: str):
    post = _post_or_404(post_id)
    form = NoteOnlyForm()
    if not form.validate_on_submit():
        return _item_page(post, _form_errors(form), 400)
    try:
        actions.set_locked(current_user, post, action == "lock", form.note.data)
    except actions.ActionError as exc:
        db.session.rollback()
        return _item_page(post, str(exc), exc.status)
    flash("The thread is locked: no new replies." if action == "lock" else "The thread is open for replies again.",
          "success")
    return redirect(_safe_next(form.next.data, url_for("moderation.item", post_id=post.id)))


# ---- members ----

def _context_post(raw: str | None, target: User) -> Post | None:
    if (post_id := parse_id(raw)) is not None:
        post = db.session.get(Post, post_id)
        if post is not None and post.author_id == target.id:
            return post
    return None


def _user_page(target: User, error: str | None = None, status: int = 200, **forms):
    history = queue.author_histories([target.id], set()).get(target.id)
    return render_template(
        "moderation/user.html", target=target, history=history, error=error,
        entries=audit.for_user(target.id), can_act=actions.can_act_on_user(current_user, target),
        warn_form=forms.get("warn_form") or WarnForm(), suspend_form=forms.get("suspend_form") or SuspendForm(),
        note_form=NoteOnlyForm(),
    ), status


@bp.route("/moderation/user/<int:user_id>")
@moderator_required
def user(user_id: int):
    return _user_page(_user_or_404(user_id))


@bp.route("/moderation/user/<int:user_id>/warn", methods=["POST"])
@moderator_required
def warn(user_id: int):
    target = _user_or_404(user_id)
    form = WarnForm()
    if not form.validate_on_submit():
        return _user_page(target, _form_errors(form), 400, warn_form=form)
    try:
        actions.warn(current_user, target, form.message.data, _context_post(form.post_id.data, target))
    except actions.ActionError as exc:
        db.session.rollback()
        return _user_page(target, str(exc), exc.status, warn_form=form)
    flash(f"{target.username} is warned; they will see your message in their notifications.", "success")
    return redirect(url_for("moderation.user", user_id=target.id))


@bp.route("/moderation/user/<int:user_id>/suspend", methods=["POST"])
@moderator_required
def suspend(user_id: int):
    target = _user_or_404(user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _user_page(target, _form_errors(form), 400, suspend_form=form)
    try:
        actions.suspend(current_user, target, form.days.data, form.note.data, _context_post(form.post_id.data, target))
    except actions.ActionError as exc:
        db.session.rollback()
        return _user_page(target, str(exc), exc.status, suspend_form=form)
    flash(f"{target.username} is suspended until {target.suspended_until:%d %b %Y %H:%M} UTC.", "success")
    return redirect(url_for("moderation.user", user_id=target.id))


@bp.route("/moderation/user/<int:user_id>/<any(unsuspend, unban):action>", methods=["POST"])
@moderator_required
def lift(user_id: int, action: str):
    target = _user_or_404(user_id)
    form = NoteOnlyForm()
    if not form.validate_on_submit():
        return _user_page(target, _form_errors(form), 400)
    try:
        getattr(actions, action)(current_user, target, form.note.data)
    except actions.ActionError as exc:
        db.session.rollback()
        return _user_page(target, str(exc), exc.status)
    flash(f"{target.username}'s {'suspension' if action == 'unsuspend' else 'ban'} is lifted.", "success")
    return redirect(url_for("moderation.user", user_id=target.id))


@bp.route("/moderation/user/<int:user_id>/ban", methods=["GET", "POST"])
@moderator_required
def ban(user_id: int):
    """Banning is confirmed on a page of its own, with the consequences spelled out."""
    target = _user_or_404(user_id)
    if not actions.can_act_on_user(current_user, target):
        try:
            actions.check_user_action(current_user, target)
        except actions.ActionError as exc:
            abort(exc.status, description=str(exc))
    form = BanForm(post_id=request.args.get("post", ""))
    if form.validate_on_submit():
        try:
            actions.ban(current_user, target, form.note.data, _context_post(form.post_id.data, target))
        except actions.ActionError as exc:
            db.session.rollback()
            form.note.errors = list(form.note.errors) + [str(exc)]
        else:
            flash(f"{target.username} is banned and logged out everywhere.", "success")
            return redirect(url_for("moderation.user", user_id=target.id))
    return render_template("moderation/ban.html", target=target, form=form), 400 if form.errors else 200


# ---- log and numbers ----

@bp.route("/moderation/audit")
@moderator_required
def audit_log():
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(400, description="Unknown filter: " + _form_errors(form))
    f = audit.AuditFilter(action=form.action.data or None, post_id=form.post.data, user_id=form.user.data)
    page = make_page(request.args.get("page"), AUDIT_PER_PAGE, audit.count(f))
    args = {k: v for k, v in (("action", f.action), ("post", f.post_id), ("user", f.user_id)) if v}
    return render_template("moderation/audit.html", entries=audit.entries(f, page.offset, AUDIT_PER_PAGE),
                           page=page, form=form, filters=args, action_names=audit.ACTION_NAMES)


@bp.route("/moderation/dashboard")
@moderator_required
def dashboard():
    data = stats.dashboard()
    return render_template("moderation/dashboard.html", data=data, chart=charts.flags_per_day_chart(data.per_day),
                           reason_names=queue.REASON_NAMES, label_names=LABEL_NAMES)


@bp.route("/transparency")
def transparency():
    months = stats.transparency(12)
    chart = charts.flags_per_month_chart([(m.month, m.flagged) for m in reversed(months)])
    return render_template("moderation/transparency.html", months=stats.active_months(months), period=len(months),
                           chart=chart, labels=LABELS, label_names=LABEL_NAMES, report_reasons=REPORT_REASONS)


# ---- known claims and providers (issue 19) ----

_KNOWN = {
    "claims": dict(model=KnownClaim, form=KnownClaimForm, template="moderation/claims.html", noun="claim",
                   listing=lambda: known.claims(), retire=known.retire_claim, restore=known.restore_claim),
    "providers": dict(model=KnownProvider, form=KnownProviderForm, template="moderation/providers.html",
                      noun="provider", listing=lambda: known.providers(), retire=known.retire_provider,
                      restore=known.restore_provider),
}


def _known_page(kind: str, form=None, error: str | None = None, status: int = 200):
    spec = _KNOWN[kind]
    active, retired = spec["listing"]()
    return render_template(spec["template"], form=form or spec["form"](), active=active, retired=retired,
                           toggle_form=KnownToggleForm(), error=error, provider_kinds=PROVIDER_KINDS), status


def _add_known(kind: str, form) -> object:
    if kind == "claims":
        return known.add_claim(current_user, form.claim.data, form.paraphrases.data, form.evidence_url.data,
                               form.evidence_title.data)
    return known.add_provider(current_user, form.name.data, form.kind.data, form.domains.data,
                              form.phone_prefixes.data, form.note.data)


@bp.route("/moderation/<any(claims, providers):kind>", methods=["GET", "POST"])
@moderator_required
def known_list(kind: str):
    """The list and the form to add one; bad input shows the form again with the problem, nothing saved."""
    spec = _KNOWN[kind]
    form = spec["form"]()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _known_page(kind, form, status=400)
        try:
            row = _add_known(kind, form)
        except known.KnownListError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = list(field.errors) + [str(exc)]
            return _known_page(kind, form, None if field is not None else str(exc), exc.status)
        flash(f"Added {spec['noun']} {row.id}; the worker uses it from its next batch.", "success")
        return redirect(url_for("moderation.known_list", kind=kind))
    return _known_page(kind, form)


@bp.route("/moderation/<any(claims, providers):kind>/<int:entry_id>/<any(retire, restore):action>",
          methods=["POST"])
@moderator_required
def known_toggle(kind: str, entry_id: int, action: str):
    spec = _KNOWN[kind]
    row = db.session.get(spec["model"], entry_id)
    if row is None:
        abort(404, description=f"That {spec['noun']} does not exist.")
    form = KnownToggleForm()
    if not form.validate_on_submit():
        return _known_page(kind, error=_form_errors(form), status=400)
    try:
        spec[action](current_user, row, form.note.data)
    except known.ActionError as exc:
        db.session.rollback()
        return _known_page(kind, error=str(exc), status=exc.status)
    flash(f"{'Retired' if action == 'retire' else 'Restored'} {spec['noun']} {row.id}.", "success")
    return redirect(url_for("moderation.known_list", kind=kind))


# ---- members: report and appeal ----

@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(_report_rate, key_func=account_key, methods=["POST"], deduct_when=lambda r: r.status_code == 302)
@limiter.limit(_report_address_rate, methods=["POST"], deduct_when=lambda r: r.status_code == 302)  # one network
def report(post_id: int):
    post = _post_or_404(post_id)
    problem = reports.report_problem(current_user, post)
    if problem is not None:
        abort(problem.status if problem.status != 401 else 403, description=str(problem))
    form = ReportForm()
    already = reports.existing_report(current_user, post)
    if form.validate_on_submit():
        try:
            reports.submit(current_user, post, form.reason.data, form.note.data)
        except reports.ReportError as exc:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [str(exc)]
            return render_template("moderation/report.html", form=form, post=post, already=already), exc.status
        flash("Thank you: the moderators will look at this post. Nobody else learns that you reported it.", "success")
        first = first_post(post.thread)
        if first is not None and can_see_post(first, current_user):
            return redirect(url_for("boards.thread", thread_id=post.thread_id, slug=post.thread.slug))
        return redirect(url_for("boards.index"))
    status = 400 if form.errors else (409 if already and request.method == "POST" else 200)
    return render_template("moderation/report.html", form=form, post=post, already=already), status


@bp.route("/p/<int:post_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(post_id: int):
    post = _post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(403, description="Only the author of a post can appeal a decision about it.")
    state = appeals.state_for(post, current_user)
    if state is None:
        abort(409, description="This post is not hidden or held, so there is nothing to appeal.")
    form = AppealForm()
    if state.can_appeal and form.validate_on_submit():
        try:
            appeals.submit(current_user, post, form.text.data)
        except appeals.AppealError as exc:
            db.session.rollback()
            form.text.errors = list(form.text.errors) + [str(exc)]
            return render_template("moderation/appeal.html", form=form, post=post, state=state), exc.status
        flash("Your appeal is with the moderators. You will get a notification with the outcome.", "success")
        return redirect(url_for("boards.post", post_id=post.id))
    status = 400 if form.errors else (409 if request.method == "POST" else 200)
    return render_template("moderation/appeal.html", form=form, post=post, state=state), status
