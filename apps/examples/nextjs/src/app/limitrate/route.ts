// GET /limitrate: the chat limiter's analytics as JSON, for `npx limitrate dashboard --url
// http://localhost:3000/limitrate --token ...`. Exported unwrapped (not through limit(...)):
// the inspector is neither limited nor counted. The token comes from the environment of
// `next start`; `next build` runs without it (the error, if it is missing, waits for the
// first request).
import { limit } from '../../lib/chat-limit';

export const GET = limit.inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
