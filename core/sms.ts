/**
 * SMS length rules and the marketing opt-out footer. Pure: no I/O, no clock, no Node builtins.
 *
 * Segment counting delegates to Twilio's own calculator (npm `sms-segments-calculator`, the
 * engine behind twilio.com's Messaging Segment Calculator), wrapped here so callers never see it.
 * It agrees with every case in test/fixtures/sms_segments.json, including the ones simpler
 * splitters get wrong: an escape pair (GSM-7 extension char) or a grapheme cluster is never split
 * across segments, so `segments` can exceed ceil(units / 153) or ceil(units / 67).
 *
 * Rules in short: GSM-7 if every character is in the GSM 03.38 basic or extension table
 * (extension chars ^{}\[]~|€ and form feed count 2 septets), otherwise the whole message is UCS-2
 * and counts UTF-16 code units (an emoji outside the BMP counts 2). One segment holds 160 septets
 * or 70 units; a concatenated message carries 153 / 67 per segment.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export const SMS_SEGMENT_LIMITS: Readonly<Record<SmsEncoding, { single: number; concatenated: number }>> = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
};

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** GSM-7 septets (extension chars count 2) or UTF-16 code units (UCS-2). */
  units: number;
  /** Billable segments. An empty text reports 1, as Twilio's calculator does. */
  segments: number;
  /** Unicode code points in the analysed text. */
  codePoints: number;
  /** Capacity of one segment at this length: 160/70 for a single segment, 153/67 when concatenated. */
  unitsPerSegment: number;
  /** Characters that forced UCS-2 (empty for GSM-7), in order of appearance, repeats kept. */
  nonGsmChars: string[];
  /** Calculator warnings (e.g. CRLF line breaks) plus 'empty' for an empty text. */
  warnings: string[];
}

export interface AnalyzeOptions {
  /**
   * Emulate Twilio Messaging Service "Smart Encoding" (replaces smart quotes and similar
   * look-alikes with GSM-7 characters). It is an opt-in Messaging Service feature: leave it off
   * unless the sending service has it enabled.
   */
  smartEncoding?: boolean;
}

export function analyzeSms(text: string, options: AnalyzeOptions = {}): SmsAnalysis {
  if (!options.smartEncoding) {
    const plain = analyzePlainText(text);
    if (plain) return plain;
  }
  const message = new SegmentedMessage(text, 'auto', options.smartEncoding ?? false);
  const encoding: SmsEncoding = message.encodingName;
  const bitsPerUnit = encoding === 'GSM-7' ? 7 : 16;
  const units = message.messageSize / bitsPerUnit;
  const segments = message.segmentsCount;
  const limits = SMS_SEGMENT_LIMITS[encoding];
  const warnings = [...message.warnings];
  if (text.length === 0) warnings.push('empty');
  return {
    encoding,
    units,
    segments,
    codePoints: [...text].length,
    unitsPerSegment: segments > 1 ? limits.concatenated : limits.single,
    nonGsmChars: encoding === 'UCS-2' ? message.getNonGsmCharacters() : [],
    warnings,
  };
}

/**
 * Characters that are one UTF-16 unit and always a grapheme cluster of their own (Unicode
 * Grapheme_Cluster_Break "Other"): printable ASCII, Latin-1 letters and signs (not the soft hyphen,
 * a format control), Greek capitals, the euro sign, CJK symbols and punctuation (not the combining
 * tone marks U+302A-302F), hiragana and katakana (not the combining voicing marks U+3099-309A), CJK
 * unified ideographs and full-width forms. No line breaks (the calculator warns about them).
 */
const PLAIN_TEXT = /^[\x20-\x7e\xa0-\xac\xae-\xff\u0391-\u03a9\u20ac\u3000-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff\u4e00-\u9fff\uff01-\uff60]+$/;
/** Below this code, PLAIN_TEXT characters are looked up in the calculator's GSM-7 table; above it none is GSM-7. */
const GSM_TABLE_END = 0x3000;
/** Septets of each plain character below GSM_TABLE_END: 1 basic GSM-7, 2 extension table, 0 not GSM-7. */
let gsmSeptets: Int8Array | undefined;

function gsmTable(): Int8Array {
  if (!gsmSeptets) {
    const table = new Int8Array(GSM_TABLE_END);
    for (let code = 0; code < GSM_TABLE_END; code++) {
      const ch = String.fromCharCode(code);
      if (!PLAIN_TEXT.test(ch)) continue;
      // The calculator's own answer for the character, so both paths share one GSM-7 table.
      const m = new SegmentedMessage(ch, 'auto', false);
      table[code] = m.encodingName === 'GSM-7' ? m.messageSize / 7 : 0;
    }
    gsmSeptets = table;
  }
  return gsmSeptets;
}

/**
 * The calculator's result computed directly for the common case of plain text (every character
 * a grapheme of its own, one UTF-16 unit, no line break), where segments are simply
 * ceil(units / 153 or 67): the calculator splits graphemes and builds segment objects per
 * character, a hot spot when every recipient's message is analysed. Null for anything else,
 * including GSM-7 text with extension characters (an escape pair is never split, which the
 * calculator handles).
 */
function analyzePlainText(text: string): SmsAnalysis | null {
  if (!PLAIN_TEXT.test(text)) return null;
  const table = gsmTable();
  const nonGsmChars: string[] = [];
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const n = code < GSM_TABLE_END ? table[code]! : 0;
    if (n === 0) nonGsmChars.push(text[i]!);
    else septets += n;
  }
  const encoding: SmsEncoding = nonGsmChars.length === 0 ? 'GSM-7' : 'UCS-2';
  const units = encoding === 'GSM-7' ? septets : text.length;
  if (encoding === 'GSM-7' && septets !== text.length) return null;
  const limits = SMS_SEGMENT_LIMITS[encoding];
  const segments = units <= limits.single ? 1 : Math.ceil(units / limits.concatenated);
  return {
    encoding,
    units,
    segments,
    codePoints: text.length,
    unitsPerSegment: segments > 1 ? limits.concatenated : limits.single,
    nonGsmChars,
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Opt-out footer

export type MessageCategory = 'marketing' | 'transactional';

/**
 * Opt-out instruction per language. Every footer names a keyword that core/keywords.ts
 * classifies as opt_out (STOP, or T for Chinese), so the instruction we print is one we honour.
 * Keys are lower-case BCP 47 tags; lookup tries the full tag, a Traditional-Chinese alias, the
 * primary language, then English.
 */
export const OPT_OUT_FOOTERS: Readonly<Record<string, string>> = {
  en: 'Reply STOP to opt out',
  zh: '回复T退订',
  'zh-hant': '回覆T退訂',
  es: 'Responde STOP para darte de baja',
  fr: 'Répondez STOP pour vous désabonner',
  de: 'Antworte STOP zum Abmelden',
  pt: 'Responda STOP para sair',
  ja: '配信停止はSTOPと返信',
};

const TRADITIONAL_CHINESE_TAGS = new Set(['zh-hant', 'zh-tw', 'zh-hk', 'zh-mo']);

/** The footer for a language tag such as 'en', 'en-US', 'zh-CN', 'zh-Hant-TW'; English if unknown. */
export function optOutFooterFor(language: string): string {
  const tag = language.trim().toLowerCase().replace(/_/g, '-');
  const parts = tag.split('-');
  const primary = parts[0] ?? '';
  if (primary === 'zh' && parts.slice(1).some((p) => TRADITIONAL_CHINESE_TAGS.has(`zh-${p}`))) {
    return OPT_OUT_FOOTERS['zh-hant'] ?? OPT_OUT_FOOTERS.en!;
  }
  return OPT_OUT_FOOTERS[tag] ?? OPT_OUT_FOOTERS[primary] ?? OPT_OUT_FOOTERS.en!;
}

/**
 * Patterns recognising an opt-out instruction already written into a body, in any supported
 * language and any letter case (checked on the NFKC form, so full-width ＳＴＯＰ/ＴＤ count).
 */
const INSTRUCTION_PATTERNS: Readonly<Record<string, readonly RegExp[]>> = {
  // en: "Reply STOP to opt out", "Text STOP to unsubscribe", "txt 'stop' to end", "reply with STOP"
  en: [/\b(?:reply|replying|text|txt|send|respond|msg)\s+(?:with\s+)?["'‘’“”]?(?:stop|stopall|stop\s+all|unsubscribe|cancel|end|quit|optout|opt[\s-]out|revoke)\b/i],
  // es / pt
  es: [/\b(?:responde|responda|contesta|env[ií]a|envie|escribe)\s+["'“”]?(?:stop|baja|alto|parar|sair|cancelar)\b/i],
  // fr: "Répondez STOP ...", "STOP SMS au 36180"
  fr: [/(?:r[ée]pondez|r[ée]pondre|envoyez|envoie|tapez)\s+["'“”«]?\s*stop\b/i, /\bstop\s+(?:sms\s+)?(?:au|@)\s*\d{3,}/i],
  de: [/\b(?:antworte\w*|sende\w*|schreib\w*)(?:\s+\w+){0,2}\s+["'„“”]?(?:stop|stopp)\b/i],
  // zh: 回T退订 / 回复TD退订 / 回覆T退訂 / 退订回T / 拒收请回复R / 回复退订
  zh: [
    /回(?:复|覆)?\s*["“「]?\s*[a-z0-9]{1,6}\s*["”」]?\s*(?:退订|退訂|拒收|取消)/i,
    /(?:退订|退訂|拒收)\s*(?:请|請)?\s*回(?:复|覆)?\s*["“「]?\s*[a-z0-9]{1,6}/i,
    /回(?:复|覆)\s*["“「]?\s*(?:退订|退訂)/,
  ],
  ja: [/(?:stop|ストップ|停止)\s*(?:と|を)\s*返信/i],
};
const ALL_INSTRUCTION_PATTERNS = Object.values(INSTRUCTION_PATTERNS).flat();
const PATTERN_LANGUAGE: Readonly<Record<string, string>> = { pt: 'es' };

/** True if the text already tells the recipient how to opt out by SMS reply (any language). */
export function hasOptOutInstruction(text: string): boolean {
  const normalized = text.normalize('NFKC');
  return ALL_INSTRUCTION_PATTERNS.some((re) => re.test(normalized));
}

/** True if the text tells the recipient how to opt out in this language (a tag such as 'zh-CN'). */
export function hasOptOutInstructionIn(text: string, language: string): boolean {
  const primary = language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  const patterns = INSTRUCTION_PATTERNS[PATTERN_LANGUAGE[primary] ?? primary] ?? INSTRUCTION_PATTERNS.en!;
  const normalized = text.normalize('NFKC');
  return patterns.some((re) => re.test(normalized));
}

const CJK_TAIL = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef】」』）》〉]$/u;

function separatorFor(body: string, footer: string): string {
  if (body.length === 0 || body.endsWith('\n')) return '';
  // Chinese/Japanese footers attach directly after CJK text ("…仅限本周末。回复T退订"); after Latin
  // text (a URL, a code) a space keeps the footer from gluing onto it. Latin footers: one space.
  if (/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(footer) && CJK_TAIL.test(body)) return '';
  return ' ';
}

/**
 * Append the opt-out instruction for `language` unless the body already contains an equivalent
 * one (in any language). Trailing spaces are dropped before appending; a trailing newline is kept
 * and the footer goes on the next line.
 */
export function withOptOutFooter(body: string, language: string): string {
  return appendFooter(body, language).text;
}

function appendFooter(body: string, language: string): { text: string; footerAdded: boolean } {
  if (hasOptOutInstruction(body)) return { text: body, footerAdded: false };
  const footer = optOutFooterFor(language);
  const trimmed = body.replace(/[ \t\u00a0\u3000]+$/u, '');
  return { text: trimmed + separatorFor(trimmed, footer) + footer, footerAdded: true };
}

export interface ComposedSms {
  /** Exactly what is sent. */
  text: string;
  /** Analysis of `text`, so segment counts always include the footer. */
  analysis: SmsAnalysis;
  footerAdded: boolean;
  category: MessageCategory;
}

/**
 * Final SMS text for a category: marketing gets the opt-out footer (unless already present),
 * transactional is sent as written. Throws on an empty/blank body (Twilio rejects an empty Body
 * with error 21602, and a marketing message that is only a footer is a template bug).
 */
export function composeSms(
  body: string,
  language: string,
  category: MessageCategory,
  options: AnalyzeOptions = {},
  /** A language whose instruction a marketing SMS must carry as well (the contact policy's, by country). */
  requiredFooterLanguage: string | null = null,
): ComposedSms {
  if (body.trim().length === 0) throw new Error('SMS body is empty');
  let { text, footerAdded } =
    category === 'marketing' ? appendFooter(body, language) : { text: body, footerAdded: false };
  if (category === 'marketing' && requiredFooterLanguage && !hasOptOutInstructionIn(text, requiredFooterLanguage)) {
    const footer = optOutFooterFor(requiredFooterLanguage);
    text = text.replace(/[ \t\u00a0\u3000]+$/u, '');
    text += separatorFor(text, footer) + footer;
    footerAdded = true;
  }
  return { text, analysis: analyzeSms(text, options), footerAdded, category };
}

/** composeSms(body, language, 'marketing'). */
export function composeMarketingSms(body: string, language: string, options: AnalyzeOptions = {}): ComposedSms {
  return composeSms(body, language, 'marketing', options);
}
