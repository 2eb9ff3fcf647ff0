import { describe, expect, it } from 'vitest';
import { escapeHtml, pickLanguage, renderTemplate, templateVariables, TEMPLATE_VARIABLES } from '../../core/template';

const VARS = { name: 'Li Wei', brand: 'Acme', country: 'CN', unsubscribe_url: 'https://u.example/x?a=1&b=2' } as const;

describe('renderTemplate: variables filled', () => {
  it.each([
    ['every known variable', '{{brand}} for {{name}} in {{country}}: {{unsubscribe_url}}', VARS, 'Acme for Li Wei in CN: https://u.example/x?a=1&b=2'],
    ['spaces inside the braces', 'Hi {{ name }}!', VARS, 'Hi Li Wei!'],
    ['the same variable twice', '{{name}}, {{name}}', VARS, 'Li Wei, Li Wei'],
    ['CJK text around a variable', '【{{brand}}】{{name}}您好，回复T退订', VARS, '【Acme】Li Wei您好，回复T退订'],
    ['missing value -> empty, and the double space it leaves collapses', 'Hi {{name}} welcome back', {}, 'Hi welcome back'],
    ['null value -> empty', 'Hi {{name}}!', { name: null }, 'Hi !'],
    ['no placeholders: text unchanged', 'Reply STOP to opt out', VARS, 'Reply STOP to opt out'],
    ['a value that looks like a placeholder is not expanded again', 'Hi {{name}}', { name: '{{brand}}' }, 'Hi {{brand}}'],
    ['a value with $& and $1 is inserted literally', 'Price: {{name}}', { name: '$& $1 $$' }, 'Price: $& $1 $$'],
    ['unknown placeholder renders empty, never an object property', 'x{{constructor}}y{{toString}}z', VARS, 'xyz'],
    ['newlines are kept', 'Hi {{name}}\nBye', VARS, 'Hi Li Wei\nBye'],
  ] as const)('%s', (_name, text, vars, want) => {
    expect(renderTemplate(text, vars)).toBe(want);
  });

  it('without an escape function, HTML in a value is left as is (plain text and SMS)', () => {
    expect(renderTemplate('Hi {{name}}', { name: '<b>Tom & "Jerry"</b>' })).toBe('Hi <b>Tom & "Jerry"</b>');
  });
});

describe('renderTemplate: HTML escaping when an escape function is given', () => {
  it.each([
    ['tags', '<p>Hi {{name}}</p>', { name: '<script>alert(1)</script>' }, '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['ampersand and quotes', '<a title="{{name}}">x</a>', { name: `Tom & "Jerry" O'Neil` }, '<a title="Tom &amp; &quot;Jerry&quot; O&#39;Neil">x</a>'],
    ['attribute URL', '<a href="{{unsubscribe_url}}">unsubscribe</a>', VARS, '<a href="https://u.example/x?a=1&amp;b=2">unsubscribe</a>'],
    ['the template\'s own markup is not escaped', '<b>{{brand}}</b> &amp; co', VARS, '<b>Acme</b> &amp; co'],
    ['already-escaped input is escaped again (values are text, not HTML)', '<p>{{name}}</p>', { name: '&lt;' }, '<p>&amp;lt;</p>'],
  ] as const)('%s', (_name, text, vars, want) => {
    expect(renderTemplate(text, vars, escapeHtml)).toBe(want);
  });

  it('escapeHtml covers the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('plain 文字')).toBe('plain 文字');
  });
});

describe('templateVariables', () => {
  it.each([
    ['known variables, in order', 'Hi {{name}} from {{ brand }}', ['name', 'brand']],
    ['unknown lower-case name is reported', '{{first_name}}', ['first_name']],
    ['capitalised name is reported, not ignored', '{{Name}}', ['Name']],
    ['name with a space is reported', '{{first name}}', ['first name']],
    ['none', 'Reply STOP', []],
  ] as const)('%s', (_name, text, want) => {
    expect(templateVariables(text)).toEqual(want);
  });

  it('the known list', () => {
    expect(TEMPLATE_VARIABLES).toEqual(['name', 'brand', 'country', 'unsubscribe_url']);
  });
});

describe('pickLanguage: exact, primary subtag, default, any', () => {
  const T = { en: 'EN', 'zh-CN': 'ZH-CN', zh: 'ZH', 'pt-BR': 'PT-BR', de: 'DE' };

  it.each([
    ['exact match', T, 'zh-CN', 'en', 'zh-CN'],
    ['exact match wins over the primary subtag', T, 'zh-CN', 'de', 'zh-CN'],
    ['primary subtag (zh-TW -> zh)', T, 'zh-TW', 'en', 'zh'],
    ['primary subtag with underscore (de_AT -> de)', T, 'de_AT', 'en', 'de'],
    ['primary subtag wins over the default', T, 'de-CH', 'en', 'de'],
    ['no match -> the default language', T, 'fr', 'de', 'de'],
    ['no language -> the default language', T, null, 'de', 'de'],
    ['default given as a region tag falls back to its primary subtag', T, 'fr', 'de-DE', 'de'],
    ['default given as a region tag, exact', T, 'fr', 'pt-BR', 'pt-BR'],
    ['nothing matches -> any (the first defined)', { ja: 'JA', ko: 'KO' }, 'fr', 'en', 'ja'],
    ['a regional template is not used for the bare language (pt -> default)', T, 'pt', 'en', 'en'],
  ] as const)('%s', (_name, templates, language, fallback, want) => {
    const got = pickLanguage(templates as Record<string, string>, language, fallback);
    expect(got).toEqual({ language: want, template: (templates as Record<string, string>)[want] });
  });

  it('no template at all is an error, not undefined', () => {
    expect(() => pickLanguage({}, 'en', 'en')).toThrow(/no template/);
  });
});
