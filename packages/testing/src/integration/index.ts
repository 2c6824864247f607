// Entry point of the integration helpers: createIntegrationTest and its types.
export { createIntegrationTest, INTEGRATION_FRAMEWORKS } from './create.js';
export type {
  IntegrationClient,
  IntegrationEcho,
  IntegrationFramework,
  IntegrationHeaderValue,
  IntegrationMethod,
  IntegrationQueryValue,
  IntegrationRateLimit,
  IntegrationRequest,
  IntegrationRequestBuilder,
  IntegrationResponse,
  IntegrationResponseView,
  IntegrationRouteHandler,
  IntegrationRouteRequest,
  IntegrationRouteResult,
  IntegrationStore,
  IntegrationTest,
  IntegrationTestOptions,
} from './types.js';
