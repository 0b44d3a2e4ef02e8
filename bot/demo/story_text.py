"""The words of the demo stories: ``TEXTS[name] = (title, body)``; comments have no title.

Placeholders ``{key:story}``, ``{url:story}`` and ``{num:story}`` are resolved by
``bot.demo.stories.fill_stories``; ``c_label_audit`` also takes ``{n}`` and ``{hit}``.
GitHub texts are Markdown, Jira texts use Jira wiki markup.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "taxonomy_fix": (
        "Annotation taxonomy merges 'speech-noise' and 'background-speech' — "
        "thousands of mislabelled clips per day",
        "### What is wrong\n"
        "Taxonomy v3 maps both `speech-noise` (non-speech vocal sounds: coughs, laughter, "
        "breathing) and `background-speech` (intelligible speech from someone other than the "
        "target speaker) onto the single class `speech-noise`. The merge came in with the v3 "
        "migration (guideline rev 14) and the audio tagger has produced merged labels since.\n\n"
        "### Impact\n"
        "- Sampled audit of 500 clips: 31% of the `speech-noise` clips contain intelligible "
        "background speech, i.e. about 4,000 mislabelled clips a day.\n"
        "- Every consumer of the audio labels trains on this: ASR noise-robustness sets "
        "(far-field WER +6.8% relative, {key:taxonomy_ref_asr}), the AV active-speaker model, "
        "transcript-based NLP training data, podcast content tags.\n\n"
        "### Proposed fix\n"
        "1. Split the class again in the taxonomy service (v3.1).\n"
        "2. Guideline rev 15 + QA rules; brief the vendor pools.\n"
        "3. Relabel backfill of ~1.2M clips from the last six months.\n\n"
        "The taxonomy change itself is small; the backfill is mostly vendor time.",
    ),
    "c_asr_on_fix": (
        "",
        "Asked in #team-data-labelling: the merge was deliberate (it cut annotation time) and "
        "splitting it again is not on their roadmap this half; their goals are throughput and "
        "cost per label. Leaving the impact here so it stays visible. Our workaround costs "
        "0.3 WER on clean speech.",
    ),
    "c_label_audit": (
        "",
        "**Nightly label audit** (automated): {n} clips labelled `speech-noise` in the last "
        "24 h; {hit} of them flagged by the background-speech detector.",
    ),
    "taxonomy_ref_asr": (
        "WER regression on far-field eval after the May data refresh",
        "h3. Problem\n"
        "Far-field WER is up 6.8% relative since the May data refresh; clean speech is flat. "
        "The noise-augmentation clips look suspicious: several contain intelligible speech.\n\n"
        "h3. Next steps\n"
        "* audit a sample of the augmentation clips\n"
        "* bisect the data refresh",
    ),
    "c_asr_root_cause": (
        "",
        "Root cause: the labelling taxonomy merges background speech into speech-noise, so "
        "about 30% of our noise-augmentation clips contain intelligible speech and the model "
        "learns to transcribe background talkers. Filed upstream: {url:taxonomy_fix}",
    ),
    "c_asr_workaround": (
        "",
        "Workaround filter merged; partial recovery (6.8% → 4.1% relative).",
    ),
    "c_asr_still_blocked": (
        "",
        "Still blocked on {url:taxonomy_fix}. Raising it in the cross-team sync again; every "
        "month of new data makes the relabel bigger.",
    ),
    "taxonomy_ref_vision": (
        "Active-speaker eval noise traced to mislabelled 'background-speech' clips",
        "### What happened\n"
        "AV active-speaker mAP on the AV meeting set swings by ±2 points between runs with the "
        "same checkpoint. Traced to {key:taxonomy_fix}: clips labelled `speech-noise` often "
        "contain an off-screen speaker, so our positives and negatives are mixed up.\n\n"
        "### Workaround\n"
        "Drop `speech-noise` clips from the eval set (loses 18% of it).",
    ),
    "c_vision_still": (
        "",
        "Still seeing it on the new eval build; the workaround only masks it.",
    ),
    "taxonomy_ref_nlp": (
        "Intent classifier learns background-talker phrases from ASR transcripts",
        "h3. Problem\n"
        "Voice-search transcripts in the intent training mix include phrases spoken by "
        "background talkers. Those clips are in the mix because the labelling taxonomy marks "
        "them as speech-noise rather than background speech: {url:taxonomy_fix}\n\n"
        "h3. Impact\n"
        "Intent accuracy on multi-speaker utterances is 4 points below single-speaker.",
    ),
    "c_nlp_measured": (
        "",
        "Measured: 2.3% of intent training utterances contain background-talker text.",
    ),
    "taxonomy_ref_recsys": (
        "Podcast content tags misfire on episodes with background speech",
        "h3. Problem\n"
        "The audio content tagger behind the podcast shelf is trained on labelling data where "
        "background speech is merged into speech-noise (see {url:taxonomy_fix}), so "
        "talk-radio style shows get tagged as "
        "'ambient'. Podcast shelf CTR is down 3% for those shows.",
    ),
    "c_recsys_confirmed": (
        "",
        "Confirmed with the audio tagger owners; nothing we can fix on the ranking side. "
        "Upstream: {url:taxonomy_fix}",
    ),
    "duplicate_a": (
        "Shared elastic checkpointing for multi-node training jobs",
        "h3. Problem\n"
        "Preemptions on the spot H100 pool kill our 16-node conformer runs several times a "
        "week, and we lose up to 6 hours each time because checkpoints are written only from "
        "rank 0 at the end of an epoch.\n\n"
        "h3. What we need\n"
        "* sharded, asynchronous checkpoints written every N steps from all ranks\n"
        "* automatic resume after preemption, also on a different number of nodes (elastic)\n"
        "* a retention policy so the checkpoint store does not fill up\n\n"
        "This is not ASR-specific: any multi-node job on the shared cluster would benefit.",
    ),
    "c_dup_a_lost": ("", "Lost another 5 hours on conformer-xl last night."),
    "c_dup_a_manager": (
        "",
        "If nobody picks this up we will build it ourselves in the ASR recipes.",
    ),
    "duplicate_b": (
        "Need resumable distributed checkpoints for our training runs",
        "### Motivation\n"
        "Our multi-node ViT-L runs on the spot pool get preempted and restart from the last "
        "epoch-end checkpoint, which wastes hours of GPU time every week.\n\n"
        "### Proposal\n"
        "- distributed (per-rank, sharded) checkpoints saved every few hundred steps\n"
        "- automatic resume when a node is preempted\n"
        "- resume with fewer nodes when the pool is short\n\n"
        "Probably useful beyond vision.",
    ),
    "c_dup_b_prototype": (
        "",
        "Prototype with torch.distributed.checkpoint works on one node; multi-node resume "
        "still breaks.",
    ),
    "c_dup_b_manager": ("", "Let's scope this for next quarter."),
    "decoy_popular": (
        "Add bf16 mixed-precision inference for the detector models",
        "### Motivation\n"
        "Inference in fp32 doubles our serving cost compared to bf16, and every vision "
        "product surface would get faster.\n\n"
        "### Proposal\n"
        "Add a bf16 path to the detector export with an accuracy gate in the eval suite.",
    ),
    "c_popular_205": ("", "Strong +1, this is our most requested item."),
    "c_popular_150": ("", "I'll take it; first step is the accuracy gate."),
    "c_popular_61": ("", "Accuracy gate merged; bf16 within 0.1 mAP on COCO val."),
    "c_popular_9": ("", "WIP branch passes the accuracy check; perf numbers next week."),
    "decoy_typo": (
        "Typo in CONTRIBUTING.md: 'recieve' should be 'receive'",
        "Second paragraph of CONTRIBUTING.md says 'you will recieve a review'.",
    ),
    "decoy_in_progress": (
        "GPU scheduler starves small jobs while multi-node runs hold reservations",
        "### What happened\n"
        "When a large multi-node job waits for nodes, the scheduler reserves every GPU that "
        "frees up for it. One- and two-GPU jobs (evals, fine-tunes) then queue for hours even "
        "though GPUs sit idle.\n\n"
        "### Fix\n"
        "Fair-share with backfill: let small jobs use reserved GPUs until the big job's full "
        "allocation is ready.",
    ),
    "c_sched_asr": (
        "",
        "This is why our eval jobs queue overnight, see {key:in_progress_ref_asr}.",
    ),
    "c_sched_nlp": (
        "",
        "Same for our fine-tuning jobs: {url:in_progress_ref_nlp}",
    ),
    "c_sched_review": (
        "",
        "Fair-share patch is up for review; tested on the staging cluster with backfill on.",
    ),
    "c_sched_rollout": ("", "Rolling out to the A100 pool tomorrow, H100 next week."),
    "c_sched_deployed": (
        "",
        "Deployed to the A100 pool: 1-GPU queue time down from 3 h to 12 min.",
    ),
    "in_progress_ref_asr": (
        "Eval jobs wait hours for GPUs behind multi-node runs",
        "Nightly eval jobs sit in the queue for 3+ hours. Training infra is fixing the "
        "scheduler: {url:decoy_in_progress}",
    ),
    "in_progress_ref_nlp": (
        "Fine-tuning jobs stuck in the queue on the A100 pool",
        "Small fine-tunes wait behind multi-node reservations; see {url:decoy_in_progress}. "
        "Moving our nightly fine-tunes to the afternoon until that ships.",
    ),
    "in_progress_ref_vision": (
        "Small eval jobs wait hours for GPUs",
        "### What happened\n"
        "Our 1-GPU eval jobs queue for hours. Looks like {key:decoy_in_progress}.",
    ),
}
