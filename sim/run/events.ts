/**
 * The numeric event kinds of a run. The engine sees only numbers; these names
 * say what each one means to the simulation.
 *
 * @module
 */

/** An arrival source fires: a = source index. */
export const EV_ARRIVAL = 1;
/** An upcall reaches a VCPU: a = vcpu. */
export const EV_UPCALL = 2;
/** The VCPU's handler loop takes its next step (after an ABI scan cost): a = vcpu. */
export const EV_LOOP = 3;
/** A handler finishes: a = vcpu, b = port. */
export const EV_HANDLER_DONE = 4;
/** Time-share scheduling: a = vcpu, b = 1 to run, 0 to deschedule. */
export const EV_SCHED = 5;
/** Event-disabled window: a = vcpu, b = 1 to open (mask upcalls), 0 to close. */
export const EV_IRQ_OFF = 6;
/** Periodic rebalancing of a group's ports over VCPUs: a = group. */
export const EV_REBALANCE = 7;
/** A group's priority change: a = group. */
export const EV_PRIORITY = 8;
/** A hostile guest writes into its shared memory. */
export const EV_HOSTILE = 9;
/** The end of the warm-up: measurement starts. */
export const EV_WARMUP_END = 10;
/** A handler's dispatch completes and the handler starts (time-shared VCPUs): a = vcpu. */
export const EV_DISPATCH = 11;
/** A softirq work item (one NAPI poll item) ends on a VCPU: a = vcpu. */
export const EV_SOFT = 12;
/** A thread-context work item (kthread or ksoftirqd) ends on a VCPU: a = vcpu. */
export const EV_THREAD = 13;
/** The late-EOI worker's timer fires for a port whose EOI was delayed: a = port. */
export const EV_LATE_EOI = 14;
