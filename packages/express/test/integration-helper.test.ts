// createIntegrationTest from @limitrate/testing on Express: the cases every framework passes
// (packages/testing/test/integration-cases.ts).
import { describeIntegrationCases } from '../../testing/test/integration-cases.js';

describeIntegrationCases({ framework: 'express', clientUser: '127.0.0.1', rawName: 'Express request', rawField: 'app', rawFieldType: 'function' });
