package dev.outflow.core.shaping;

/** A shaping rules file that cannot be used; the message names the file and line. */
public final class ShapingRulesException extends Exception {
    public ShapingRulesException(String message) {
        super(message);
    }
}
