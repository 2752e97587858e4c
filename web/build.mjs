// Builds the web UI into ../internal/webui/dist, which the Go binary embeds:
//   dist/index.html          the page (names the hashed bundles below)
//   dist/ui/app-HASH.js      web/src/main.js and everything it imports
//   dist/ui/app-HASH.css     web/src/style.css with Leaflet's and uPlot's CSS
//   dist/ui/countries-HASH.json  Natural Earth borders (world-atlas, public domain)
// Usage: node build.mjs [--watch]   (npm ci first)
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'internal', 'webui', 'dist');
const ui = join(out, 'ui');

// Empty the output but the committed placeholder.
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) {
  if (f !== 'PLACEHOLDER.txt') rmSync(join(out, f), { recursive: true, force: true });
}
mkdirSync(ui, { recursive: true });

const hash8 = (buf) => createHash('sha256').update(buf).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase();

// The borders: copied as is (topojson-client turns them into GeoJSON in the browser).
const atlas = readFileSync(join(here, 'node_modules', 'world-atlas', 'countries-50m.json'));
const atlasName = `countries-${hash8(atlas)}.json`;
writeFileSync(join(ui, atlasName), atlas);

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js', style: 'src/style.css' },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  outdir: ui,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  define: { __ATLAS__: JSON.stringify(`/ui/${atlasName}`) },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

// The hashed names of the two entry points' outputs.
const entryOut = (entry, ext) => {
  const hit = Object.entries(result.metafile.outputs).find(([name, o]) => o.entryPoint === entry && name.endsWith(ext));
  if (!hit) throw new Error(`build: no ${ext} output for ${entry}`);
  return '/ui/' + hit[0].split('/ui/')[1];
};
const js = entryOut('src/main.js', '.js');
const css = entryOut('src/style.css', '.css');

writeFileSync(join(out, 'index.html'), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>truce</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${css}">
<script type="module" src="${js}"></script>
</head>
<body>
<noscript>truce's web UI needs JavaScript. The API is at /api/v1/.</noscript>
<div id="app" aria-live="polite"></div>
</body>
</html>
`);
console.log(`built ${js}, ${css}, /ui/${atlasName} into ${out}`);
