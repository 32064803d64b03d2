"""Bus adapters behind one interface: Apache Kafka, and the in-process log of the embedded mode."""

from motcua_shared.chassis.bus.base import Bus, Consumer, Message, Record

__all__ = ["Bus", "Consumer", "Message", "Record"]
