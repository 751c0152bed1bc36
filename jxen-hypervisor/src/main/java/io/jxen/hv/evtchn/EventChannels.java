package io.jxen.hv.evtchn;

import io.jxen.abi.XenErrno;
import io.jxen.memory.MachineMemory;
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
    private final MachineMemory memory;
    private final TwoLevel twoLevel;
    private final int capacity;
    private final ChannelState[] state;
    private final int[] notifyVcpu;
    private final int[] remoteDomid;
    private final int[] remotePort;
    private final int[] virq;
    /** What the domain attached to each port for the peer's threads to run (in-process only). */
    private final io.jxen.hypercall.ChannelPoller[] pollers;
    private PortOps ops;
    private Fifo fifo;
    private int validPorts;

    /** Ports of a new domain, on the 2-level ABI: port 0 reserved ({@code evtchn_init}). */
    public EventChannels(Domain domain, MachineMemory memory) {
        this.domain = domain;
        this.memory = memory;
        this.twoLevel = new TwoLevel(domain.sharedInfo());
        this.ops = twoLevel;
        this.capacity = (domain.config().maxEvtchnPort() / BUCKET + 1) * BUCKET;
        this.state = new ChannelState[capacity];
        this.notifyVcpu = new int[capacity];
        this.remoteDomid = new int[capacity];
        this.remotePort = new int[capacity];
        this.virq = new int[capacity];
        this.pollers = new io.jxen.hypercall.ChannelPoller[capacity];
        Arrays.fill(state, ChannelState.FREE);
        allocatePort(0);
        state[0] = ChannelState.RESERVED;
    }

    /** Xen's {@code port_is_valid}: below {@code max_evtchns} and in an allocated bucket. */
    public boolean valid(long port) {
        return port >= 0 && port < ops.maxPorts() && port < validPorts;
    }

    /** Ports the current ABI can name ({@code max_evtchns}). */
    public int maxEvtchns() {
        return ops.maxPorts();
    }

    /** Whether the domain switched to the FIFO ABI. */
    public boolean fifo() {
        return fifo != null;
    }

    /** FIFO: the raw event word of {@code port} (0 without one); for tests and dumps. */
    public int fifoWord(int port) {
        return fifo == null ? 0 : fifo.word(port);
    }

    /** FIFO: the priority {@code port} links with. */
    public int fifoPriority(int port) {
        return fifo == null ? -1 : fifo.priority(port);
    }

    /**
     * {@code evtchn_fifo_init_control} (event_fifo.c:571-648), after the dispatcher's checks:
     * the first call sets up queues for every vCPU, an empty event array, maps this vCPU's
     * control block and switches the domain to FIFO, carrying pending 2-level bits over; later
     * calls map further vCPUs' blocks.
     */
    int initControl(Vcpu v, long gfn, long offset) {
        if (fifo != null) {
            return fifo.mapControlBlock(v, gfn, offset);
        }
        int prevEvtchns = ops.maxPorts();
        Fifo created = new Fifo(domain, this, memory, capacity);
        int rc = created.mapControlBlock(v, gfn, offset);
        if (rc < 0) {
            created.destroy();
            return rc;
        }
        fifo = created;
        ops = created;
        created.setupPorts(twoLevel, Math.min(prevEvtchns, validPorts));
        return 0;
    }

    /** {@code evtchn_fifo_expand_array}: {@code -EOPNOTSUPP} unless FIFO is active. */
    int expandArray(long gfn) {
        return fifo == null ? -XenErrno.EOPNOTSUPP : fifo.addPage(gfn);
    }

    /** {@code evtchn_port_set_priority}. */
    int setPriority(int port, long priority) {
        return ops.setPriority(port, priority);
    }

    /**
     * End of {@code evtchn_reset}, and domain destruction: back to the 2-level ABI, dropping the
     * hypervisor's references to the FIFO control blocks and event-array pages.
     */
    public void resetToTwoLevel() {
        if (fifo != null) {
            fifo.destroy();
            fifo = null;
            ops = twoLevel;
        }
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

    /** Whether the port is pending (2-level bit or FIFO PENDING). */
    public boolean pending(int port) {
        return ops.isPending(port);
    }

    /** Whether the port is masked. */
    public boolean masked(int port) {
        return ops.isMasked(port);
    }

    /** Xen's {@code evtchn_allocate_port}: 0, {@code -ENOSPC} or {@code -EBUSY}. */
    int allocatePort(int port) {
        if (port > maxPort() || port >= ops.maxPorts()) {
            return -XenErrno.ENOSPC;
        }
        if (valid(port)) {
            return state[port] == ChannelState.FREE && !ops.isBusy(port) ? 0 : -XenErrno.EBUSY;
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

    /** A fresh unbound port ({@code evtchn_port_init} runs). */
    void bindUnbound(int port, int remote) {
        markUnbound(port, remote);
        ops.init(port);
    }

    /** An interdomain peer falling back to unbound on close (no re-init, as in Xen). */
    void markUnbound(int port, int remote) {
        state[port] = ChannelState.UNBOUND;
        remoteDomid[port] = remote;
    }

    /** The binding side of bind_interdomain ({@code evtchn_port_init} runs). */
    void bindInterdomain(int port, int remote, int peerPort) {
        connect(port, remote, peerPort);
        ops.init(port);
    }

    /** The remote side of bind_interdomain: keeps its priority. */
    void connect(int port, int remote, int peerPort) {
        state[port] = ChannelState.INTERDOMAIN;
        remoteDomid[port] = remote;
        remotePort[port] = peerPort;
    }

    void bindVirq(int port, int vcpu, int boundVirq) {
        state[port] = ChannelState.VIRQ;
        notifyVcpu[port] = vcpu;
        virq[port] = boundVirq;
        ops.init(port);
    }

    void bindIpi(int port, int vcpu) {
        state[port] = ChannelState.IPI;
        notifyVcpu[port] = vcpu;
        ops.init(port);
    }

    void setNotifyVcpu(int port, int vcpu) {
        notifyVcpu[port] = vcpu;
    }

    /** Xen's {@code evtchn_free}: clear pending, free, notify vCPU back to 0. */
    void free(int port) {
        ops.clearPending(port);
        state[port] = ChannelState.FREE;
        notifyVcpu[port] = 0;
        remoteDomid[port] = 0;
        remotePort[port] = 0;
        virq[port] = 0;
        pollers[port] = null;
    }

    /** The poller the domain attached to a valid port, or null ({@code GuestPlatform#peerPoller}). */
    public io.jxen.hypercall.ChannelPoller poller(int port) {
        return pollers[port];
    }

    /** Attaches (or, with null, detaches) the domain's poller of a valid port; dropped when the port is freed. */
    public void attachPoller(int port, io.jxen.hypercall.ChannelPoller poller) {
        pollers[port] = poller;
    }

    /** Xen's {@code evtchn_port_set_pending(d, vcpu, chn)}. */
    public void setPending(int vcpuId, int port) {
        Vcpu v = domain.vcpu(vcpuId);
        if (v != null) {
            ops.setPending(v, port);
        }
    }

    /** Xen's {@code evtchn_port_unmask}. */
    void unmask(int port) {
        Vcpu v = domain.vcpu(notifyVcpu[port]);
        if (v != null) {
            ops.unmask(v, port);
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
