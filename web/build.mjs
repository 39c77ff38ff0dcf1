// Builds the explorer into ../service/web-dist (git-ignored), which the service serves at /.
// Usage: npm ci && npm run build  (scripts/web-build does both when the sources changed).
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "service", "web-dist");

await rm(out, { recursive: true, force: true });
await mkdir(join(out, "assets"), { recursive: true });
// Two pages: the explorer (app.js) and GraphiQL at /graphql (graphiql.js and the graphiql.css it imports).
await build({
  entryPoints: { app: join(here, "src", "main.js"), graphiql: join(here, "src", "graphiql.js") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: join(out, "assets"),
  define: { "process.env.NODE_ENV": '"production"' }, // React's production build
  loader: { ".woff2": "dataurl" },
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(join(here, "src", "style.css"), join(out, "assets", "style.css"));
await copyFile(join(here, "index.html"), join(out, "index.html"));
await copyFile(join(here, "graphiql.html"), join(out, "graphiql.html"));
console.log(`explorer built into ${out}`);
