// lr.inspector({ token }) on Express 4 and 5, mounted before the limiter: the cases every adapter passes (packages/testing/test/inspector-cases.ts).
import { describe } from 'vitest';
import { describeInspectorCases, INSPECTOR_POLICIES, INSPECTOR_TOKEN } from '../../testing/test/inspector-cases.js';
import { byHeader, echo, EXPRESS_VERSIONS, planHeader, useHarness } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: inspector', (_name, express) => {
  const h = useHarness(express);

  describeInspectorCases({
    async serve() {
      const lr = h.limitrate({ identifyUser: byHeader, identifyPlan: planHeader, analytics: true, policies: INSPECTOR_POLICIES });
      const app = h.app();
      app.get('/limitrate', lr.inspector({ token: INSPECTOR_TOKEN }));
      app.all('/limitrate-any', lr.inspector({ token: INSPECTOR_TOKEN }));
      app.use(lr);
      app.post('/api/chat', echo);
      app.get('/api/items/:id', echo);
      return h.listen(app);
    },
    anyMethodPath: '/limitrate-any',
    limiter: (options) => h.limitrate(options),
  });
});
