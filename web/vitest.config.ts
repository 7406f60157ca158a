import { defineConfig } from 'vitest/config';

// Unit tests of the pure modules and of the code sync over an in-memory store: no browser, no emulator.
export default defineConfig({
  test: { include: ['tests/**/*.test.ts'], environment: 'node' },
});
