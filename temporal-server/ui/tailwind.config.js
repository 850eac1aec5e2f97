import defaultTheme from 'tailwindcss/defaultTheme';

// The library's theme plugin is not in its package exports, so it is imported by file path.
import temporal, { textStyles } from './node_modules/@temporalio/ui/dist/theme/plugin.js';

/** @type {import('tailwindcss').Config} */
export default {
  // The library's components carry their own class names: Tailwind must scan them too.
  content: ['./src/**/*.{html,js,svelte,ts}', './node_modules/@temporalio/ui/dist/**/*.{js,svelte}'],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      sans: ['Inter', ...defaultTheme.fontFamily.sans],
      mono: ['Noto Sans Mono', ...defaultTheme.fontFamily.mono],
    },
    extend: { zIndex: { 100: '100' } },
  },
  plugins: [temporal, textStyles],
};
