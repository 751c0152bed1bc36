/**
 * Domains and vCPUs: creation (memory, start_info, shared_info), ids, pause, shutdown reasons,
 * destruction, and each vCPU's vcpu_info and interrupt-line hook (xen/common/domain.c).
 */
package io.jxen.hv.domain;
