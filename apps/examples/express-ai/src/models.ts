// The simulated LLM: a price table per model, the request's estimated tokens and cost, and
// a "model" that answers with a canned reply after a tiny delay and reports its usage the
// way OpenAI-style APIs do ({ prompt_tokens, completion_tokens, total_tokens }). No network.

/** Dollars per 1M tokens, input (prompt) and output (completion). */
export interface Price {
  input: number;
  output: number;
}

/** List prices per 1M tokens (what the public APIs charged at the time of writing). */
export const PRICES: Readonly<Record<string, Price>> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'claude-sonnet': { input: 3, output: 15 },
};

/** `max_tokens` when the request gives none, and the most a request may ask for. */
export const DEFAULT_MAX_TOKENS = 1024;
export const MAX_MAX_TOKENS = 16_384;

export interface ChatMessage {
  role: string;
  content: string;
}

/** A valid chat completion request. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The usual rule of thumb for English text: a token is about 4 characters. */
export const tokensOf = (text: string): number => Math.ceil(text.length / 4);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request body as a ChatRequest, or what is wrong with it. */
export function parseChatRequest(body: unknown): ChatRequest | { error: string } {
  if (!isObject(body)) return { error: 'The body must be a JSON object: { model, messages, max_tokens? }' };
  const { model, messages, max_tokens: max = DEFAULT_MAX_TOKENS } = body;
  if (typeof model !== 'string' || PRICES[model] === undefined) return { error: `Unknown model ${JSON.stringify(model)}. Models: ${Object.keys(PRICES).join(', ')}` };
  if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => isObject(m) && typeof m.role === 'string' && typeof m.content === 'string')) {
    return { error: 'messages must be a non-empty array of { role, content }' };
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_MAX_TOKENS) return { error: `max_tokens must be a whole number from 1 to ${MAX_MAX_TOKENS}` };
  return { model, messages: messages as ChatMessage[], max_tokens: max };
}

/** Tokens of the prompt (every message's content). */
export function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + tokensOf(m.content), 0);
}

/** What a call costs, in dollars, for a number of prompt and completion tokens. */
export function priceOf(model: string, prompt: number, completion: number): number {
  const p = PRICES[model];
  if (p === undefined) return 0;
  return (prompt * p.input + completion * p.output) / 1_000_000;
}

/**
 * The most a request can cost: its prompt, plus `max_tokens` of completion. Used as
 * `estimateCost`, before the call; the actual cost is known after it. An invalid request
 * costs nothing (it is answered 400 without calling the model).
 */
export function estimateCost(body: unknown): number {
  const r = parseChatRequest(body);
  return 'error' in r ? 0 : priceOf(r.model, promptTokens(r.messages), r.max_tokens);
}

/** The most tokens a request can use: prompt plus `max_tokens`. Used as `identifyTokenUsage`. */
export function estimateTokens(body: unknown): number {
  const r = parseChatRequest(body);
  return 'error' in r ? 0 : promptTokens(r.messages) + r.max_tokens;
}

const REPLY =
  'Rate limits and spending caps keep an AI feature affordable: every request is priced before it runs, ' +
  'checked against the caps of the caller’s plan, and settled at its real price once the model has answered. ' +
  'This reply is simulated, so no tokens were harmed.';

/**
 * The "model": a canned reply after a few milliseconds, cut to `max_tokens`, with its usage.
 *
 * @example
 * ```ts
 * const { content, usage } = await complete({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 });
 * ```
 */
export async function complete(req: ChatRequest, delayMs = 5 + Math.random() * 15): Promise<{ content: string; finish_reason: 'stop' | 'length'; usage: Usage }> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const cut = tokensOf(REPLY) > req.max_tokens;
  const content = cut ? REPLY.slice(0, req.max_tokens * 4) : REPLY;
  const prompt = promptTokens(req.messages);
  const completion = tokensOf(content);
  return { content, finish_reason: cut ? 'length' : 'stop', usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
}
