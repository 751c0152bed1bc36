package io.jxen.guest.gnttab;

/**
 * A driver's private batch of grant references ({@code grant_ref_t *pprivate_head}), filled by
 * {@link GrantTableClient#allocGrantReferences}, claimed from without the global lock.
 */
public final class GrantRefHead {

    int head = GrantFreeList.LIST_END;

    /** Whether the batch is used up ({@code gnttab_empty_grant_references}). */
    public boolean empty() {
        return head == GrantFreeList.LIST_END;
    }
}
