from __future__ import annotations

from bot.core.beneficiaries import BenefitContext, find_beneficiaries
from bot.core.links import LinkIndex, link_to
from bot.core.models import Actor, BenefitKind, Flag, LinkKind, TrackerKind
from tests.builders import NOW, comment, directory, issue


def _evidence(target, *others, flags=()):  # type: ignore[no-untyped-def]
    issues = [target, *others]
    d = directory()
    ctx = BenefitContext(
        d, LinkIndex.build(issues), {i.uid: d.ownership(i).team for i in issues}, flags
    )
    return find_beneficiaries(target, ctx)


def test_every_kind_of_evidence() -> None:
    target = issue(author="ana", labels=("taxonomy",), comments=(comment("vera", 3),))
    blocked = issue("acme/nlp#4", links=(link_to("acme/labelling#1", LinkKind.BLOCKED_BY, "x"),))
    flag = Flag(issue_uid=target.uid, person_id="rita", at=NOW)
    found = {(e.team, e.kind, e.detail) for e in _evidence(target, blocked, flags=(flag,))}
    assert found == {
        ("asr", BenefitKind.REPORTED, "reported by Ana"),
        ("labelling", BenefitKind.LABEL, "label 'taxonomy'"),
        ("nlp", BenefitKind.LINK, "acme/nlp#4 blocked by it"),
        ("recsys", BenefitKind.FLAG, "flagged by Rita"),
        ("vision", BenefitKind.COMMENT, "comment by Vera"),
    }  # people by the identity map's names (teams.yaml), not by their tracker handles


def test_a_backlink_and_a_mention_are_one_piece_of_evidence() -> None:
    mention = issue("acme/asr#2", refs=("acme/labelling#1",))
    target = issue(links=(link_to("acme/asr#2", LinkKind.REFERENCED_BY, "timeline"),))
    asr = [e for e in _evidence(target, mention) if e.team == "asr"]
    assert [(e.kind, e.detail) for e in asr] == [(BenefitKind.LINK, "acme/asr#2 references it")]


def test_duplicates_and_blocks_in_both_directions() -> None:
    dup = issue("acme/vision#3", links=(link_to("acme/labelling#1", LinkKind.DUPLICATES, "x"),))
    target = issue(links=(link_to("acme/recsys#5", LinkKind.BLOCKS, "x"),))
    blocked = issue("acme/recsys#5")
    kinds = {(e.team, e.kind) for e in _evidence(target, dup, blocked)}
    assert ("vision", BenefitKind.DUPLICATE) in kinds and ("recsys", BenefitKind.LINK) in kinds


def test_bots_and_strangers_benefit_nobody() -> None:
    target = issue(
        author="stranger",
        comments=(comment("helper-bot", 1), comment("dependabot[bot]", 1, bot=True)),
    )
    assert _evidence(target) == ()


def test_unresolvable_and_self_references_are_ignored() -> None:
    target = issue(refs=("acme/labelling#1", "nowhere/repo#9"))
    assert _evidence(target, issue("acme/asr#1")) == (
        _evidence(target)  # unchanged by an unrelated issue
    )


def test_people_unknown_to_the_identity_map_show_as_the_tracker_names_them() -> None:
    jira_user = Actor(
        tracker=TrackerKind.JIRA, handle="712020:0a1b2c3d", display_name="Sam Stranger"
    )
    target = issue(author=None, comments=(comment("vera", 3),))
    d = directory()
    assert d.name_of(jira_user) == "Sam Stranger"  # never the account id
    assert d.name_of(Actor(tracker=TrackerKind.GITHUB, handle="octo")) == "octo"
    assert d.name_of(None) == "someone"
    assert d.name_of(target.comments[0].author) == "Vera"
