// createIntegrationTest from @limitrate/testing on Hono: the cases every framework passes
// (packages/testing/test/integration-cases.ts).
import { describeIntegrationCases } from '../../testing/test/integration-cases.js';

describeIntegrationCases({ framework: 'hono', clientUser: '127.0.0.1', rawName: 'Hono context', rawField: 'req', rawFieldType: 'object' });
