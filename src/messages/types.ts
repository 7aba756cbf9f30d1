/**
 * The fields every message carries, whatever its schema. The runtime relies only on these:
 * `priority` orders mailboxes, `messageId`/`correlationId` pair requests with replies.
 */
export interface Message {
  /** UUID v4, generated when the message is created. */
  readonly messageId: string;
  /** 0..255; higher is served first. Default 128. */
  readonly priority: number;
  /** For replies: the `messageId` of the request this answers. */
  readonly correlationId?: string | undefined;
}
