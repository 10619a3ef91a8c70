import type { SpanEvent, SpanLink, SpanStatus } from '../model/index.ts';

/**
 * Values shared by every span that has no events, no links, or an unset status. Most spans have none of
 * these, and sharing one frozen object saves an allocation (and retained heap) per span.
 */
export const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
/** See {@link NO_EVENTS}. */
export const NO_LINKS: readonly SpanLink[] = Object.freeze([]);
/** An unset status with no message: what an absent `Span.status` means. */
export const UNSET_STATUS: SpanStatus = Object.freeze({ code: 0, message: '' });

/** How deep `array_value`/`kvlist_value` may nest before a request is refused (guards the call stack). */
export const MAX_ANY_VALUE_DEPTH = 64;
