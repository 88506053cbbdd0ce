/**
 * Two ways a request can fail on the real server (PROTOCOL.md §3):
 * - `ReplyError`: an ErrorResponse frame (0xFF) whose payload is exactly `message`; the connection stays open (§3.1).
 * - `FatalError`: the connection is closed without any frame, and the acks owed for the read are lost (§3.3).
 */
export class ReplyError extends Error {}

export class FatalError extends Error {}
