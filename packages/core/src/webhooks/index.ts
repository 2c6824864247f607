// The webhook sender and Standard Webhooks signing/verification (re-exported by the package entry).
export { WebhookSender } from './sender.js';
export { signWebhook, verifyWebhook } from './signature.js';
export type { WebhookConfig, WebhookSenderOptions, WebhookStats, WebhookHeaders, WebhookHeaderSource, HeadersLike, VerifyWebhookOptions } from './types.js';
