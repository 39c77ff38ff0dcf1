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
await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outfile: join(out, "assets", "app.js"),
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(join(here, "src", "style.css"), join(out, "assets", "style.css"));
await copyFile(join(here, "index.html"), join(out, "index.html"));
console.log(`explorer built into ${out}`);
