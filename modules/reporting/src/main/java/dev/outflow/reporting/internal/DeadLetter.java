package dev.outflow.reporting.internal;

/** An event record that did not decode: its original bytes, on their way to the DLQ (headers carry the reason). */
record DeadLetter(byte[] value) {
}
