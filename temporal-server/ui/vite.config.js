import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The library reads these at build time. An empty VITE_API means "same origin": the UI calls /api/v1 on
// the server that served it. Left undefined, the bundle fails at run time (getApiOrigin calls startsWith).
const env = (name, fallback) => JSON.stringify(process.env[name] ?? fallback);

export default defineConfig({
  plugins: [sveltekit()],
  define: {
    'import.meta.env.VITE_API': env('VITE_API', ''),
    'import.meta.env.VITE_DARK_MODE': env('VITE_DARK_MODE', ''),
    'import.meta.env.VITE_TEMPORAL_UI_BUILD_TARGET': env('VITE_TEMPORAL_UI_BUILD_TARGET', null),
  },
  optimizeDeps: { include: ['date-fns', 'date-fns-tz'] },
  build: { chunkSizeWarningLimit: 4096 },
  logLevel: 'warn',
});
