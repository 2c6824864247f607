// Public entry point of @limitrate/core.
export { RateLimiter } from './limiter.js';
export type { RateLimiterConfig, MemoryStoreConfig, RedisStoreConfig, UpstashStoreConfig, ClientStoreConfig, StoreOption } from './config.js';
export { DeferredStore } from './stores/deferred.js';
export { RedisBatcher, type RedisBatchSend } from './stores/redis-batch.js';
export type {
  RateLimitRequest,
  RateLimitResult,
  LimitStatus,
  LimitUnit,
  DecisionReason,
  ActualUsage,
  RecordResult,
  ResetTarget,
} from './types.js';
export type {
  ActionOnExceed,
  RateRule,
  CostRule,
  ConcurrencyRule,
  EndpointPolicy,
  PlanPolicy,
  Policies,
  OverrideLimits,
  UserOverride,
} from './policy/types.js';
export type { LimitKind, LimitTemplate } from './policy/compile.js';
export { validateConfig, validateUserOverride } from './policy/validate.js';
export { canonicalEndpoint, parseEndpointPattern, normalizePath, comparePatterns, matchesEndpoint } from './policy/endpoint.js';
export type { CanonicalEndpoint, EndpointPattern } from './policy/endpoint.js';
export { PolicyEngine, type Resolution } from './policy/engine.js';
export * from './algorithms/index.js';
export { ALGORITHM_TAG } from './algorithms/registry.js';
export { MemoryStore, type MemoryStoreOptions, type MemoryStoreStats } from './stores/memory.js';
export { ResilientStore, type ResilientStoreOptions, type ResilientStoreStats, type CircuitState } from './stores/resilient.js';
export { REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA } from './stores/redis-script.js';
export { encodeRedisArgs, decodeRedisReply, decodeRedisBatchReply, pushRedisDecision, redisNowArg, redisCapacityOf, type RedisDecision } from './stores/redis-codec.js';
export type { Store, LimitSpec, ConsumeMode, ConsumeOptions, ConsumeResult, LimitOutcome, ResetSelector, MaybePromise } from './stores/types.js';
export { EventBus, type EventBusOptions, type Listener } from './events/bus.js';
export type * from './events/types.js';
export { systemClock, manualClock, preciseNow, type Clock, type ManualClock } from './clock.js';
export { outcomeOf } from './instrument/instruments.js';
export type { Instrumentation, InstrumentedLimiter, CheckCounts, CheckRecord, CheckOutcome, CheckScope, CheckStart, StoreOperationRecord } from './instrument/types.js';
export { escapeKeyPart } from './util/keys.js';
export {
  LimitRateError,
  ConfigError,
  StoreError,
  CallbackError,
  RequestError,
  isLimitRateError,
  type LimitRateErrorCode,
  type ConfigIssue,
} from './errors/index.js';
export { HttpLimiter, type HttpRequestInfo, type HttpDecision, type HttpOutcome, type RateLimitStatus } from './http/engine.js';
export { rateLimitInfo, type RateLimitInfo } from './http/info.js';
export { HTTP_OPTIONS, type HttpLimiterOptions } from './http/options.js';
export { templatePath, isIdSegment } from './http/route.js';
export { ConcurrencyGates, type Release } from './http/concurrency.js';
export { parseIp, formatIp, ipKey, clientIp, compileCidrList, type ParsedIp, type CidrList } from './http/ip.js';
export { rateLimitHeaders, retryAfterSeconds, type HeaderMode, type HeaderOptions } from './http/headers.js';
export { refusal, ipBlockedRefusal, type Refusal, type RefusalOptions } from './http/body.js';
export { rateLimitMessage } from './http/messages.js';
export * from './webhooks/index.js';
export { parseDuration, type Duration } from './util/duration.js';
export * from './analytics/index.js';
export { createInspector, type InspectorOptions, type InspectorRequest, type InspectorResponse, type InspectorHandler, type InspectedLimiter } from './http/inspector.js';
