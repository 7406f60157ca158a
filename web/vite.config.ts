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
            // Yjs and its protocols: the shared documents' engine (lib/docSync), for the editor and the board.
            { name: 'yjs', test: /[\\/]node_modules[\\/](yjs|y-protocols|lib0)[\\/]/ },
            // CodeMirror and its languages: loaded only by rooms with the shared editor, never by the board.
            { name: 'editor', test: /[\\/]node_modules[\\/](@codemirror|@lezer|codemirror|y-codemirror\.next|style-mod|w3c-keyname|crelt|@marijn)[\\/]/ },
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler|cookie|set-cookie-parser)[\\/]/ },
          ],
        },
      },
    },
  },
});
