"""Words the demo issues are made of: per-team title templates, body sentences and comments.

Pure data. Templates use ``str.format`` slots: ``{area}``, ``{thing}``, ``{n}``, ``{version}``,
``{pct}``. Each team's vocabulary stays in its own domain so that near-duplicate titles across
teams stay rare (the duplicates story must stand out).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """What one team's issues talk about."""

    areas: tuple[str, ...]
    things: tuple[str, ...]
    bugs: tuple[str, ...]
    features: tuple[str, ...]
    chores: tuple[str, ...]
    context: tuple[str, ...]


DOMAINS: dict[str, Domain] = {
    "data-labelling": Domain(
        areas=("labelling UI", "QA sampler", "annotator queue", "audio tagger", "bbox tool",
               "consensus scorer", "export pipeline", "vendor sync", "guideline viewer"),
        things=("audio clips", "video frames", "transcripts", "image crops", "review batches",
                "gold sets", "vendor batches"),
        bugs=("{area} drops {thing} when a batch exceeds {n} items",
              "Consensus score wrong for {thing} with a single annotator",
              "{area}: keyboard shortcuts stop working after undo",
              "Export pipeline writes empty label files for {thing}",
              "Duplicate {thing} served to the same annotator",
              "{area} times out loading {thing} over {n} MB",
              "QA sampler ignores the per-vendor quota",
              "Annotator stats page double-counts skipped {thing}"),
        features=("Bulk re-queue for rejected {thing}",
                  "Show inter-annotator agreement per class in the {area}",
                  "Waveform zoom in the audio tagger",
                  "Gold-set injection rate configurable per project",
                  "Export {thing} as WebDataset shards",
                  "Vendor SLA dashboard for {thing}"),
        chores=("Migrate {area} to the new auth proxy", "Bump label-studio to {version}",
                "Clean up dead feature flags in the {area}",
                "Document the review workflow for {thing}"),
        context=("Annotators reported this in the weekly vendor sync.",
                 "Seen on the EU vendor pool since the last deploy.",
                 "Throughput dropped by about {pct}% on affected batches.",
                 "This blocks the gold-set refresh planned for this month."),
    ),
    "asr": Domain(
        areas=("conformer encoder", "beam decoder", "VAD", "feature frontend", "LM fusion",
               "streaming endpoint", "eval harness", "diarization"),
        things=("far-field eval", "call-centre set", "accented English set", "German test set",
                "noisy car set", "podcast set", "voice-search logs"),
        bugs=("WER regression on the {thing} after {area} change",
              "{area} OOM with beam size {n}",
              "Streaming latency p95 above {n} ms on the {thing}",
              "Timestamps drift in long-form decoding on the {thing}",
              "{area} emits empty hypotheses for clips under 1 s",
              "Diarization merges speakers on the {thing}",
              "Eval harness miscounts insertions on the {thing}"),
        features=("Contextual biasing for contact names in the {area}",
                  "Add the {thing} to the nightly eval",
                  "Int8 quantisation for the {area}",
                  "Word-level confidence scores from the {area}",
                  "Support 8 kHz audio in the {area}"),
        chores=("Upgrade torchaudio to {version}", "Retire the legacy {area} config",
                "Refresh the {thing} manifests", "Speed up {area} unit tests"),
        context=("Seen in the nightly eval, WER up {pct}% relative.",
                 "Reproduces on the last three checkpoints.",
                 "Product asked for this ahead of the voice-search launch.",
                 "Only the streaming path is affected; offline decoding is fine."),
    ),
    "vision": Domain(
        areas=("detector head", "ViT backbone", "augmentation pipeline", "tracker",
               "segmentation decoder", "eval suite", "video loader", "active-speaker model"),
        things=("COCO val", "warehouse cameras set", "night-time set", "retail shelf set",
                "dashcam clips", "AV meeting set"),
        bugs=("mAP drop on the {thing} after {area} refactor",
              "{area} crashes on grayscale inputs",
              "Video loader leaks file handles on the {thing}",
              "NaN loss in the {area} with mixed precision",
              "Tracker ID switches spike on the {thing}",
              "{area} exports wrong anchor sizes to ONNX"),
        features=("Test-time augmentation for the {area}",
                  "Add the {thing} to the weekly eval",
                  "Distil the {area} for edge devices",
                  "Per-class confusion matrices in the eval suite",
                  "Multi-scale training for the {area}"),
        chores=("Bump timm to {version}", "Remove the deprecated {area} v1 weights",
                "Pin opencv in the {area} image", "Tidy eval configs for the {thing}"),
        context=("Found while preparing the quarterly model review.",
                 "Regression is about {pct}% relative on the affected classes.",
                 "The on-device team is waiting on this.",
                 "Only shows up with batch size above {n}."),
    ),
    "nlp": Domain(
        areas=("tokenizer", "intent classifier", "NER tagger", "summariser", "retrieval index",
               "prompt templates", "eval harness"),
        things=("support tickets", "voice-search transcripts", "product reviews",
                "multilingual intents", "FAQ corpus"),
        bugs=("Tokenizer splits emoji sequences in {thing}",
              "{area} accuracy drop on {thing} after retrain",
              "NER tagger misses product names in {thing}",
              "{area} latency spikes above {n} ms",
              "Summariser truncates {thing} longer than {n} tokens",
              "Retrieval index returns stale documents for {thing}"),
        features=("Add Polish to the {area}", "Calibrated confidence for the {area}",
                  "Active-learning loop for {thing}",
                  "Few-shot intent onboarding in the {area}",
                  "Hybrid BM25 + dense retrieval for {thing}"),
        chores=("Pin transformers at {version} after the tokenizer change",
                "Deduplicate the {thing} training data",
                "Move {area} configs to hydra", "Add type hints to the {area}"),
        context=("Customer support flagged this twice this sprint.",
                 "Offline F1 dropped by {pct}% on the held-out set.",
                 "Needed for the Q-planning demo.",
                 "Repro notebook is linked in the team drive."),
    ),
    "recsys": Domain(
        areas=("ranking model", "candidate generator", "feature pipeline", "A/B framework",
               "embedding service", "cold-start module", "podcast recommender"),
        things=("home feed", "podcast shelf", "search results", "new-user cohort",
                "playlist suggestions"),
        bugs=("CTR drop on the {thing} after {area} deploy",
              "{area} serves duplicate items on the {thing}",
              "Feature pipeline late by {n} minutes on Mondays",
              "Embedding service p99 above {n} ms",
              "A/B framework assigns users to two arms",
              "{area} ignores the content blocklist on the {thing}"),
        features=("Diversity re-ranking for the {thing}", "Session features in the {area}",
                  "Explain why an item was recommended on the {thing}",
                  "Daily retrain of the {area}", "Guardrail metrics for {thing} experiments"),
        chores=("Move the feature store client to feast {version}",
                "Drop unused features from the {area}",
                "Backfill {thing} logs for June", "Document the {area} rollout checklist"),
        context=("Spotted in the weekly metrics review, down {pct}% week over week.",
                 "The growth team asked for this for the next experiment cycle.",
                 "Only affects the mobile apps.",
                 "Started after the last feature-store migration."),
    ),
    "training-infra": Domain(
        areas=("job launcher", "GPU scheduler", "dataset cache", "metrics exporter",
               "NCCL setup", "checkpoint store", "cluster autoscaler", "experiment tracker"),
        things=("A100 pool", "H100 pool", "spot nodes", "shared NFS", "object store"),
        bugs=("Jobs hang at NCCL init on the {thing}",
              "{area} leaks GPU memory between runs",
              "Dataset cache evicts hot shards on the {thing}",
              "{area} reports wrong GPU utilisation",
              "Autoscaler ignores pending jobs on the {thing}",
              "Launcher fails when the run name has spaces"),
        features=("Priority queues in the {area}", "Per-team GPU quota reports",
                  "Preemption notices surfaced in the {area}",
                  "Warm pools for the {thing}", "Cost attribution per experiment"),
        chores=("Upgrade CUDA images to {version}", "Rotate the {thing} credentials",
                "Remove the v1 {area} API", "Load-test the {area} with {n} jobs"),
        context=("Affects every team training on the {thing}.",
                 "Roughly {pct}% of jobs last week hit this.",
                 "Reported in #help-training by several people.",
                 "Workaround: resubmit with a fresh node pool."),
    ),
    "platform": Domain(
        areas=("CI runners", "pre-commit hooks", "dev containers", "artifact registry",
               "release tooling", "docs site", "monorepo build", "secrets loader"),
        things=("macOS runners", "GPU runners", "Python 3.12", "ARM images", "main branch"),
        bugs=("{area} fail intermittently on {thing}",
              "Cache misses on every build for {thing}",
              "{area} slow: {n} minutes per run",
              "Release tooling tags the wrong commit",
              "Dev container cannot reach the artifact registry",
              "Docs site search returns 404s"),
        features=("Merge queue for the {thing}", "Self-service {area} for new repos",
                  "Flaky-test quarantine in the {area}",
                  "Preview deployments for the docs site", "Support {thing} in the {area}"),
        chores=("Bump ruff to {version}", "Migrate {area} to the new runner fleet",
                "Delete unused {area} secrets", "Pin actions to commit SHAs"),
        context=("Costs every team about {n} minutes a day.",
                 "Seen on {pct}% of runs this week.",
                 "Blocking the switch to the new runner fleet.",
                 "Security review asked for this."),
    ),
}  # fmt: skip

VERSIONS = ("2.3.1", "2.4.0", "1.14", "0.9.2", "3.1.0", "12.4", "5.0.1", "0.6.4")

HUMAN_COMMENTS = (
    "I can reproduce this on main.",
    "Any update on this?",
    "I can take this next sprint.",
    "Looked into it: the root cause is in the {area}, fix should be small.",
    "Can we get a minimal repro? I cannot trigger it locally.",
    "Added a workaround for now, leaving this open for the proper fix.",
    "Discussed in planning, moving to next milestone.",
    "PR is up, reviews welcome.",
    "This also happens with the {thing}.",
    "Bumping this, it bit us again this week.",
    "Fixed by the last deploy, can someone confirm?",
    "+1, same on our side.",
    "I think this is expected behaviour, see the design doc.",
    "Still seeing it after the upgrade to {version}.",
    "Closing the loop: verified on staging.",
    "Would be good to add a regression test for this.",
    "Lowering priority, impact is small.",
    "Paired on this today, we have a plan.",
    "Numbers after the fix look good: about {pct}% better.",
    "Not sure this is ours, but happy to help debug.",
)

CLOSING_COMMENTS = (
    "Fixed in #{pr}.",
    "Done, shipped in this week's release.",
    "Closing: no longer reproducible.",
    "Closing as won't fix, see discussion above.",
)

REF_PHRASES = (
    "Related: {ref}",
    "See also {ref}.",
    "Possibly the same root cause as {ref}.",
    "Follow-up of {ref}.",
    "Blocked on {ref}.",
    "Came up while working on {ref}.",
)

STALE_COMMENT = (
    "This issue is stale because it has been open 90 days with no activity. "
    "Remove the stale label or comment, or this will be closed in 30 days."
)
JIRA_AUTOMATION_COMMENTS = (
    "This issue has had no activity for 60 days and was moved to the backlog automatically.",
    "Priority raised automatically: linked incident reopened.",
    "Sprint closed with this issue incomplete; carried over automatically.",
)
GITHUB_BOT_COMMENTS = (
    "Nightly benchmark finished: no significant change against main.",
    "Preview build for this change is ready: https://docs.acme.ai/previews/latest",
    "Automated eval posted results to the team dashboard.",
)
