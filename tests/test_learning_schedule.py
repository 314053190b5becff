"""Fine-tunes are queued after enough new words, one per user at a time, and run by a real
non-forking RQ worker in burst mode."""

from __future__ import annotations

import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tests.learning_support import WRITING, small
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.ops.queues import FINETUNE, queue
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.training.schedule import enqueue_finetune, finetune_job_id, note_turn


def test_new_words_queue_one_finetune_that_a_real_worker_runs(
    ctx: WorkerContext, client: redis.Redis, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    ctx.settings = small(ctx.settings)  # a fine-tune after about 40 new tokens
    user, store = "local:ada", ctx.store
    for text in WRITING:  # about 150 tokens: the threshold is crossed again and again
        receive_text(store, ctx.settings, user=user, platform="local", chat_id=user, text=text)
    NluWorker(store, analyzer,
              on_applied=lambda turn: note_turn(store, ctx.settings, turn)
              ).run(burst=True, block_ms=100)
    finetunes = queue(FINETUNE, client)
    assert finetunes.job_ids == [finetune_job_id(user)]
    assert enqueue_finetune(client, store, ctx.settings, user) is None  # still queued: no second
    assert finetunes.count == 1

    ctx._model = language_model
    run_generate_worker(ctx, burst=True, role=FINETUNE)
    job = Job.fetch(finetune_job_id(user), connection=client, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED
    [version] = store.adapter_versions(user)
    assert job.return_value()["version_id"] == version.version_id
    assert len(version.turn_ids) == len(WRITING)
    assert finetunes.count == 0
    # the job freed the user's lock: new words queue the next fine-tune after the cooldown
    assert enqueue_finetune(client, store, ctx.settings, user) is None
    client.delete(store.keys.finetune_cooldown(user))  # (the cooldown has passed)
    assert enqueue_finetune(client, store, ctx.settings, user) == finetune_job_id(user)
    assert finetunes.count == 1
    assert store.add_training_tokens(user, 0) == 0  # the counter restarted when training did


def test_notrain_keeps_messages_out_and_retrains_a_voice_that_learned_them(
    ctx: WorkerContext, client: redis.Redis
) -> None:
    from datetime import UTC, datetime

    from tests.learning_support import store_turns
    from worker.conversation.commands import CommandContext, dispatch
    from worker.training.config import train_config
    from worker.training.data import build_dataset
    from worker.training.records import AdapterMetrics, AdapterVersion

    user, store, settings = "local:noa", ctx.store, small(ctx.settings)
    commands = CommandContext(settings, store, client)
    assert "nothing to leave out" in dispatch(commands, user, "notrain", "").text
    ids = store_turns(store, user)
    assert "up to 50" in dispatch(commands, user, "notrain", "lots").text
    reply = dispatch(commands, user, "notrain", "").text
    assert "your last message" in reply and "retraining" not in reply
    assert store.withheld_turns(user) == {ids[-1]: "private"}
    assert queue(FINETUNE, client).count == 0, "no voice model learned it: nothing to redo"

    store.save_adapter_version(AdapterVersion(
        version_id="v1", user=user, number=1, status="promoted", base_model="m",
        config=train_config(settings), turn_ids=tuple(ids), started_at=datetime.now(UTC),
        metrics=AdapterMetrics(base=2.0, candidate=1.0, heldout_tokens=1, train_tokens=1)))
    store.set_current_adapter(user, "v1")
    reply = dispatch(commands, user, "notrain", "2").text
    assert "your last 2 messages" in reply and "retraining it without them" in reply
    assert set(store.withheld_turns(user)) == set(ids[-2:])
    assert store.current_adapter(user).needs_retrain
    assert queue(FINETUNE, client).job_ids == [finetune_job_id(user)]
    data = build_dataset(store, user, settings.storyloom_lora_heldout)
    used = {t for ex in [*data.train, *data.heldout] for t in ex.turn_ids}
    assert used and not used & set(ids[-2:]), "withheld messages are not trained on"
