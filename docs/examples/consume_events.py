#!/usr/bin/env python3
"""Reads Outflow's delivery events in either encoding and prints one JSON object per line.

    python3 consume_events.py --bootstrap 127.0.0.1:9092 [--prefix outflow.] [--from-beginning] [--group NAME]

Works with kafka-python (``pip install kafka-python`` or Debian's ``python3-kafka``) or
confluent-kafka, whichever is installed. No Avro library is needed:

* ``events.format=json`` records are JSON following ``docs/events.schema.json``;
* Avro single-object records (the default) are decoded by the small reader below, with the
  schemas in ``schemas/`` (``--schemas DIR``, default ``../../schemas`` next to this file). Both
  encodings may be on a topic while producers switch, so each record is told apart by its first
  byte. Confluent-framed records (``schema.registry.url`` set) are not handled here: use the
  registry's own deserializer for those.

A record the reader cannot decode is reported on stderr and skipped, never fatal.
"""
import argparse
import base64
import json
import os
import struct
import sys

EVENT_TOPICS = ("delivered", "deferred", "bounced")
SINGLE_OBJECT_MARKER = b"\xc3\x01"


# --- Avro binary, just enough for Outflow's schemas -------------------------------------------

class AvroReader:
    """Decodes Avro binary data of a parsed schema into plain Python values (bytes become base64,
    as in the JSON encoding, so both encodings print the same)."""

    def __init__(self, schema_files):
        self.named = {}
        self.root = None
        for f in schema_files:
            with open(f, encoding="utf-8") as fh:
                s = json.load(fh)
            self._register(s)
            if s["name"] == "DeliveryEvent":
                self.root = s

    def _register(self, s):
        if isinstance(s, dict):
            if s.get("type") in ("record", "enum", "fixed"):
                self.named[s["name"]] = s
            for f in s.get("fields", []):
                self._register(f["type"])
            for k in ("items", "values"):
                if k in s:
                    self._register(s[k])
        elif isinstance(s, list):
            for b in s:
                self._register(b)

    def decode(self, data):
        self.buf, self.pos = data, 0
        value = self._read(self.root)
        return value

    def _long(self):
        shift, result = 0, 0
        while True:
            b = self.buf[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return (result >> 1) ^ -(result & 1)
            shift += 7

    def _bytes(self):
        n = self._long()
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def _read(self, s):
        if isinstance(s, list):  # union: branch index, then the value
            return self._read(s[self._long()])
        if isinstance(s, str):
            if s in self.named:
                return self._read(self.named[s])
            if s == "null":
                return None
            if s == "boolean":
                self.pos += 1
                return self.buf[self.pos - 1] == 1
            if s in ("int", "long"):
                return self._long()
            if s == "float":
                self.pos += 4
                return struct.unpack("<f", self.buf[self.pos - 4:self.pos])[0]
            if s == "double":
                self.pos += 8
                return struct.unpack("<d", self.buf[self.pos - 8:self.pos])[0]
            if s == "string":
                return self._bytes().decode("utf-8")
            if s == "bytes":
                return base64.b64encode(self._bytes()).decode("ascii")
            raise ValueError("unsupported Avro type " + s)
        t = s["type"]
        if t == "record":
            out = {}
            for f in s["fields"]:
                v = self._read(f["type"])
                if v is not None:  # like the JSON encoding: null fields are left out
                    out[f["name"]] = v
            return out
        if t == "enum":
            return s["symbols"][self._long()]
        if t in ("array", "map"):
            out = [] if t == "array" else {}
            while True:
                n = self._long()
                if n == 0:
                    return out
                if n < 0:  # a block with its byte size first
                    n = -n
                    self._long()
                for _ in range(n):
                    if t == "array":
                        out.append(self._read(s["items"]))
                    else:
                        k = self._bytes().decode("utf-8")
                        out[k] = self._read(s["values"])
        if t in ("string", "bytes", "int", "long", "boolean", "null", "float", "double"):
            return self._read(t)
        raise ValueError("unsupported Avro type " + str(t))


def decode_event(value, avro):
    """One record value as a dict: JSON as is, Avro single-object decoded. Raises ValueError."""
    if value is None:
        raise ValueError("no value (tombstone)")
    if value.lstrip()[:1] == b"{":
        return json.loads(value)
    if value[:2] == SINGLE_OBJECT_MARKER:
        # 2-byte marker, 8-byte schema fingerprint (CRC-64-AVRO), then the Avro binary body.
        return avro.decode(value[10:])
    if value[:1] == b"\x00":
        raise ValueError("Confluent-framed Avro (schema registry): use the registry's deserializer")
    raise ValueError("neither JSON nor Avro single-object")


# --- Kafka ---------------------------------------------------------------------------------------

def records(args, topics):
    """Yields (topic, partition, offset, key bytes, value bytes) with whichever client is installed."""
    try:
        from confluent_kafka import Consumer
    except ImportError:
        Consumer = None
    if Consumer is not None:
        c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                      "auto.offset.reset": "earliest" if args.from_beginning else "latest",
                      "isolation.level": "read_committed", "enable.partition.eof": False})
        c.subscribe(list(topics))
        idle = 0.0
        try:
            while args.follow or idle < args.idle:
                m = c.poll(0.5)
                if m is None:
                    idle += 0.5
                    continue
                idle = 0.0
                if m.error():
                    print("kafka error: %s" % m.error(), file=sys.stderr)
                    continue
                yield m.topic(), m.partition(), m.offset(), m.key(), m.value()
        finally:
            c.close()
        return
    from kafka import KafkaConsumer
    from kafka.errors import KafkaConfigurationError
    settings = dict(bootstrap_servers=args.bootstrap, group_id=args.group,
                    auto_offset_reset="earliest" if args.from_beginning else "latest", enable_auto_commit=True)
    if not args.follow:
        settings["consumer_timeout_ms"] = int(args.idle * 1000)
    try:
        c = KafkaConsumer(*topics, isolation_level="read_committed", **settings)
    except KafkaConfigurationError:
        # kafka-python before 2.1 (Debian 12/13's python3-kafka) cannot skip aborted transactions:
        # an event of an aborted attempt may then show up next to the committed one (dedupe by
        # messageId, address and outcome, as for any at-least-once reader).
        print("note: this kafka-python reads uncommitted records too", file=sys.stderr)
        c = KafkaConsumer(*topics, **settings)
    try:
        for m in c:
            yield m.topic, m.partition, m.offset, m.key, m.value
    finally:
        c.close()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap", default="127.0.0.1:9092")
    p.add_argument("--prefix", default="outflow.", help="topic.prefix of the cluster")
    p.add_argument("--group", default="outflow-events-example")
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--follow", action="store_true", help="keep reading; otherwise stop after --idle seconds without records")
    p.add_argument("--idle", type=float, default=10.0)
    p.add_argument("--schemas", default=os.path.join(here, "..", "..", "schemas"))
    args = p.parse_args()
    avro = AvroReader([os.path.join(args.schemas, n) for n in ("OutboundMessage.avsc", "DeliveryEvent.avsc")])
    for topic, partition, offset, key, value in records(args, [args.prefix + t for t in EVENT_TOPICS]):
        try:
            event = decode_event(value, avro)
        except (ValueError, IndexError, UnicodeDecodeError) as e:
            print("skipping %s-%d@%d: %s" % (topic, partition, offset, e), file=sys.stderr)
            continue
        print(json.dumps({"topic": topic, "event": event}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
