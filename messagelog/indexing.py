"""Drain the message log into its index in bulk.

A source hands out entries and forgets them only when told they are indexed (`ack`); a sink indexes a batch
under the entries' message ids, so a redelivered entry overwrites itself and never makes a duplicate.
"""

import json
import time
from dataclasses import dataclass

import pika
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from elasticsearch import Elasticsearch
from elasticsearch.helpers import BulkIndexError, bulk
from elasticsearch_dsl import Date, Document, Keyword

from dds.jobs.adapters import adapter

from .capture import QUEUE
from .models import LoggedMessage, PendingMessage


class IndexingFailed(Exception):
    """The index refused or did not answer: nothing of the batch was acknowledged."""


class QueueMessage(Document):
    message_id = Keyword()
    queue = Keyword()
    actor = Keyword()
    args = Keyword(multi=True)
    resource_id = Keyword()
    enqueued_on = Date()
    request_id = Keyword()
    user_id = Keyword()

    class Index:
        name = "queue_messages"


# --- sources --------------------------------------------------------------------------------------------


class RabbitSource:
    """The durable `message_log` queue on RabbitMQ; unacknowledged entries go back to it if we stop or die."""

    def __init__(self, url, prefetch):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.queue_declare(QUEUE, durable=True)
        self.channel.basic_qos(prefetch_count=prefetch)
        self._deliveries = self.channel.consume(QUEUE, inactivity_timeout=0.2)

    def fetch(self, limit, wait):
        batch, deadline = [], time.monotonic() + wait
        while len(batch) < limit and time.monotonic() < deadline:
            method, _, body = next(self._deliveries)
            if method is None:
                if batch:
                    break
                continue
            batch.append((method.delivery_tag, json.loads(body)))
        return batch

    def ack(self, tokens):
        if tokens:
            self.channel.basic_ack(delivery_tag=max(tokens), multiple=True)

    def depth(self):
        return self.channel.queue_declare(QUEUE, durable=True, passive=True).method.message_count

    def close(self):
        if self.connection.is_open:
            self.connection.close()


class DatabaseSource:
    """Inline mode's PendingMessage table."""

    def fetch(self, limit, wait):
        deadline = time.monotonic() + wait
        while True:
            rows = list(PendingMessage.objects.order_by("id").values_list("id", "entry")[:limit])
            if rows or time.monotonic() >= deadline:
                return rows
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))

    def ack(self, tokens):
        PendingMessage.objects.filter(id__in=tokens).delete()

    def depth(self):
        return PendingMessage.objects.count()

    def close(self):
        pass


# --- sinks ----------------------------------------------------------------------------------------------


class ElasticsearchSink:
    """The `queue_messages` index, created with its mapping when missing."""

    def __init__(self, url):
        self.client = Elasticsearch(url, request_timeout=30)
        try:
            if not QueueMessage._index.exists(using=self.client):
                QueueMessage.init(using=self.client)
        except Exception as error:
            raise IndexingFailed(f"Elasticsearch at {url}: {error}") from error

    def index(self, entries):
        actions = (
            {"_index": QueueMessage._index._name, "_id": entry["message_id"], "_source": entry} for entry in entries
        )
        try:
            bulk(self.client, actions, refresh=False)
        except BulkIndexError as error:
            raise IndexingFailed(f"{len(error.errors)} entries refused, e.g. {error.errors[0]}") from error
        except Exception as error:
            raise IndexingFailed(f"Elasticsearch: {error}") from error


class DatabaseSink:
    """The LoggedMessage table, searched in the admin."""

    def index(self, entries):
        # One row per message id: an entry delivered twice in one batch would make PostgreSQL refuse the whole upsert
        # ("ON CONFLICT DO UPDATE command cannot affect row a second time").
        entries = list({entry["message_id"]: entry for entry in entries}.values())
        # A user deleted since the message was sent is logged as no user (the FK's SET_NULL), not a batch refused
        # forever by the foreign key.
        user_ids = {entry["user_id"] for entry in entries if entry["user_id"]}
        users = {str(pk) for pk in get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True)}
        now = timezone.now()
        rows = [
            LoggedMessage(
                message_id=entry["message_id"],
                queue=entry["queue"],
                actor=entry["actor"],
                args=entry["args"],
                resource_id=entry["resource_id"],
                enqueued_on=parse_datetime(entry["enqueued_on"]),
                request_id=entry["request_id"] or "",
                user_id=entry["user_id"] if entry["user_id"] in users else None,
                indexed_on=now,
            )
            for entry in entries
        ]
        try:
            with transaction.atomic():
                LoggedMessage.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["message_id"],
                    update_fields=[
                        "queue",
                        "actor",
                        "args",
                        "resource_id",
                        "enqueued_on",
                        "request_id",
                        "user",
                        "indexed_on",
                    ],
                )
        except DatabaseError as error:
            raise IndexingFailed(f"database index: {error}") from error


def source_for_settings(batch_size):
    if adapter().uses_broker:
        return RabbitSource(settings.CLOUDAMQP_URL, prefetch=batch_size * 2)
    return DatabaseSource()


def sink_for_settings():
    return ElasticsearchSink(settings.ELASTICSEARCH_URL) if settings.ELASTICSEARCH_URL else DatabaseSink()


# --- the drain ---------------------------------------------------------------------------------------------


@dataclass
class Progress:
    indexed: int = 0
    started: float = 0.0

    def elapsed(self):
        return time.monotonic() - self.started

    def rate(self):
        elapsed = self.elapsed()
        return self.indexed / elapsed if elapsed > 0 else 0.0


def drain(source, sink, *, duration, batch_size, report=None, report_every=10.0):
    """Index batches from `source` into `sink` for `duration` seconds; acknowledge each batch once indexed.

    `report(progress)` is called every `report_every` seconds. Raises IndexingFailed, leaving the batch queued.
    """
    progress = Progress(started=time.monotonic())
    end = progress.started + duration
    next_report = progress.started + report_every
    while (now := time.monotonic()) < end:
        wait = min(1.0, end - now)
        if report is not None:
            wait = min(wait, max(next_report - now, 0.0))  # an idle wait must not delay the progress line
        batch = source.fetch(batch_size, wait=wait)
        if batch:
            sink.index([entry for _, entry in batch])
            source.ack([token for token, _ in batch])
            progress.indexed += len(batch)
        if report is not None and (now := time.monotonic()) >= next_report:
            report(progress)
            next_report += report_every
            if next_report <= now:  # a bulk outlasted the interval: one line for it, not a burst to catch up
                next_report = now + report_every
    return progress
