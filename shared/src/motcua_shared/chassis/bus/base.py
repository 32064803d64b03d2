"""The bus interface: publish acknowledged batches; consume with manual offset commits."""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

TopicPartition = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Message:
    """A record to publish; ``key`` is the aggregate id and picks the partition."""

    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed record and where it sits in the log."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default=())

    @property
    def position(self) -> TopicPartition:
        """The record's topic and partition."""
        return (self.topic, self.partition)


class Consumer(ABC):
    """One member of a consumer group; offsets are committed only when the caller says so."""

    @abstractmethod
    async def start(self) -> None:
        """Join the group and resume from the committed offsets."""

    @abstractmethod
    async def stop(self) -> None:
        """Leave the group; uncommitted records will be delivered again."""

    @abstractmethod
    async def poll(self, *, max_records: int, timeout: float) -> list[Record]:
        """The next records, in log order within each partition."""

    @abstractmethod
    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Record that everything before each given offset is processed."""

    @abstractmethod
    async def seek_to_committed(self) -> None:
        """Rewind to the last committed offsets (after a failure mid-batch)."""

    @abstractmethod
    async def lag(self) -> int:
        """Records in the log not yet consumed by this member."""


class Bus(ABC):
    """Publishes and consumes the platform's events."""

    @abstractmethod
    async def start(self) -> None:
        """Connect."""

    @abstractmethod
    async def stop(self) -> None:
        """Flush and disconnect."""

    @abstractmethod
    async def publish(self, messages: Sequence[Message]) -> None:
        """Publish in order; returns only once every message is durably acknowledged, else raises."""

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        """A consumer in ``group`` for ``topics`` (not started)."""

    @abstractmethod
    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create the topics that do not exist yet, with the configured partitions."""

    @abstractmethod
    async def ping(self) -> bool:
        """True when the bus is reachable."""


def partition_for(key: str, partitions: int) -> int:
    """A stable partition for ``key`` (the in-process log's equivalent of Kafka's key hashing)."""
    return zlib.crc32(key.encode("utf-8")) % partitions
