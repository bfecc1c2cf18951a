import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The token server serves dist/ at `/` on the same origin as its API, so the page is built for
// base '/' and calls the relative `/api/video/token`. In development, Vite proxies `/api` to a
// token server started with `cargo run -p token-server` (its default address).
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // livekit-client alone is about 530 kB minified (140 kB gzipped), one library that cannot be
    // split further; the limit sits just above it so any other growth still warns.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // livekit-client is most of the bundle and changes less often than the page: its own
        // chunks cache separately and keep each under Vite's size warning.
        codeSplitting: {
          groups: [
            { name: 'livekit-client', test: /node_modules[\\/](livekit-client|@livekit[\\/]protocol)[\\/]/ },
            { name: 'livekit-components', test: /node_modules[\\/]@livekit[\\/]components-/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    restoreMocks: true,
  },
});
