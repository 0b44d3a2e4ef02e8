"""Provider-neutral domain models.

Every tracker adapter turns its payloads into these frozen models at the boundary; past it,
only these travel. An issue is identified by ``(source, key)``: ``source`` names one tracker
instance (``github``, ``jira-acme``) so that equal keys from two instances never collide.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base for immutable value objects: unknown fields are an error, instances hashable."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TrackerKind(StrEnum):
    """The tracker family an identity or issue belongs to."""

    GITHUB = "github"
    JIRA = "jira"
    LINEAR = "linear"
    GITLAB = "gitlab"


class Visibility(StrEnum):
    """Who may read an issue on its tracker. ``restricted``: only some of the organisation
    (a private or internal repository, a confidential issue, a private team, a Jira project
    not marked public, an imported file not marked public)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


class IssueState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class StateReason(StrEnum):
    """Why a closed issue closed; ``None`` on the issue when the tracker does not say."""

    COMPLETED = "completed"
    NOT_PLANNED = "not_planned"
    DUPLICATE = "duplicate"


class LinkKind(StrEnum):
    """How one issue relates to another; the direction is always from the issue that holds it."""

    REFERENCES = "references"
    BLOCKS = "blocks"
    BLOCKED_BY = "blocked_by"
    DUPLICATES = "duplicates"
    DUPLICATED_BY = "duplicated_by"
    RELATES = "relates"
    REFERENCED_BY = "referenced_by"  # the target mentioned this issue (a tracker's backlink)
    LOOKS_LIKE = "looks_like"  # impactbot found the two texts alike (a near-duplicate)


class Actor(Frozen):
    """Somebody as one tracker knows them: a login, account id or display name."""

    tracker: TrackerKind
    handle: str = Field(min_length=1, description="login, account id or username")
    display_name: str | None = None
    email: str | None = None
    is_bot: bool = False


class Comment(Frozen):
    author: Actor | None
    created_at: AwareDatetime
    body: str = ""


class IssueRef(Frozen):
    """A reference to an issue, as written somewhere: a key, optionally pinned to a source."""

    key: str
    source: str | None = None


class IssueLink(Frozen):
    """A typed edge from the issue holding it to ``target``, with where it was seen."""

    kind: LinkKind
    target: IssueRef
    evidence: str


class PullRequest(Frozen):
    """A pull / merge request that closed an issue: who did the work and who reviewed it."""

    key: str
    url: str | None = None
    author: Actor | None = None
    merged: bool = False
    reviewers: tuple[Actor, ...] = ()


class OwnershipChange(Frozen):
    """One move of an issue between containers (repo / project / component) — a bounce."""

    at: AwareDatetime
    from_container: str
    to_container: str


class Issue(Frozen):
    """A tracker issue in provider-neutral form."""

    source: str
    key: str
    url: str | None = None
    title: str
    body: str = ""
    state: IssueState
    state_reason: StateReason | None = None
    container: str = Field(description="repo (owner/name) or project key the issue lives in")
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    author: Actor | None = None
    assignees: tuple[Actor, ...] = ()
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    comments: tuple[Comment, ...] = ()
    reactions: int = Field(default=0, ge=0, description="reactions / votes on the issue itself")
    story_points: float | None = Field(default=None, ge=0)
    links: tuple[IssueLink, ...] = ()
    closed_by: tuple[PullRequest, ...] = Field(
        default=(), description="pull requests that closed it, where the source says"
    )
    ownership_changes: tuple[OwnershipChange, ...] | None = Field(
        default=None,
        description="moves between containers; None when the source offers no such history",
    )
    confidential: bool = Field(
        default=False,
        description="hidden by the tracker whatever its container's visibility (a GitLab "
        "confidential issue): restricted even in a public project",
    )
    visibility: Visibility = Field(
        default=Visibility.PUBLIC,
        description="as the tracker says; restricted details reach only the people "
        "bot.core.permissions.may_see_issue allows",
    )

    @property
    def uid(self) -> str:
        """The store-wide identity: ``source:key``."""
        return f"{self.source}:{self.key}"

    @property
    def is_open(self) -> bool:
        return self.state is IssueState.OPEN


class NearDuplicate(Frozen):
    """Two issues whose texts read alike, as impactbot's duplicate finder scored them."""

    uid: str
    other_uid: str
    score: float = Field(ge=0, le=1)
    matched: tuple[str, ...] = ()


class Flag(Frozen):
    """An engineer endorsing an issue as cross-team impact."""

    issue_uid: str
    person_id: str
    note: str = ""
    at: AwareDatetime


class BenefitKind(StrEnum):
    """Kinds of evidence that a team benefits from an issue."""

    REPORTED = "reported"
    LABEL = "label"
    COMPONENT = "component"
    LINK = "link"
    DUPLICATE = "duplicate"
    FLAG = "flag"
    COMMENT = "comment"


class BenefitEvidence(Frozen):
    team: str
    kind: BenefitKind
    detail: str


class OrphanReason(StrEnum):
    UNASSIGNED = "unassigned"
    IDLE = "idle"
    BOUNCED = "bounced"
    AMBIGUOUS_OWNER = "ambiguous_owner"
    NO_OWNER = "no_owner"
    OWNER_NOT_BENEFICIARY = "owner_not_beneficiary"


class OrphanFinding(Frozen):
    reason: OrphanReason
    detail: str
    weight: float


class Contribution(Frozen):
    """One line of a score card: a named signal, its points, why, and the evidence."""

    signal: str
    points: float
    reason: str
    evidence: tuple[str, ...] = ()


class ScoreCard(Frozen):
    """The explained score of one issue at one ``now``."""

    issue_uid: str
    computed_at: datetime
    total: float
    orphan_score: float
    owner_team: str | None
    beneficiaries: tuple[str, ...]
    incentive_gap: float
    contributions: tuple[Contribution, ...]
    orphan_findings: tuple[OrphanFinding, ...]
    notes: tuple[str, ...] = ()

    @property
    def is_orphan(self) -> bool:
        return self.orphan_score > 0
