// Test helper: a stand-in for an app's inspector endpoint at /limitrate (token checked,
// query parsed by core's parseReportQuery, reports from the fixtures).
import { parseReportQuery, type AnalyticsReport, type ReportQuery } from '@limitrate/core';
import { sendJson, startServer, type TestServer } from './http-server.js';
import { sampleReport } from './fixtures.js';

export const TOKEN = 'test-token-123';

/** Starts an inspector serving `report(query)` (default the sample report) at /limitrate. */
export async function startInspector(report: (query: ReportQuery) => AnalyticsReport = sampleReport): Promise<TestServer> {
  return startServer((req, res) => {
    if (req.url.pathname !== '/limitrate') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    const auth = req.headers['authorization'];
    if (auth === undefined) {
      sendJson(res, 401, { ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED', message: 'The inspector needs its token: send "Authorization: Bearer <token>" (npx limitrate dashboard --token <token>)' });
      return;
    }
    if (auth !== `Bearer ${TOKEN}`) {
      sendJson(res, 401, { ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED', message: "The token does not match the inspector's: check --token (or LIMITRATE_TOKEN) against inspector({ token })" });
      return;
    }
    sendJson(res, 200, report(parseReportQuery(req.url.searchParams)));
  });
}
