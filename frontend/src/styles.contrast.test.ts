import { describe, expect, it } from 'vitest';
import styles from './styles.css?raw';

// WCAG 2.1 AA contrast of the dashboard's own colours, read from styles.css. The browser tests run axe-core too, but
// only on what the page shows at that moment: the header's "Lagging" (seen once: 4.42:1) or "Connection lost" appear
// only when the pipeline or the browser's connection is in that state.

const AA = 4.5;
const css = styles.replace(/\/\*[\s\S]*?\*\//g, '');

type Rgb = [number, number, number];
type Rule = { selector: string; declarations: Map<string, string> };

const rules: Rule[] = [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map(([, selector = '', body = '']) => ({
  selector: selector.trim(),
  declarations: new Map([...body.matchAll(/([\w-]+)\s*:\s*([^;]+)/g)].map(([, name = '', value = '']) => [name, value.trim()])),
}));

function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`styles.css has no ${what}`);
  return value;
}

const ruleFor = (selector: string) =>
  found(
    rules.find((r) => r.selector === selector),
    `rule ${selector}`,
  );
const root = ruleFor(':root').declarations;

function resolve(value: string): string {
  const variable = /^var\(--([\w-]+)\)$/.exec(value);
  return variable ? resolve(root.get(`--${variable[1]}`) ?? value) : value;
}

/** A colour as sRGB 0–255 and its alpha, or undefined for what is not one colour (gradients, transparent). */
function parse(value: string): { rgb: Rgb; alpha: number } | undefined {
  const color = resolve(value);
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return { rgb: [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as Rgb, alpha: 1 };
  }
  const rgb = /^rgb\((\d+) (\d+) (\d+)(?: \/ (\d+)%)?\)$/.exec(color);
  if (rgb) return { rgb: [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])], alpha: rgb[4] === undefined ? 1 : Number(rgb[4]) / 100 };
  return undefined;
}

/** A translucent colour laid over an opaque one. */
function over({ rgb: [r, g, b], alpha }: { rgb: Rgb; alpha: number }, [br, bg, bb]: Rgb): Rgb {
  const mix = (top: number, below: number) => top * alpha + below * (1 - alpha);
  return [mix(r, br), mix(g, bg), mix(b, bb)];
}

function luminance([r, g, b]: Rgb): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

const contrast = (a: Rgb, b: Rgb) => {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
};

const background = (rule: Rule) => rule.declarations.get('background-color') ?? rule.declarations.get('background');

describe('colour contrast of styles.css (WCAG AA, 4.5:1 for text)', () => {
  it('every rule that sets both a text colour and a solid background', () => {
    const failing: string[] = [];
    let checked = 0;
    for (const rule of rules) {
      const text = rule.declarations.get('color');
      const fill = background(rule);
      const fg = text && parse(text);
      const bg = fill && parse(fill);
      if (!fg || !bg || bg.alpha < 1) continue;
      checked++;
      const ratio = contrast(fg.rgb, bg.rgb);
      if (ratio < AA) failing.push(`${rule.selector}: ${resolve(text)} on ${resolve(fill)} is ${ratio.toFixed(2)}:1`);
    }
    expect(checked).toBeGreaterThan(10);
    expect(failing).toEqual([]);
  });

  it("every text colour drawn on the header's dark gradient (its own translucent background over it)", () => {
    // The header's parts: the brand, the navigation, the freshness pill's connection note, the backend switch and the
    // user menu (layout/AppHeader.tsx). Their text has no background of its own, or a translucent one.
    const headerParts = /^\.(app-header|brand|app-nav|connection-lost|backend-switch|user-menu)/;
    const gradient = found(background(ruleFor('.app-header')), 'background of .app-header');
    const stops = [...gradient.matchAll(/var\(--[\w-]+\)/g)].map(([stop]) => found(parse(stop), `colour ${stop}`).rgb);
    expect(stops).toHaveLength(2);

    const failing: string[] = [];
    let checked = 0;
    for (const rule of rules.filter((r) => headerParts.test(r.selector))) {
      const text = rule.declarations.get('color');
      const fg = text && parse(text);
      if (!text || !fg) continue;
      const fill = background(rule);
      const own = fill ? parse(fill) : undefined;
      if (own?.alpha === 1) continue; // the first test checks it
      for (const stop of stops) {
        checked++;
        const behind = own ? over(own, stop) : stop;
        const ratio = contrast(fg.rgb, behind);
        if (ratio < AA) failing.push(`${rule.selector}: ${resolve(text)} on the header is ${ratio.toFixed(2)}:1`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(failing).toEqual([]);
  });
});
