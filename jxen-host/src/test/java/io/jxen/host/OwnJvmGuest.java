package io.jxen.host;

import io.jxen.abi.Hypercall;
import io.jxen.abi.vcpu.VcpuOp;
import io.jxen.abi.vcpu.VcpuSetSingleshotTimerDescriptor;
import io.jxen.abi.xen.Virq;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.Scratch;
import io.jxen.guest.VcpuThreads;
import io.jxen.guest.control.XenControl;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.xenbus.RingXenbusStore;
import io.jxen.guest.xenbus.XenBus;
import io.jxen.guest.xenstore.XenstoreRingClient;
import io.jxen.hypercall.transport.RemoteGuestPlatform;
import io.jxen.runtime.AgentRunner;
import io.jxen.runtime.BackoffIdleStrategy;
import io.jxen.runtime.ErrorHandler;
import io.jxen.runtime.SystemClock;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The guest of {@link OwnJvmGuestLifecycleTest}, in a JVM of its own: it reaches the hypervisor
 * only through its domain's hypercall socket and the shared memory file. Each step prints one
 * line; a step that fails exits with a non-zero status naming it.
 */
public final class OwnJvmGuest {

    private OwnJvmGuest() {
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            say("FAILED " + what);
            Runtime.getRuntime().halt(2);
        }
    }

    public static void main(String[] args) throws Exception {
        RemoteGuestPlatform platform = RemoteGuestPlatform.connect(Path.of(args[0]));
        GuestKernel k = GuestKernel.boot(platform, GuestKernel.Options.defaults(SystemClock.INSTANCE));
        say("booted d" + k.domid() + " vcpus=" + k.vcpus() + " pv=" + k.xenPvDomain());
        VcpuThreads vcpus = VcpuThreads.startOnDoorbells(k);

        // A timer VIRQ per vCPU, raised by a singleshot timer whose deadline has passed (Xen
        // fires it at once when VCPU_SSHOTTMR_future is not set).
        CountDownLatch ticks = new CountDownLatch(k.vcpus());
        for (int v = 0; v < k.vcpus(); v++) {
            k.intr().bindVirq("xen_et:c" + v, Virq.TIMER, v, IrqHandler.filter(ticks::countDown));
        }
        for (int v = 0; v < k.vcpus(); v++) {
            try (Scratch s = k.vcpu(v).scratch()) {
                s.putLong(VcpuSetSingleshotTimerDescriptor.TIMEOUT_ABS_NS_OFFSET, 1)
                        .putInt(VcpuSetSingleshotTimerDescriptor.FLAGS_OFFSET, 0);
                check(s.call3(Hypercall.VCPU_OP, VcpuOp.SET_SINGLESHOT_TIMER, v) == 0, "set_singleshot_timer " + v);
            }
        }
        check(ticks.await(60, TimeUnit.SECONDS), "a timer VIRQ on every vCPU");
        CountDownLatch ipis = new CountDownLatch(k.vcpus());
        for (int v = 0; v < k.vcpus(); v++) {
            int irq = k.intr().bindIpi("ipi:c" + v, v, IrqHandler.filter(ipis::countDown));
            k.intr().notify(irq);
        }
        check(ipis.await(60, TimeUnit.SECONDS), "an IPI on every vCPU");
        StringBuilder counts = new StringBuilder("interrupts");
        for (int v = 0; v < k.vcpus(); v++) {
            counts.append(" xen_et:c").append(v).append('=').append(k.intr().count("xen_et:c" + v))
                    .append(" ipi:c").append(v).append('=').append(k.intr().count("ipi:c" + v));
        }
        say(counts.toString());

        XenstoreRingClient xs = XenstoreRingClient.open(k);
        String home = "/local/domain/" + k.domid();
        String name = xs.read(home + "/name");
        xs.write(home + "/data/child", "pid " + ProcessHandle.current().pid());
        say("xenstore name=" + name + " data/child=" + xs.read(home + "/data/child"));

        XenBus bus = XenBus.front(new RingXenbusStore(xs), k.domid(), XenBus.Options.defaults(SystemClock.INSTANCE));
        PingDevice.Front front = new PingDevice.Front(k);
        bus.register(front);
        AgentRunner busRunner = AgentRunner.start(bus, BackoffIdleStrategy.defaults(), ErrorHandler.printing());
        bus.start();
        say("ping answer=" + front.answer.get(60, TimeUnit.SECONDS));

        CountDownLatch off = new CountDownLatch(1);
        long[] rc = {-1};
        new XenControl(k, xs, new XenControl.Actions() {
            @Override
            public void afterShutdown(String request, long result) {
                rc[0] = result;
                off.countDown();
            }
        });
        say("ready");
        check(off.await(120, TimeUnit.SECONDS), "a shutdown request");
        say("powered off rc=" + rc[0]);
        // The domain is being destroyed: nothing of it answers any more, so this process ends
        // without unwinding its devices (a powered-off machine does not either).
        busRunner.close();
        vcpus.hashCode();
        Runtime.getRuntime().halt(0);
    }
}
