/**
 * {@code jxen run}: a host kept running with one guest whose kernel runs a small init (console
 * shell, control driver, blkfront), reachable through the host's control socket.
 */
package io.jxen.cli.run;
