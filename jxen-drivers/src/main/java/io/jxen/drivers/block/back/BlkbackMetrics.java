package io.jxen.drivers.block.back;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-device counters of a {@link Blkback}, readable from any thread (a monitoring tool reads,
 * only the backend writes). Units are in the names.
 */
public final class BlkbackMetrics {

    final AtomicLong requests = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong rejections = new AtomicLong();
    final AtomicLong grantFailures = new AtomicLong();
    final AtomicLong ringFull = new AtomicLong();
    final AtomicLong notifications = new AtomicLong();
    final AtomicLong batchLimited = new AtomicLong();
    final AtomicLong inFlightMax = new AtomicLong();
    final AtomicLong latencyNanosTotal = new AtomicLong();
    final AtomicLong latencyNanosMax = new AtomicLong();
    final AtomicLong readRequests = new AtomicLong();
    final AtomicLong writeRequests = new AtomicLong();

    /**
     * Read requests answered OKAY ({@code BLKIF_OP_READ}): Linux blkback's {@code rd_req}
     * statistic, which xentop shows as VBD_RD.
     */
    public long readRequests() {
        return readRequests.get();
    }

    /**
     * Write requests answered OKAY ({@code BLKIF_OP_WRITE}, {@code WRITE_BARRIER}, and a
     * {@code FLUSH_DISKCACHE} carrying data): Linux blkback's {@code wr_req}, xentop's VBD_WR.
     */
    public long writeRequests() {
        return writeRequests.get();
    }

    /** Counts an answered request by its operation (xentop's VBD_RD / VBD_WR). */
    void answered(BlkifDecoded decoded, int status) {
        if (status == io.jxen.abi.blkif.BlkifRsp.OKAY && decoded instanceof BlkifRequest.Transfer t) {
            if (t.operation() == io.jxen.abi.blkif.BlkifOp.READ) {
                readRequests.incrementAndGet();
            } else if (t.operation() != io.jxen.abi.blkif.BlkifOp.FLUSH_DISKCACHE || !t.segments().isEmpty()) {
                writeRequests.incrementAndGet();
            }
        }
    }

    /** Requests answered (any status). */
    public long requests() {
        return requests.get();
    }

    /** Bytes read from the disk for the frontend. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Bytes written to the disk for the frontend. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Requests answered with a status other than {@code BLKIF_RSP_OKAY}. */
    public long errors() {
        return errors.get();
    }

    /** Requests the decoder refused (a subset of {@link #errors()}). */
    public long rejections() {
        return rejections.get();
    }

    /** Requests failed because a data or indirect grant could not be mapped. */
    public long grantFailures() {
        return grantFailures.get();
    }

    /**
     * Turns that found the ring full: every slot held a request not yet answered, so the
     * frontend could not queue another (its ring size, or this backend, was the bottleneck).
     */
    public long ringFull() {
        return ringFull.get();
    }

    /**
     * Turns that ended at the batch limit with requests still on the ring: the frontend was
     * rate-limited, the rest waited for the next turn.
     */
    public long batchLimited() {
        return batchLimited.get();
    }

    /** Most engine operations in flight at once (pipelined backends; 0 otherwise). */
    public long inFlightMax() {
        return inFlightMax.get();
    }

    /** Mean request latency, 0 before the first request. */
    public long latencyNanosMean() {
        long n = requests.get();
        return n == 0 ? 0 : latencyNanosTotal.get() / n;
    }

    /** Event-channel notifications sent to the frontend. */
    public long notifications() {
        return notifications.get();
    }

    /** Sum of request latencies (copy-out to response), on the injected clock. */
    public long latencyNanosTotal() {
        return latencyNanosTotal.get();
    }

    /** Largest request latency seen. */
    public long latencyNanosMax() {
        return latencyNanosMax.get();
    }

    /**
     * A whole batch answered at once: {@code answered} requests ({@code reads} and
     * {@code writes} of them OKAY, {@code failed} with an error), each {@code latencyNanos}
     * long. One update per counter per batch rather than several atomic updates per request.
     */
    void batchAnswered(int answered, int reads, int writes, int failed, long readBytes, long writtenBytes,
                       long latencyNanos) {
        requests.addAndGet(answered);
        if (reads > 0) {
            readRequests.addAndGet(reads);
            bytesRead.addAndGet(readBytes);
        }
        if (writes > 0) {
            writeRequests.addAndGet(writes);
            bytesWritten.addAndGet(writtenBytes);
        }
        if (failed > 0) {
            errors.addAndGet(failed);
        }
        latencyNanosTotal.addAndGet(latencyNanos * answered);
        if (latencyNanos > latencyNanosMax.get()) {
            latencyNanosMax.accumulateAndGet(latencyNanos, Math::max);
        }
    }

    void latency(long nanos) {
        latencyNanosTotal.addAndGet(nanos);
        latencyNanosMax.accumulateAndGet(nanos, Math::max);
    }

    @Override
    public String toString() {
        return "requests=" + requests + " read_bytes=" + bytesRead + " written_bytes=" + bytesWritten
                + " errors=" + errors + " rejections=" + rejections + " grant_failures=" + grantFailures
                + " ring_full=" + ringFull + " batch_limited=" + batchLimited + " in_flight_max=" + inFlightMax
                + " notifications=" + notifications + " latency_ns_mean=" + latencyNanosMean()
                + " latency_ns_max=" + latencyNanosMax;
    }
}
