package dev.outflow.worker.internal;

/** Why a decodable message cannot be delivered, with the RFC 3463 code reported to the sender. */
record Rejection(String reason, String enhancedCode) {
}
