/**
 * Errors shared by every channel. The rule (STYLE.md §6): a transient failure is THROWN so the
 * Temporal activity retries it; a permanent failure of one message (bad number, rejected
 * mailbox) is RETURNED typed by the sender; a broken configuration (wrong credentials, unknown
 * account) is thrown as a non-retryable failure, because no retry can fix it and every other
 * message would fail the same way.
 */
import { ApplicationFailure } from '@temporalio/common';

/**
 * Wrong credentials or account: non-retryable in Temporal whatever the activity's retry policy
 * says (it is an ApplicationFailure with nonRetryable=true), type 'ChannelConfigError'.
 */
export class ChannelConfigError extends ApplicationFailure {
  constructor(
    readonly channel: 'sms' | 'email' | 'lookup',
    message: string,
    /** Provider error code when there is one (Twilio 20003, SMTP 535). */
    readonly providerCode?: number,
  ) {
    super(message, 'ChannelConfigError', true);
    // ApplicationFailure.prototype.name is read-only; shadow it on the instance.
    Object.defineProperty(this, 'name', { value: 'ChannelConfigError' });
  }
}

/**
 * A failure that a later attempt may not have: network, timeout, provider 5xx, rate limit,
 * SMTP 4xx. Thrown; Temporal retries with the activity's retry policy.
 *
 * `maybeAccepted` is true when the provider may have taken the message anyway (the response was
 * lost, a timeout, a 5xx after the request was sent). The caller must then reconcile before any
 * new attempt (the ledger row, a status callback, the provider's message list) and must not
 * blindly resend.
 */
export class TransientChannelError extends Error {
  override readonly name = 'TransientChannelError';
  constructor(
    readonly channel: 'sms' | 'email' | 'lookup',
    message: string,
    readonly details: { maybeAccepted: boolean; providerCode?: number; httpStatus?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
  get maybeAccepted(): boolean {
    return this.details.maybeAccepted;
  }
}
