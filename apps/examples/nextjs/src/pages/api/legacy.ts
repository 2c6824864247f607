// GET /api/legacy: a Pages Router API route. It gets the socket, so the client address needs
// no proxy settings when the app is reached directly.
import type { NextApiRequest, NextApiResponse } from 'next';
import { withRateLimitApi } from '@limitrate/nextjs';

export default withRateLimitApi({
  policies: { free: { rate: { maxPerMinute: 3 } } },
})((_req: NextApiRequest, res: NextApiResponse) => {
  res.status(200).json({ router: 'pages' });
});
