// Public entry point of @limitrate/testing.
export { storeConformance, defineStoreConformance } from './conformance/suite.js';
export { ConformanceError } from './conformance/harness.js';
export { ReferenceModel } from './conformance/reference.js';
export { HOSTILE_KEYS, SURROGATE_KEYS } from './conformance/cases/keys.js';
export type { ConformanceCase, ConformanceClock, ConformanceContext, StoreConformanceOptions, DescribeLike, ItLike } from './conformance/types.js';
export { runTrace, diffTraces, type TraceStep, type TraceResult, type AdvanceableClock } from './trace.js';
export { EventLog } from './events.js';
export { adapterConformance, defineAdapterConformance } from './adapters/suite.js';
export { AdapterConformanceError, DEFAULT_ROUTES, failingStore } from './adapters/cases.js';
export type { AdapterCase, AdapterHarness, RouteSpec, RunningApp } from './adapters/types.js';
export * from './limiter/index.js';
export { createIntegrationTest, INTEGRATION_FRAMEWORKS } from './integration/index.js';
export type { IntegrationClient, IntegrationEcho, IntegrationFramework, IntegrationHeaderValue, IntegrationMethod, IntegrationQueryValue, IntegrationRateLimit, IntegrationRequest, IntegrationRequestBuilder, IntegrationResponse, IntegrationResponseView, IntegrationRouteHandler, IntegrationRouteRequest, IntegrationRouteResult, IntegrationStore, IntegrationTest, IntegrationTestOptions } from './integration/index.js';
export * from './stores/index.js';
