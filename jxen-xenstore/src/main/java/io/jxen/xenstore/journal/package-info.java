/**
 * xenstored's optional durability journal: committed requests appended as CRC32C-checked
 * records, forced in batches before replies leave, replayed at start, compacted into
 * snapshots. See {@link io.jxen.xenstore.journal.Journal}.
 */
package io.jxen.xenstore.journal;
