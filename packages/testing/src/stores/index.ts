// The stores for tests: mock Redis and Upstash clients, and faults around any store.
export { mockRedis, MockRedis, type MockRedisOptions, type MockRedisStatus, type MockCommandArg, type CommandFilter } from './mock-redis.js';
export { mockUpstash, MockUpstash, type MockUpstashOptions, type MockUpstashRequest, type MockUpstashResponse, type MockUpstashRequester } from './mock-upstash.js';
export { MockRedisServer, ReplyError, type MockClock, type Reply } from './server.js';
export { faultyStore, type FaultyStore, type FaultyStoreOptions, type FaultyOperation, type FaultyCall } from './faulty-store.js';
export type { FaultOptions, FaultControls, CallCounts, FailureMode, Latency } from './faults.js';
