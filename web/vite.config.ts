import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Dev server on 5173, preview on 4173, both on the IPv4 loopback so that
// "localhost" and "127.0.0.1" reach the same server.
export default defineConfig({
  base: '/',
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The Firebase SDK alone is ~600 kB minified; keep it (and React) in their own
    // long-cached chunks so app changes don't invalidate them.
    chunkSizeWarningLimit: 900,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'firebase', test: /[\\/]node_modules[\\/](@firebase|firebase|@grpc|protobufjs|idb)[\\/]/ },
            // CodeMirror, its languages and Yjs: loaded only by rooms with the shared editor.
            { name: 'editor', test: /[\\/]node_modules[\\/](@codemirror|@lezer|codemirror|yjs|y-codemirror\.next|y-protocols|lib0|style-mod|w3c-keyname|crelt|@marijn)[\\/]/ },
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler|cookie|set-cookie-parser)[\\/]/ },
          ],
        },
      },
    },
  },
});
