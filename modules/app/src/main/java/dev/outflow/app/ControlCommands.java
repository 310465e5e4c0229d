package dev.outflow.app;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import dev.outflow.codec.control.ControlPublisher;
import java.net.InetAddress;

/** Writes a control record for flush / pause / resume. */
final class ControlCommands {
    private ControlCommands() {}

    static ControlCommand send(Context ctx, Command command, String why) {
        return ControlPublisher.publish(ctx.kafka(), ctx.topics().control(), ctx.codecs().forType(ControlCommand.class),
                command, issuer(why));
    }

    static String issuer(String why) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return System.getProperty("user.name", "?") + "@" + host + " (" + why + ")";
    }
}
