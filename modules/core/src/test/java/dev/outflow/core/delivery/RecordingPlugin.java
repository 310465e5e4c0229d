package dev.outflow.core.delivery;

import dev.outflow.core.hooks.Delivered;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.OutboundPlugin;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test plugin: answers send_email and get_mx as told, records delivered calls. */
final class RecordingPlugin implements OutboundPlugin {
    volatile HookResult sendEmail = HookResult.cont();
    volatile MxAnswer mx = MxAnswer.cont();
    final List<String> mxDomains = new CopyOnWriteArrayList<>();
    final List<Delivered> delivered = new CopyOnWriteArrayList<>();

    @Override
    public HookResult sendEmail(MessageView message) {
        return sendEmail;
    }

    @Override
    public MxAnswer getMx(MessageView message, String domain) {
        mxDomains.add(domain);
        return mx;
    }

    @Override
    public void delivered(MessageView message, Delivered d) {
        delivered.add(d);
    }
}
