"""The forms: share an idea, post a challenge, decide on an idea, edit an idea, and what replaces them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from blocks.base import VIEW_BLOCKS_MAX, context, fitted
from blocks.ids import (
    CHALLENGE_MODAL,
    CHECK_SIMILAR,
    CHECKIN_MODAL,
    DECISION_MODAL,
    EDIT_MODAL,
    IDEA_MODAL,
    JOIN_SIMILAR,
    SIMILAR_CHECK_BLOCK,
    VALUE,
)
from blocks.similar import KIND_LABELS, similar_text
from bot.experiments import CHECKIN_LABELS, SCALE_LABELS, SHORT_MAX
from bot.i18n import N_, _
from bot.labels import status_label
from bot.matching.service import Found
from bot.reviews import OUTCOMES
from bot.submissions import DEPARTMENT_MAX, TEXT_MAX, ChallengeDraft, IdeaDraft
from bot.text import escape_mrkdwn, escaped, shorten
from storage.models import TITLE_MAX, Challenge, Experiment, Idea


def _anonymous_option() -> Option:
    return Option(
        value="anonymous",
        text=_("Submit anonymously"),
        description=_("Reviewers and colleagues will not see your name; you still get feedback."),
    )


def idea_modal(
    draft: IdeaDraft | None = None, challenge: Challenge | None = None, similar: Sequence[Found] | None = None
) -> View:
    """The /idea form, prefilled from `draft`, with similar work under it once it has been looked up."""
    draft = draft or IdeaDraft(title="", problem="", proposal="")
    blocks: list[Block] = []
    if challenge is not None:
        blocks.append(
            context(_("Proposing a solution to the challenge *{title}*", title=escape_mrkdwn(challenge.title)))
        )
    blocks += [
        _text_input("title", _("Title"), draft.title, TITLE_MAX, placeholder=_("A short name for your idea")),
        _text_input(
            "problem",
            _("The problem it solves"),
            draft.problem,
            TEXT_MAX,
            multiline=True,
            hint=_("Who is affected, and how? Facts and figures help reviewers."),
        ),
        _text_input("proposal", _("Your idea"), draft.proposal, TEXT_MAX, multiline=True),
        _text_input(
            "department",
            _("Team or department"),
            draft.department,
            DEPARTMENT_MAX,
            optional=True,
            hint=_("Reviewers for this team will be asked for feedback."),
        ),
        InputBlock(
            block_id="anonymous",
            label=_("Anonymity"),
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[_anonymous_option()],
                initial_options=[_anonymous_option()] if draft.anonymous else None,
            ),
        ),
        *_similar_section(similar),
    ]
    metadata: dict[str, Any] = {"challenge_id": challenge.id} if challenge is not None else {}
    if draft.source_link:  # made from a message: where from, and whom to ask before naming them
        metadata |= {"source_link": draft.source_link, "source_author": draft.source_author_id}
    return View(
        type="modal",
        callback_id=IDEA_MODAL,
        title=_("Share an idea"),
        submit=_("Submit idea"),
        close=_("Cancel"),
        private_metadata=json.dumps(metadata | _shown(similar)),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def challenge_modal(draft: ChallengeDraft | None = None, similar: Sequence[Found] | None = None) -> View:
    """The /challenge form: a problem statement that anyone may answer with an idea."""
    draft = draft or ChallengeDraft(title="", problem="", desired_outcome="")
    return View(
        type="modal",
        callback_id=CHALLENGE_MODAL,
        title=_("Post a challenge"),
        submit=_("Publish"),
        close=_("Cancel"),
        private_metadata=json.dumps(_shown(similar)),
        blocks=fitted(
            [
                _text_input("title", _("Title"), draft.title, TITLE_MAX, placeholder=_("The problem, in a few words")),
                _text_input("problem", _("The problem and who suffers it"), draft.problem, TEXT_MAX, multiline=True),
                _text_input(
                    "desired_outcome",
                    _("What a good solution would achieve"),
                    draft.desired_outcome,
                    TEXT_MAX,
                    multiline=True,
                    hint=_("How would you know the problem is solved?"),
                ),
                InputBlock(
                    block_id="deadline",
                    label=_("Deadline for ideas"),
                    optional=True,
                    element=DatePickerElement(
                        action_id=VALUE,
                        placeholder=_("No deadline"),
                        initial_date=draft.deadline.isoformat() if draft.deadline else None,
                    ),
                ),
                *_similar_section(similar),
            ],
            VIEW_BLOCKS_MAX,
        ),
    )


def _similar_section(similar: Sequence[Found] | None) -> list[Block]:
    """In a form: the button that looks for similar work, and what it found worth a look (each with
    "Join this instead"); weaker matches are left out."""
    similar = None if similar is None else [item for item in similar if item.verdict is not None]
    check = ActionsBlock(
        block_id=SIMILAR_CHECK_BLOCK,
        elements=[ButtonElement(text=_("Check for similar work"), action_id=CHECK_SIMILAR, value="check")],
    )
    if similar is None:
        return [DividerBlock(), context(_("Has someone done this before? Fill in the title, then:")), check]
    if not similar:
        return [
            DividerBlock(),
            context(_(":mag: Nothing similar found in past projects, ideas or challenges.")),
            check,
        ]
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(
            text=_(
                ":mag: *Similar work already exists.* Join it instead of starting again, "
                "or submit yours if it is different: we'll note that you checked."
            )
        ),
    ]
    for item in similar:
        blocks.append(
            SectionBlock(
                block_id=f"similar_{item.kind}_{item.id}",
                text=MarkdownTextObject(text=similar_text(item)),
                accessory=ButtonElement(
                    text=_("Join this instead"), action_id=JOIN_SIMILAR, value=f"{item.kind}:{item.id}"
                ),
            )
        )
    return [*blocks, check]


def _shown(similar: Sequence[Found] | None) -> dict[str, Any]:
    """What the author was shown, kept in the form's private_metadata until submission."""
    similar = [item for item in similar or () if item.verdict is not None]
    if not similar:
        return {}
    return {"shown": [[f"{item.kind}:{item.id}", item.score, item.verdict, item.reason] for item in similar]}


def joined_view(item: Found) -> View:
    """The form replaced by a thank-you once someone joins existing work."""
    if item.kind != "project":
        owner = _("I've told its author; they'll be in touch.")
    elif item.contact or item.url:
        owner = _("Reach out to the people behind it using the details below.")
    else:  # nothing below to reach them by: say who can help instead of pointing at nothing
        owner = _("No contact is listed for it: your innovation team can help you find the people behind it.")
    thanks = _(":handshake: Thanks for joining existing work instead of starting again.")
    return View(
        type="modal",
        title=_("Joined"),
        close=_("Close"),
        blocks=fitted(
            [
                SectionBlock(text=f"{thanks} {owner}"),
                SectionBlock(text=MarkdownTextObject(text=similar_text(item, scored=False))),
            ],
            VIEW_BLOCKS_MAX,
        ),
    )


def received_view(kind: str, title: str, channel_id: str) -> View:
    """Shown in place of the form once the submission is safely stored."""
    safe_title = escaped(title, 200)
    saved = (
        _(":white_check_mark: Your idea *{title}* is saved.", title=safe_title)
        if kind == "idea"
        else _(":white_check_mark: Your challenge *{title}* is saved.", title=safe_title)
    )
    posting = _("It is being posted in <#{channel}>; I'll send you the link in a direct message.", channel=channel_id)
    return View(
        type="modal",
        title=_("Received"),
        close=_("Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=f"{saved}\n{posting}"))],
    )


def _text_input(
    block_id: str,
    label: str,
    initial: str,
    max_length: int,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=VALUE,
            initial_value=initial or None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


FORM_TITLES = {  # modal titles: at most 24 characters in every language
    "approve": N_("Approve idea"),
    "needs_info": N_("Ask for more info"),
    "decline": N_("Decline idea"),
    "comment": N_("Comment"),
    "start": N_("Start experiment"),
    "complete": N_("Complete experiment"),
    "merge": N_("Merge as duplicate"),
    "withdraw": N_("Withdraw your idea"),
}


def report_inputs() -> list[Block]:
    """The report asked of every experiment, failures alike: the measure at the end, advice, scale it?"""
    return [
        InputBlock(
            block_id="final_value",
            label=_("The measure's final value"),
            optional=True,
            element=PlainTextInputElement(action_id=VALUE, max_length=SHORT_MAX),
        ),
        InputBlock(
            block_id="next_time",
            label=_("What should the next team do differently?"),
            optional=True,
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        ),
        InputBlock(
            block_id="scale",
            label=_("Should it be done more widely?"),
            optional=True,
            element=StaticSelectElement(
                action_id=VALUE,
                placeholder=_("Choose"),
                options=[Option(value=value, text=_(label)) for value, label in SCALE_LABELS.items()],
            ),
        ),
    ]


def experiment_inputs() -> list[Block]:
    """The plan an experiment starts with: what is tested, how we will know, by when, by whom."""

    def text(
        block_id: str, label: str, *, hint: str | None = None, optional: bool = False, long: bool = False
    ) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            hint=hint,
            optional=optional,
            element=PlainTextInputElement(action_id=VALUE, multiline=long, max_length=TEXT_MAX if long else SHORT_MAX),
        )

    return [
        text(
            "hypothesis",
            _("What do you expect?"),
            hint=_("If we …, then … because …"),
            long=True,
        ),
        text("measure", _("How will you know?"), hint=_("One measure, such as minutes waited at the counter.")),
        text("baseline", _("Its value today"), optional=True),
        text("target", _("The value you aim for")),
        InputBlock(block_id="starts_on", label=_("Starts on"), element=DatePickerElement(action_id=VALUE)),
        InputBlock(block_id="ends_on", label=_("Ends on"), element=DatePickerElement(action_id=VALUE)),
        InputBlock(
            block_id="team",
            label=_("The experiment's team"),
            optional=True,
            hint=_("Named on the idea's post."),
            element=UserMultiSelectElement(action_id=VALUE),
        ),
        text("cost", _("What it costs"), optional=True),
        text("stop_when", _("What would make you stop early?"), optional=True, long=True),
    ]


def checkin_modal(idea: Idea, experiment: Experiment) -> View:
    """How the experiment is going: a state, the measure so far, one thing learned."""
    measure = escaped(experiment.measure, 150)
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"*{escaped(idea.title, 200)}*")]),
        InputBlock(
            block_id="state",
            label=_("How is it going?"),
            element=StaticSelectElement(
                action_id=VALUE,
                placeholder=_("Choose"),
                options=[Option(value=state, text=_(label)) for state, label in CHECKIN_LABELS.items()],
            ),
        ),
        InputBlock(
            block_id="value_so_far",
            label=_("The measure so far"),
            optional=True,
            hint=_("Measure: {measure}", measure=measure),
            element=PlainTextInputElement(action_id=VALUE, max_length=SHORT_MAX),
        ),
        InputBlock(
            block_id="learned",
            label=_("One thing you learned"),
            optional=True,
            hint=_("Shared in the idea's thread."),
            element=PlainTextInputElement(action_id=VALUE, max_length=SHORT_MAX),
        ),
    ]
    return View(
        type="modal",
        callback_id=CHECKIN_MODAL,
        title=_("Check in"),
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"idea_id": idea.id}),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def decision_modal(idea: Idea, action: str, candidates: Sequence[Found] = (), *, by_author: bool = False) -> View:
    """The form behind a decision button: a reason (required to decline or ask for more), an outcome,
    or (to merge) the similar work this idea duplicates. `by_author`: the idea's author opened it (to
    withdraw or comment), so nothing is "sent to its author"."""
    required = action in ("needs_info", "decline", "comment", "complete")
    label = {
        "needs_info": _("What do you need to know?"),
        "decline": _("Why is it declined?"),
        "comment": _("Your comment"),
        "complete": _("Lessons learned"),
    }.get(action, _("Comment"))  # Slack marks an optional input "(optional)" itself
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=f"*{escaped(idea.title, 200)}*")])]
    if action == "complete":
        blocks.append(
            InputBlock(
                block_id="outcome",
                label=_("How did it end?"),
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder=_("Choose an outcome"),
                    options=[Option(value=outcome, text=status_label(outcome)) for outcome in OUTCOMES],
                ),
            )
        )
    if action == "start":
        blocks += experiment_inputs()
    if action == "complete":
        blocks += report_inputs()
    if action == "merge":
        options = [
            Option(value=f"{item.kind}:{item.id}", text=shorten(f"{_(KIND_LABELS[item.kind])}: {item.title}", 75))
            for item in candidates[:10]
        ]
        blocks.append(
            InputBlock(
                block_id="target",
                label=_("Duplicate of"),
                element=StaticSelectElement(action_id=VALUE, placeholder=_("Choose"), options=options)
                if options
                else PlainTextInputElement(action_id=VALUE, placeholder=_("idea:12 or project:34")),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=label,
            optional=not required,
            hint=_("Failures count too: what would you tell the next team?")
            if action == "complete"
            else _("Shared in the idea's thread.")
            if by_author
            else _("Shared in the idea's thread and sent to its author."),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_MAX),
        )
    )
    return View(
        type="modal",
        callback_id=DECISION_MODAL,
        title=_(FORM_TITLES[action]),
        submit=_("Send"),
        close=_("Cancel"),
        # the status the decider saw: a decision made meanwhile by someone else is not overridden unseen
        private_metadata=json.dumps({"idea_id": idea.id, "action": action, "status": idea.status}),
        blocks=fitted(blocks, VIEW_BLOCKS_MAX),
    )


def edit_modal(idea: Idea) -> View:
    """The idea form, prefilled, for the author to answer "Needs more info"."""
    draft = IdeaDraft.of(idea)
    form = idea_modal(draft)
    return View(
        type="modal",
        callback_id=EDIT_MODAL,
        title=_("Edit your idea"),
        submit=_("Save changes"),
        close=_("Cancel"),
        private_metadata=json.dumps({"idea_id": idea.id}),
        blocks=[block for block in form.blocks if block.type == "input" and block.block_id != "anonymous"],
    )
