/**
 * The xenstore tree: nodes with values, ordered children, per-node permissions and
 * generation counts; the operations of docs/misc/xenstore.txt with C xenstored 4.17's
 * permission and error rules; and transactions with per-node conflict detection.
 * Not thread-safe: the daemon serialises requests.
 */
package io.jxen.xenstore.store;
