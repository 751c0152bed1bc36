package io.jxen.cli.demo;

/**
 * A one-bit event channel between two agents of the demo: set by the sender when ring.h
 * says to notify, taken by the receiver. Counting sends shows ring.h's event suppression.
 */
final class Notification {

    private boolean pending;
    private long sent;

    void send() {
        pending = true;
        sent++;
    }

    /** Takes the pending bit: true if a notification had arrived since the last take. */
    boolean take() {
        boolean was = pending;
        pending = false;
        return was;
    }

    long sent() {
        return sent;
    }
}
