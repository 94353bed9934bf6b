// The app's HTML pages and its small fixed product catalogue.
import type { DemoConfig } from './config.js';

export interface Product {
  id: string;
  name: string;
  priceCents: number;
  description: string;
}

export const PRODUCTS: readonly Product[] = [
  { id: 'kettle', name: 'Kettle', priceCents: 3900, description: 'Boils a litre in three minutes.' },
  { id: 'teapot', name: 'Teapot', priceCents: 2400, description: 'Holds four cups, keeps them warm.' },
  { id: 'mug', name: 'Mug', priceCents: 900, description: 'Stoneware, dishwasher safe.' },
];

export const APP_NAME = 'Trunkflow demo';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML, since /hello puts a visitor's query string on the page. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);

const price = (cents: number): string => `€${(cents / 100).toFixed(2)}`;

const layout = (title: string, body: string): string => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>${escapeHtml(title)} · ${APP_NAME}</title></head>
  <body>
    <nav><a href="/">Home</a> · <a href="/products">Products</a> · <a href="/hello">Hello</a></nav>
${body}
  </body>
</html>
`;

type Release = Pick<DemoConfig, 'env' | 'sha' | 'version'>;

export const homePage = (release: Release): string =>
  layout(
    'Home',
    `    <h1>${APP_NAME}</h1>
    <p>A small app that Trunkflow builds, tests, deploys and watches.</p>
    <dl>
      <dt>Version</dt><dd id="version">${escapeHtml(release.version ?? 'untagged')}</dd>
      <dt>Environment</dt><dd id="env">${escapeHtml(release.env ?? 'not set')}</dd>
      <dt>Commit</dt><dd id="sha">${escapeHtml(release.sha?.slice(0, 12) ?? 'unknown')}</dd>
    </dl>`,
  );

export const productsPage = (): string =>
  layout(
    'Products',
    `    <h1>Products</h1>
    <ul>
${PRODUCTS.map((product) => `      <li><a href="/products/${product.id}">${escapeHtml(product.name)}</a> ${price(product.priceCents)}</li>`).join('\n')}
    </ul>`,
  );

export const productPage = (product: Product): string =>
  layout(
    product.name,
    `    <h1>${escapeHtml(product.name)}</h1>
    <p>${escapeHtml(product.description)}</p>
    <p>${price(product.priceCents)}</p>`,
  );

export const helloPage = (message: string): string => layout('Hello', `    <h1>${escapeHtml(message)}</h1>`);

export const errorPage = (status: number, message: string): string =>
  layout(String(status), `    <h1>${status}</h1>\n    <p>${escapeHtml(message)}</p>`);
