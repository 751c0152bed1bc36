package io.jxen.xenstore.client;

/** Receives watch events, on the client's event thread. */
@FunctionalInterface
public interface WatchListener {

    /**
     * A watch fired (possibly spuriously, as docs/misc/xenstore.txt allows).
     *
     * @param path  the path reported by the daemon
     * @param token the token of the watch
     */
    void onEvent(String path, String token);
}
