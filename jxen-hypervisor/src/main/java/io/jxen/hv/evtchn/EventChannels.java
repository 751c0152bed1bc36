package io.jxen.hv.evtchn;

import io.jxen.abi.XenErrno;
import io.jxen.abi.evtchn.EvtchnLimits;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.Vcpu;

import java.util.Arrays;

/**
 * One domain's event-channel ports: state, notify vCPU, peer, VIRQ; and its 2-level ABI.
 *
 * <p>Ports become valid in buckets, as Xen's {@code evtchn_allocate_port} grows
 * {@code valid_evtchns} a bucket at a time: a port in a bucket never allocated is invalid
 * ({@code -EINVAL} from close, send, status, unmask…), a free port of an allocated bucket is
 * valid and reports {@code EVTCHNSTAT_closed}. jxen's bucket is 64 ports (Xen's
 * {@code EVTCHNS_PER_BUCKET} = PAGE_SIZE / the power-of-two size of {@code struct evtchn},
 * 64 bytes on x86_64 without XSM).
 */
public final class EventChannels {

    /** Ports per allocation bucket. */
    public static final int BUCKET = 64;

    private final Domain domain;
    private final TwoLevel twoLevel;
    private final ChannelState[] state = new ChannelState[EvtchnLimits.EVTCHN_2L_NR_CHANNELS];
    private final int[] notifyVcpu = new int[EvtchnLimits.EVTCHN_2L_NR_CHANNELS];
    private final int[] remoteDomid = new int[EvtchnLimits.EVTCHN_2L_NR_CHANNELS];
    private final int[] remotePort = new int[EvtchnLimits.EVTCHN_2L_NR_CHANNELS];
    private final int[] virq = new int[EvtchnLimits.EVTCHN_2L_NR_CHANNELS];
    private int validPorts;

    /** Ports of a new domain: port 0 reserved ({@code evtchn_init}). */
    public EventChannels(Domain domain) {
        this.domain = domain;
        this.twoLevel = new TwoLevel(domain.sharedInfo());
        Arrays.fill(state, ChannelState.FREE);
        allocatePort(0);
        state[0] = ChannelState.RESERVED;
    }

    /** Xen's {@code port_is_valid}. */
    public boolean valid(long port) {
        return port >= 0 && port < validPorts;
    }

    /** Highest port the domain may allocate ({@code max_evtchn_port}). */
    public int maxPort() {
        return domain.config().maxEvtchnPort();
    }

    /** The state of a valid port. */
    public ChannelState state(int port) {
        return state[port];
    }

    /** The vCPU a valid port notifies. */
    public int notifyVcpu(int port) {
        return notifyVcpu[port];
    }

    /** Unbound: the domain allowed to bind; interdomain: the peer domain. */
    public int remoteDomid(int port) {
        return remoteDomid[port];
    }

    /** Interdomain: the peer's port. */
    public int remotePort(int port) {
        return remotePort[port];
    }

    /** VIRQ: the virtual IRQ. */
    public int virq(int port) {
        return virq[port];
    }

    /** Whether the port's pending bit is set. */
    public boolean pending(int port) {
        return twoLevel.isPending(port);
    }

    /** Whether the port's mask bit is set. */
    public boolean masked(int port) {
        return twoLevel.isMasked(port);
    }

    /** Xen's {@code evtchn_allocate_port}: 0, {@code -ENOSPC} or {@code -EBUSY}. */
    int allocatePort(int port) {
        if (port > maxPort() || port >= EvtchnLimits.EVTCHN_2L_NR_CHANNELS) {
            return -XenErrno.ENOSPC;
        }
        if (valid(port)) {
            return state[port] == ChannelState.FREE ? 0 : -XenErrno.EBUSY;
        }
        while (port >= validPorts) {
            validPorts += BUCKET;
        }
        return 0;
    }

    /** Xen's {@code get_free_port}: the lowest free port, or a negative errno. */
    int getFreePort() {
        if (domain.dying()) {
            return -XenErrno.EINVAL;
        }
        for (int port = 0; port <= maxPort(); port++) {
            int rc = allocatePort(port);
            if (rc == 0) {
                return port;
            }
            if (rc != -XenErrno.EBUSY) {
                return rc;
            }
        }
        return -XenErrno.ENOSPC;
    }

    void bindUnbound(int port, int remote) {
        state[port] = ChannelState.UNBOUND;
        remoteDomid[port] = remote;
    }

    void bindInterdomain(int port, int remote, int peerPort) {
        state[port] = ChannelState.INTERDOMAIN;
        remoteDomid[port] = remote;
        remotePort[port] = peerPort;
    }

    void bindVirq(int port, int vcpu, int boundVirq) {
        state[port] = ChannelState.VIRQ;
        notifyVcpu[port] = vcpu;
        virq[port] = boundVirq;
    }

    void bindIpi(int port, int vcpu) {
        state[port] = ChannelState.IPI;
        notifyVcpu[port] = vcpu;
    }

    void setNotifyVcpu(int port, int vcpu) {
        notifyVcpu[port] = vcpu;
    }

    /** Xen's {@code evtchn_free}: clear pending, free, notify vCPU back to 0. */
    void free(int port) {
        twoLevel.clearPending(port);
        state[port] = ChannelState.FREE;
        notifyVcpu[port] = 0;
        remoteDomid[port] = 0;
        remotePort[port] = 0;
        virq[port] = 0;
    }

    /** Xen's {@code evtchn_port_set_pending(d, vcpu, chn)}. */
    public void setPending(int vcpuId, int port) {
        Vcpu v = domain.vcpu(vcpuId);
        if (v != null) {
            twoLevel.setPending(v, port);
        }
    }

    /** Xen's {@code evtchn_port_unmask}. */
    void unmask(int port) {
        Vcpu v = domain.vcpu(notifyVcpu[port]);
        if (v != null) {
            twoLevel.unmask(v, port);
        }
    }

    /** Number of ports the domain may currently name (valid_evtchns). */
    public int validPorts() {
        return validPorts;
    }

    /** The domain. */
    public Domain domain() {
        return domain;
    }
}
