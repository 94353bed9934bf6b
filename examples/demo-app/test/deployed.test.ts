// When Trunkflow's staging step runs `npm test`, it sets TRUNKFLOW_URL: then this also checks the deployed app.
import { describe, expect, it } from 'vitest';

const url = process.env.TRUNKFLOW_URL;

describe.skipIf(url === undefined || url === '')('the deployed app at TRUNKFLOW_URL', () => {
  const at = (path: string) => fetch(new URL(path, url));

  it('is healthy', async () => {
    const response = await at('/healthz');
    expect(response.status).toBe(200);
  });

  it('runs the commit and environment under test', async () => {
    const body = (await (await at('/version')).json()) as Record<string, unknown>;
    if (process.env.TRUNKFLOW_SHA) expect(body.sha).toBe(process.env.TRUNKFLOW_SHA);
    if (process.env.TRUNKFLOW_ENV) expect(body.env).toBe(process.env.TRUNKFLOW_ENV);
  });

  it('serves the product pages', async () => {
    expect((await at('/products')).status).toBe(200);
    expect((await at('/products/kettle')).status).toBe(200);
  });
});
