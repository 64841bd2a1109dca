// The console is served under /console/ locally and at the root of its CloudFront distribution;
// relative asset URLs work for both.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false }, // the polyfill would be an inline script (strict CSP)
    assetsInlineLimit: 0, // no data: URLs (strict CSP)
  },
});
