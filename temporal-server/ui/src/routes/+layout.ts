import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';

import { i18nNamespaces } from '@temporalio/ui/i18n/index';
import locales from '@temporalio/ui/i18n/locales/index';

// The whole UI renders in the browser: the server only hands out static files and the /api/v1 JSON.
export const ssr = false;

// The library's components translate every label through i18next, so it starts before any page renders.
export const load = async () => {
  await i18next.use(LanguageDetector).init({
    resources: locales,
    ns: i18nNamespaces,
    defaultNS: 'common',
    fallbackLng: 'en',
    load: 'languageOnly',
    detection: {
      order: ['querystring', 'localStorage', 'navigator'],
      lookupQuerystring: 'lng',
      lookupLocalStorage: 'locale',
      caches: ['localStorage'],
    },
  });
};
