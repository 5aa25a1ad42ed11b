"""Moderator decisions as training lines for `flask --app wsgi moderation train --include-decisions`.

Each line: {"id", "text", "clinic_promotion": 0|1, "misinformation": 0|1, "kind": "moderator_decision"}.

Choices (documented for the trainer):
- A label's value is the *latest* moderator verdict on it for that text (confirmed -> 1, rejected -> 0),
  so a hide later reversed on appeal counts as rejected.
- The text is the post as it was when the verdict was given (the revision current at that moment),
  not as it reads now: a moderator may have edited the offending sentence out afterwards. Verdicts
  given on different revisions make separate lines.
- A post judged on only one label takes the other from any verdict on that label for the same text;
  failing that, if the latest moderator decision was approve/restore ("not a problem" for the whole
  post) the other label is 0; otherwise (a hide for one reason) the line is skipped, since nobody said
  whether the other label applies.
- Verdicts on labels the classifier did not flag (a moderator confirmed a label on a reported post)
  are included too: they are the misses the classifier should learn from.
- id: "decision-<flag id>" (the lowest decided flag id on that post), with "-r<revision>" for lines
  from earlier revisions; "decision-post-<post id>" when no flag was involved.
Needs an app context.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from forum.extensions import db
from forum.markup import plain_text
from forum.models import PostRevision
from moderation.models import LABELS, Decision, LabelDecision

NOT_A_PROBLEM = ("approve", "restore")


def _revision_at(revisions: list[PostRevision], when) -> PostRevision | None:
    current = None
    for revision in revisions:  # ascending by number
        if revision.created_at <= when:
            current = revision
    return current or (revisions[0] if revisions else None)


def training_examples() -> list[dict]:
    verdicts = list(db.session.scalars(select(LabelDecision).where(LabelDecision.moderator_id.is_not(None))
                                        .order_by(LabelDecision.created_at, LabelDecision.id)))
    if not verdicts:
        return []
    post_ids = sorted({v.post_id for v in verdicts})
    revisions: dict[int, list[PostRevision]] = defaultdict(list)
    for revision in db.session.scalars(select(PostRevision).where(PostRevision.post_id.in_(post_ids))
                                       .order_by(PostRevision.post_id, PostRevision.number)):
        revisions[revision.post_id].append(revision)
    decisions = {d.id: d for d in db.session.scalars(select(Decision).where(Decision.id.in_({v.decision_id for v in verdicts})))}

    # (post, revision number) -> label -> latest verdict; and the latest decision action on that text
    labels: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    last_action: dict[tuple[int, int], str] = {}
    flag_ids: dict[int, set[int]] = defaultdict(set)
    texts: dict[tuple[int, int], str] = {}
    for verdict in verdicts:
        revision = _revision_at(revisions[verdict.post_id], verdict.created_at)
        if revision is None:
            continue
        key = (verdict.post_id, revision.number)
        labels[key][verdict.label] = verdict.verdict
        decision = decisions.get(verdict.decision_id)
        if decision is not None:
            last_action[key] = decision.action
        if verdict.flag_id is not None:
            flag_ids[verdict.post_id].add(verdict.flag_id)
        texts[key] = plain_text(revision.body_html)

    latest_revision: dict[int, int] = {}
    for post_id, number in labels:
        latest_revision[post_id] = max(number, latest_revision.get(post_id, 0))
    examples = []
    for (post_id, number), judged in sorted(labels.items()):
        text = texts[(post_id, number)]
        if not text:
            continue
        line: dict = {}
        for label in LABELS:
            if label in judged:
                line[label] = 1 if judged[label] == "confirmed" else 0
            elif last_action.get((post_id, number)) in NOT_A_PROBLEM:
                line[label] = 0
            else:
                line = {}
                break
        if not line:
            continue
        base = f"decision-{min(flag_ids[post_id])}" if flag_ids.get(post_id) else f"decision-post-{post_id}"
        suffix = "" if number == latest_revision[post_id] else f"-r{number}"
        examples.append({"id": base + suffix, "text": text, **line, "kind": "moderator_decision"})
    return examples
