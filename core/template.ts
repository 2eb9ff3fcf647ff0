/** Message templates with {{variable}} placeholders (no logic, no HTML escaping surprises). */
export const TEMPLATE_VARIABLES = ['name', 'brand', 'country', 'unsubscribe_url'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

// Any {{...}}, so that a misspelt placeholder ({{Name}}, {{first name}}) is reported, not sent as is.
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const isVariable = (v: string): v is TemplateVariable => (TEMPLATE_VARIABLES as readonly string[]).includes(v);

export function templateVariables(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!.trim());
}

// A placeholder with the spaces around it, so that an empty value leaves no double space.
const PLACEHOLDER_SPACED = /( ?)\{\{([^{}]*)\}\}( ?)/g;

/**
 * Fills placeholders; a missing value becomes the empty string (names are optional data), and
 * the space it would leave doubled is dropped. Everything else in the text is kept as written.
 */
export function renderTemplate(text: string, vars: Partial<Record<TemplateVariable, string | null>>, escape: (s: string) => string = (s) => s): string {
  return text.replace(PLACEHOLDER_SPACED, (_, before: string, raw: string, after: string) => {
    const v = raw.trim();
    const value = (isVariable(v) && vars[v]) || '';
    if (value === '' && before && after) return ' ';
    return `${before}${escape(value)}${after}`;
  });
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The template for a language: exact, then the primary subtag, then the default language, then any. */
export function pickLanguage<T>(templates: Record<string, T>, language: string | null, fallback: string): { language: string; template: T } {
  const keys = Object.keys(templates);
  const candidates = [language, language?.split(/[-_]/)[0], fallback, fallback.split(/[-_]/)[0], keys[0]];
  for (const c of candidates) if (c && templates[c] !== undefined) return { language: c, template: templates[c]! };
  throw new Error('no template at all');
}
