// Vitest settings for the demo app: its own tests, coverage measured over src/ only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.js'],
    coverage: {
      include: ['src/**'],
    },
  },
});
