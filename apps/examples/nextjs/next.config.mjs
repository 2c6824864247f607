// Next.js configuration of the example: nothing but what a small API app needs.
/** @type {import('next').NextConfig} */
const nextConfig = {
  // The example is one package of a pnpm workspace: @limitrate/nextjs is linked from packages/.
  turbopack: { root: new URL('../../..', import.meta.url).pathname },
  poweredByHeader: false,
};

export default nextConfig;
